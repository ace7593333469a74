"""What /api/v1/ does for any client: CORS, ETag and Last-Modified with 304s, the rate
limit's 429, and every error as problem details (RFC 9457) in words, never a traceback."""

from __future__ import annotations

import pytest
from django.test import Client

from api.http import parse_rate
from tests.api.helpers import body

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, body(response)
    assert response["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("/api/v1/docs#problem-")
    assert problem["title"] and problem["detail"]
    assert "Traceback" not in problem["detail"]
    return problem


def test_cors_is_open_for_get(site, client):
    response = client.get("/api/v1/indicators", headers={"Origin": "https://example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options("/api/v1/values")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert client.get("/api/v1/nowhere")["Access-Control-Allow-Origin"] == "*"


def test_etag_gives_304_until_something_changes(site, client, django_assert_num_queries):
    first = client.get("/api/v1/values?indicator=cpp-rate")
    etag = first["ETag"]
    assert first.status_code == 200 and etag and first["Last-Modified"]
    with django_assert_num_queries(1):  # the content version; the view does not run
        again = client.get("/api/v1/values?indicator=cpp-rate", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    other = client.get("/api/v1/values?indicator=cpp-count", headers={"If-None-Match": etag})
    assert other.status_code == 200  # another address, another tag
    since = client.get(
        "/api/v1/values?indicator=cpp-rate", headers={"If-Modified-Since": first["Last-Modified"]}
    )
    assert since.status_code == 304
    from core.caching import changed

    changed("indicator:1")  # any change the public can see moves the version on
    changed_now = client.get("/api/v1/values?indicator=cpp-rate", headers={"If-None-Match": etag})
    assert changed_now.status_code == 200 and changed_now["ETag"] != etag


def test_csv_and_docs_have_etags_too(site, client):
    csv = client.get("/api/v1/values?format=csv")
    assert csv["ETag"] != client.get("/api/v1/values")["ETag"]
    assert (
        client.get("/api/v1/values?format=csv", headers={"If-None-Match": csv["ETag"]}).status_code
        == 304
    )
    docs = client.get("/api/v1/docs")
    assert client.get("/api/v1/docs", headers={"If-None-Match": docs["ETag"]}).status_code == 304


def test_head_is_answered_as_get(site, client):
    response = client.head("/api/v1/indicators")
    assert response.status_code == 200 and response["ETag"]


def test_the_rate_limit_answers_429_with_retry_after(site, settings):
    settings.API_RATE_LIMIT = "3/minute"
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        ok = client.get("/api/v1/periods")
        assert ok.status_code == 200
    assert ok["RateLimit-Remaining"] == "0"
    refused = client.get("/api/v1/periods")
    problem = assert_problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "3 requests per minute" in problem["detail"]
    assert refused["Access-Control-Allow-Origin"] == "*"
    # Another address has its own count.
    assert Client(REMOTE_ADDR="203.0.113.8").get("/api/v1/periods").status_code == 200


def test_behind_our_proxy_the_client_is_the_last_forwarded_address(site, settings):
    settings.API_RATE_LIMIT = "1/minute"
    settings.API_TRUST_FORWARDED_FOR = True
    proxy = Client(REMOTE_ADDR="10.0.0.1")

    def get(forwarded: str) -> int:
        return proxy.get("/api/v1/", headers={"X-Forwarded-For": forwarded}).status_code

    assert get("198.51.100.1") == 200
    assert get("198.51.100.2") == 200  # another client behind the same proxy
    assert get("1.2.3.4, 198.51.100.1") == 429  # a made-up first address changes nothing


def test_rates_are_read_as_written():
    assert parse_rate("120/minute") == (120, 60)
    assert parse_rate("10/s") == (10, 1)
    assert parse_rate("1000/hours") == (1000, 3600)
    assert parse_rate("") is None
    with pytest.raises(ValueError, match="120/minute"):
        parse_rate("lots")


def test_unknown_addresses_are_problem_404s(site, client):
    for address in (
        "/api/v1/nothing-here",
        "/api/v1/values/",
        "/api/v1/areas/E99999999",
        "/api/v1/topics/999999",
        "/api/v1/indicators/nope",
    ):
        assert_problem(client.get(address), 404)


def test_invalid_parameters_are_problem_400s(site, client):
    problem = assert_problem(client.get("/api/v1/values?limit=abc"), 400)
    assert problem["errors"][0]["parameter"] == "limit"
    assert_problem(client.get("/api/v1/values?limit=100000"), 400)
    assert_problem(client.get("/api/v1/values?format=xml"), 400)
    cursor = assert_problem(client.get("/api/v1/values?cursor=not-ours"), 400)
    assert "cursor" in cursor["detail"]
    assert_problem(client.get("/api/v1/values?from=last-tuesday"), 400)
    assert_problem(client.get("/api/v1/changes?since=yesterday"), 400)


def test_other_methods_are_problem_405s(site):
    client = Client(enforce_csrf_checks=True)
    assert_problem(client.post("/api/v1/nowhere"), 404)
    for method in (client.post, client.put, client.delete, client.patch):
        response = method("/api/v1/values")
        problem = assert_problem(response, 405)
        assert "read-only" in problem["detail"]
        assert "GET" in response["Allow"]


def test_a_server_error_is_a_problem_500_without_a_traceback(site, monkeypatch):
    from api import selectors

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(selectors, "public_indicators", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/indicators")
    problem = assert_problem(response, 500)
    assert "secret internals" not in body(response).decode()
    assert "logged" in problem["detail"]


def test_the_openapi_document_describes_every_operation(site, client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for name in ("indicators", "areas", "periods", "breakdowns", "topics", "values", "changes"):
        operation = paths[f"/api/v1/{name}"]["get"]
        assert "text/csv" in operation["responses"]["200"]["content"]
        assert PROBLEM in operation["responses"]["404"]["content"]
        assert "429" in operation["responses"]
    assert "format=csv" in document["info"]["description"]


def test_the_docs_are_our_own_page_under_the_site_csp(site, client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "cdn" not in html.lower()
    assert "<script>" not in html and "<style" not in html and "style=" not in html
    for operation in ("list_values", "list_changes", "get_area", "list_topics"):
        assert f'id="{operation}"' in html
    assert "/api/v1/values" in html and "children_of" in html
    assert 'id="problem-rate-limited"' in html


def test_every_example_in_the_docs_answers(site, client):
    from api.docs import EXAMPLES

    for address in EXAMPLES.values():
        response = client.get(address)
        assert response.status_code == 200, (address, body(response))
        assert response.json()["data"] if "data" in response.json() else response.json()
