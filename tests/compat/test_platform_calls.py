"""The established client's lower-level calls against our server (octopize-avatar 1.30.0)."""

from __future__ import annotations

from pathlib import Path

import httpx
import palmerpenguins
from compat_support import LiveServer, run_flow, user_key


def test_root_job_flow_resources_volumes_connections_and_admin_revocation(
    server: LiveServer, tmp_path: Path
) -> None:
    penguins = tmp_path / "penguins.csv"
    palmerpenguins.load_penguins().to_csv(penguins, index=False)
    other_key = user_key(server, "carol")
    result = run_flow("platform_calls_flow", server, server.admin_key, other_key, str(penguins))

    assert result["root"]["message"] == "Avatars API"
    assert result["health_db"] == "ok"
    assert result["credits"] is False
    assert "single_table" in " ".join(result["features"])
    # the flow of a set with an avatarization and both metrics: three jobs, in that order
    assert result["flow_jobs"] == [
        ["standard", "finished"],
        ["privacy_metrics", "finished"],
        ["signal_metrics", "finished"],
    ]
    assert result["flow_jobs_listed"]
    assert result["last_set_is_flow"]
    assert {"shuffled", "unshuffled", "original_projections"} <= set(
        result["flow_standard_results"]
    )
    assert result["added_same_set"]
    assert result["added_in_yaml"]
    assert "Error status 422" in result["add_bad_document"]
    assert "unknown kind 'Nope'" in result["add_bad_document"]
    assert "Expected k or epsilon to be set" in result["run_without_parameters"]
    assert result["bare_set_stored"]
    assert "Error status 422" in result["job_without_parameters"]
    assert "no parameters document" in result["job_without_parameters"]
    assert result["volume"]["kind"] == "AvatarVolume"
    assert result["volume"]["spec"]["url"].startswith("s3://avatars/")
    assert "Error status 404" in result["volume_unknown_set"]
    assert result["connections"] == result["engines"] == result["presets"] == []
    assert "reads data from files only" in result["test_connection"]
    assert "Error status 404" in result["delete_connection"]
    assert result["spare_revoked"]
    assert "Error status 403" in result["revoke_as_user"]
    assert "Error status 401" in result["other_after_revoke_all"]
    assert result["other_revoked"] == {"revoked": 1}
    assert "Error status 401" in result["other_after"]
    assert "Error status 422" in result["revoke_neither"]

    # the audit trail says who revoked which key and who added to which set
    events = httpx.get(
        f"{server.url}/api/event-logs/all",
        params={"limit": 1000},
        headers={
            "User-Agent": "avatar-python/1.30.0",
            "Authorization": f"api-key-v1 {server.admin_key}",
        },
    ).json()
    pairs = {(entry["verb"], entry["object_type"]) for entry in events}
    assert {("update", "resource_set"), ("delete", "api_key")} <= pairs


def test_api_root_is_the_clients_only(server: LiveServer) -> None:
    # our own API keeps no root route (its openapi.json is unchanged)
    assert httpx.get(f"{server.url}/api/").status_code == 404
    client = httpx.get(f"{server.url}/api/", headers={"User-Agent": "avatar-python/1.30.0"})
    assert client.status_code == 200
