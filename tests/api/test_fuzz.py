"""The API fuzzed from its own OpenAPI document (schemathesis): every operation gets generated
requests (a few hundred in all), through the site's WSGI application on the test database
with the small Child protection site in it. None may be a server error, and every answer must
be what the document says: a status it lists, its content type, headers and schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Generated requests per operation: 11 operations, so about 440 in all.
EXAMPLES = 40


def own_document() -> dict:
    """The OpenAPI document /api/v1/openapi.json serves, built by the same code; loaded here
    at collection, before there is a database (schemathesis's lazy fixture loader does not
    run under pytest 9). `test_the_fuzzed_document_is_the_served_one` checks they agree."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from api.endpoints import api

    return json.loads(json.dumps(api.get_openapi_schema(), cls=NinjaJSONEncoder))


def wsgi_application():
    from jsna.wsgi import application

    return application


schema = schemathesis.openapi.from_dict(own_document())
schema.app = wsgi_application()  # requests go through the site's WSGI application


@pytest.fixture(autouse=True)
def _data(site, settings):
    """The small site in the test database, which the WSGI application reads in this test's
    transaction; no rate limit (hundreds of requests come from one address). As Django's test
    client does, the connection is not closed as each request ends (on PostgreSQL that would
    end the test's transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    settings.API_RATE_LIMIT = ""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_fuzzed_document_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").json() == own_document()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run, so CI never flakes on a new one
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented(case):
    case.call_and_validate(checks=CHECKS)
