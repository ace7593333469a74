"""Imports from the admin run in the task worker: the upload, "Check again" and "Import"
answer with a redirect to the run's page at once. The tests run each task as it is enqueued
(the immediate backend), so the run has finished by then; `through_run` opens its page, which
is what the officer meets: the preview, the refusal, or a redirect to what the import did."""

from __future__ import annotations

from typing import Any


def through_run(client: Any, response: Any) -> Any:
    """The run's page, if `response` sends the officer to one; otherwise `response`."""
    if response.status_code == 302 and "/import/run/" in response["Location"]:
        return client.get(response["Location"])
    return response
