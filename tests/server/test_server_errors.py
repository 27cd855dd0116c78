"""Every error is JSON {detail, code}; unexpected failures are 500 without leaking data."""

from __future__ import annotations

import logging

import pytest
from server_support import ServerHarness


def test_unknown_routes_and_methods_answer_json(server: ServerHarness) -> None:
    client = server.anonymous()
    missing = client.get("/api/nope")
    assert missing.status_code == 404
    assert set(missing.json()) == {"detail", "code"}
    method = client.delete("/api/health")
    assert method.status_code == 405
    assert method.json()["code"] == "method_not_allowed"


def test_validation_errors_use_the_error_shape(server: ServerHarness) -> None:
    client = server.admin()
    response = client.post(
        "/api/jobs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert isinstance(body["detail"], str)
    undecodable = client.post(
        "/api/jobs", content=b"e4\xff5\x02", headers={"Content-Type": "application/json"}
    )
    assert undecodable.status_code == 422
    assert undecodable.json()["code"] == "invalid_body"
    paging = client.get("/api/jobs", params={"limit": "many"})
    assert paging.status_code == 422
    assert "limit" in paging.json()["detail"]


def test_unexpected_exception_is_500_and_logs_no_message(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise ValueError("-".join(["secret", "cell", "value"]))  # not in the source line

    server.app.add_api_route("/api/test-explode", explode)
    with caplog.at_level(logging.INFO):
        response = server.anonymous().get("/api/test-explode?token=query-secret")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal server error. The server log has the details.",
        "code": "internal_error",
    }
    server_log = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith("avatar")
    )
    assert "ValueError" in server_log
    assert "secret-cell-value" not in server_log
    assert "query-secret" not in server_log
    assert "/api/test-explode" in server_log


def test_oversized_json_bodies_are_413(server: ServerHarness) -> None:
    client = server.admin()
    huge = b'{"job_names": [' + b'"x",' * 400_000 + b'"x"]}'
    declared = client.post(
        "/api/jobs/bulk-delete", content=huge, headers={"Content-Type": "application/json"}
    )
    assert declared.status_code == 413
    assert declared.json()["code"] == "request_too_large"

    def chunks():  # type: ignore[no-untyped-def]
        yield huge

    streamed = client.post(
        "/api/jobs/bulk-delete", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413
    small = client.post("/api/jobs/bulk-delete", json={"job_names": ["x"]})
    assert small.json() == {"deleted_jobs": [], "failed_jobs": ["x"]}
