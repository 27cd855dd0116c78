"""405 answers list every method of the path in ``Allow`` and keep the ``{detail, code}`` body."""

from __future__ import annotations

import pytest
from server_support import ServerHarness

pytestmark = pytest.mark.server


def _allow(value: str) -> set[str]:
    return {method.strip() for method in value.split(",")}


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("PUT", "/api/api-keys", {"GET", "HEAD", "POST"}),
        ("DELETE", "/api/jobs", {"GET", "HEAD", "POST"}),
        ("PATCH", "/api/datasets/wbcd.csv", {"GET", "HEAD", "PUT", "DELETE"}),
        ("GET", "/api/login", {"POST"}),
        ("OPTIONS", "/api/jobs/bulk-delete", {"POST"}),
        ("OPTIONS", "/api/users/me", {"GET", "HEAD"}),
    ],
)
def test_allow_lists_every_method_of_the_path(
    server: ServerHarness, method: str, path: str, expected: set[str]
) -> None:
    answer = server.admin().request(method, path)
    assert answer.status_code == 405, answer.text
    assert _allow(answer.headers["Allow"]) == expected
    body = answer.json()
    assert body["code"] == "method_not_allowed"
    assert set(body) == {"detail", "code"}
    assert method in body["detail"]
