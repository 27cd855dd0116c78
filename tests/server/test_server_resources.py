"""Resource sets: validation against the user's datasets, versions, YAML round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server_support import ServerHarness, TestClient, started_server


def test_put_and_get_resource_set(
    client_a: TestClient, upload_wbcd: Callable[..., Any], wbcd_yaml: str
) -> None:
    upload_wbcd(client_a)
    first = client_a.put(
        "/api/resources/demo", content=wbcd_yaml, headers={"Content-Type": "text/yaml"}
    )
    assert first.status_code == 201
    body = first.json()
    assert body["display_name"] == "demo"
    second = client_a.put(
        "/api/resources/demo", content=wbcd_yaml, headers={"Content-Type": "application/x-yaml"}
    )
    assert second.json()["set_name"] != body["set_name"]  # every PUT is a new version
    stored = client_a.get(f"/api/resources/{body['set_name']}")
    assert stored.status_code == 200
    assert stored.headers["content-type"].startswith("text/yaml")
    assert stored.text == wbcd_yaml


def test_invalid_resource_sets_are_422_with_a_code(
    client_a: TestClient, upload_wbcd: Callable[..., Any], wbcd_yaml: str
) -> None:
    no_dataset = client_a.put("/api/resources/demo", content=wbcd_yaml)
    assert no_dataset.status_code == 422
    assert "wbcd.csv" in no_dataset.json()["detail"]
    upload_wbcd(client_a)
    for text in ("kind: [unclosed", "!!python/object:os.system {}", "kind: Nope\n", "\xff"):
        response = client_a.put("/api/resources/demo", content=text.encode("utf-8"))
        assert response.status_code == 422, text
        assert set(response.json()) == {"detail", "code"}
    wrong_column = wbcd_yaml.replace("field: Class", "field: NoSuchColumn")
    response = client_a.put("/api/resources/demo", content=wrong_column)
    assert response.status_code == 422
    assert "NoSuchColumn" in response.json()["detail"]
    invalid_utf8 = client_a.put("/api/resources/demo", content=b"\xff\xfe")
    assert invalid_utf8.json()["code"] == "invalid_encoding"
    media = client_a.put(
        "/api/resources/demo", content=wbcd_yaml, headers={"Content-Type": "image/png"}
    )
    assert media.status_code == 415


def test_resource_set_size_cap_and_isolation(tmp_path: Any, wbcd_yaml: str) -> None:
    with started_server(tmp_path, max_resource_set_bytes=len(wbcd_yaml) + 10) as server:
        alice = server.user("alice")
        bob = server.user("bob")
        alice.put("/api/datasets/wbcd.csv", content=_wbcd_bytes())
        big = alice.put("/api/resources/demo", content=wbcd_yaml + "#" * 100)
        assert big.status_code == 413
        set_name = alice.put("/api/resources/demo", content=wbcd_yaml).json()["set_name"]
        assert bob.get(f"/api/resources/{set_name}").status_code == 404
        assert alice.get("/api/resources/not-a-set").status_code == 404


def _wbcd_bytes() -> bytes:
    from server_support import WBCD_CSV

    return WBCD_CSV.read_bytes()


def test_unauthenticated_requests_are_401(server: ServerHarness) -> None:
    anonymous = server.anonymous()
    assert anonymous.put("/api/resources/demo", content="x").status_code == 401
    assert anonymous.put("/api/datasets/a.csv", content=b"a\n1\n").status_code == 401
    assert anonymous.get("/api/jobs").status_code == 401
