"""Every answer carries ``X-Request-ID``; the id is on the request's log lines."""

from __future__ import annotations

import logging
import uuid

import pytest
from server_support import ServerHarness

from avatar_server.request_id import RequestIdFilter

pytestmark = pytest.mark.server


def _is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4
    except ValueError:
        return False


def test_a_sane_client_id_is_echoed_on_success_and_error(server: ServerHarness) -> None:
    client = server.anonymous()
    ok = client.get("/api/health", headers={"X-Request-ID": "trace-42.a:b_c"})
    assert ok.status_code == 200
    assert ok.headers["X-Request-ID"] == "trace-42.a:b_c"
    missing = client.get("/api/jobs/nope", headers={"X-Request-ID": "abc"})
    assert missing.status_code == 401
    assert missing.headers["X-Request-ID"] == "abc"
    assert set(missing.json()) == {"detail", "code"}


@pytest.mark.parametrize(
    "supplied", ["", "x" * 129, "two words", "line\\nbreak", "<script>", "caf\u00e9"]
)
def test_an_unsafe_or_missing_id_is_replaced_by_a_uuid4(
    server: ServerHarness, supplied: str
) -> None:
    client = server.anonymous()
    headers = {"X-Request-ID": supplied.encode("utf-8")}
    answer = client.get("/api/health", headers=headers)
    assert answer.headers["X-Request-ID"] != supplied
    assert _is_uuid4(answer.headers["X-Request-ID"])
    plain = client.get("/api/health")
    assert _is_uuid4(plain.headers["X-Request-ID"])
    other = client.get("/api/health")
    assert other.headers["X-Request-ID"] != plain.headers["X-Request-ID"]


def test_404_and_422_answers_carry_a_generated_id(admin_client: object) -> None:
    client = admin_client
    for answer in (
        client.get("/api/no-such-route"),  # type: ignore[attr-defined]
        client.get("/api/jobs", params={"limit": -1}),  # type: ignore[attr-defined]
    ):
        assert answer.status_code in {404, 422}
        assert _is_uuid4(answer.headers["X-Request-ID"])
        assert set(answer.json()) == {"detail", "code"}


def test_the_id_is_on_the_request_log_lines_and_no_secret_is(
    server: ServerHarness, caplog: pytest.LogCaptureFixture
) -> None:
    client = server.admin()
    api_key = server.credentials["api_key"]
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="avatar_server"):
        answer = client.get("/api/users/me", headers={"X-Request-ID": "req-7f3a"})
    assert answer.status_code == 200
    mine = [record for record in caplog.records if getattr(record, "request_id", "") == "req-7f3a"]
    assert any(record.name == "avatar_server.access" for record in mine), caplog.records
    assert any("req-7f3a" in record.getMessage() for record in mine)
    assert api_key not in caplog.text
