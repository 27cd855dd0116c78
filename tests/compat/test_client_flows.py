"""The established platform's client (octopize-avatar 1.30.0, unmodified) against our server."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from compat_support import FIXTURES, LiveServer, run_flow


def test_quick_flow_on_wbcd(server: LiveServer) -> None:
    result = run_flow("quick_flow", server, server.admin_key)
    original = pd.read_csv(FIXTURES / "wbcd.csv")
    assert result["status"] == "finished"
    assert result["rows"] == len(original)
    assert result["columns"] == list(original.columns)
    assert result["me_email"]
    assert result["projection_rows"] == [len(original), len(original)]
    assert result["unshuffled_rows"] == len(original)


def test_every_job_kind_with_both_reports(server: LiveServer) -> None:
    result = run_flow("full_flow", server, server.admin_key)
    assert set(result["statuses"].values()) == {"finished"}
    assert result["pdf_head"] == "%PDF-"
    assert result["docx_has_document"]
    assert result["docx_mentions_table"]
    assert result["privacy_table"] == result["signal_table"] == "wbcd"
    assert {"hidden_rate", "local_cloaking", "metadata"} <= set(result["privacy_keys"])
    assert result["yaml_has_report_pia"]
    # every figure the server draws, as the client's plot kinds, each a page showing a PNG
    assert result["figure_kinds"] == ["2d_projection", "correlation", "distribution"]
    assert result["figures_are_png"]


def test_multi_table_patients_visits_doctors(server: LiveServer) -> None:
    result = run_flow("multi_table", server, server.admin_key)
    assert result["status"] == "finished"
    for name in ("patient", "doctor", "visit"):
        assert result["rows"][name] == len(pd.read_csv(FIXTURES / f"{name}.csv"))
    assert {"patient_id", "doctor_id"} <= set(result["visit_columns"])
    assert result["privacy_tables"] == ["doctor", "patient", "visit"]
    assert "kind: AvatarSchema" in result["yaml"]
    # the summaries in that client's shape: {table: {reference: meta metric}}, the table alone
    # ("standalone") and, for the visits, the joined view of each link (named by its parent)
    assert sorted(result["privacy_summary"]) == ["doctor", "patient", "visit"]
    for summary in (result["privacy_summary"], result["signal_summary"]):
        assert sorted(summary["visit"]) == ["doctor", "patient", "standalone"]
        assert sorted(summary["patient"]) == ["standalone"]
        for references in summary.values():
            assert all(value is None or 0 <= value <= 100 for value in references.values())
    assert result["summary_index"] == ["doctor", "patient", "visit"]
    assert ["patient", "privacy"] in result["summary_columns"]
    assert ["standalone", "signal"] in result["summary_columns"]


def test_cancel_delete_keys_users_and_event_log(server: LiveServer) -> None:
    result = run_flow("account_flow", server, server.admin_key)
    assert result["cancelled"]
    assert result["after_cancel_done"]
    assert result["standard_after_cancel"] == "cancelled"
    assert result["last_jobs"] == ["to_delete"]
    assert "shuffled" in result["last_results_kinds"]
    assert result["by_name"] == 1
    assert result["deleted"] == ["standard"]
    assert result["by_name_after_delete"] == 0
    assert result["bulk_unknown"] == ["00000000-0000-4000-8000-000000000000"]
    assert "notebook" in result["keys_listed"]
    assert result["key_fetched"] == "notebook"
    assert result["second_me"]
    assert result["revoked"]
    assert result["me_in_users"]
    assert result["user_by_id"]
    assert result["capabilities"] == ["file"]
    assert result["openapi_title"] == "Avatars API"
    assert result["health"] == "ok"
    expected = {"create:job", "cancel:job", "delete:job", "create:file", "download:file"}
    assert expected | {"create:api_key", "delete:api_key"} <= set(result["event_pairs"])


def test_yaml_written_and_read_by_the_client(server: LiveServer) -> None:
    result = run_flow("yaml_flow", server, server.admin_key)
    assert result["typed_yaml_types"]
    assert result["typed_columns"][-2:] == ["Flag", "Seen"]
    assert result["from_yaml_tables"] == ["wbcd"]
    assert result["sent_untyped_column"]
    assert result["from_yaml_status"] == "finished"
    assert "shuffled" in result["from_yaml_results"]


def test_parameters_advised_for_one_table(server: LiveServer) -> None:
    result = run_flow("advice_flow", server, server.admin_key)
    # The advised k and ncp were applied to the table, and the run used them.
    documents = [d for d in yaml.safe_load_all(result["yaml"]) if d]
    standard = next(d for d in documents if d["kind"] == "AvatarParameters")
    advised = standard["spec"]["avatarization"]["iris"]
    assert advised["k"] >= 2
    assert 1 <= advised["ncp"] <= 5
    assert result["status"] == "finished"
    iris = pd.read_csv(FIXTURES / "iris.csv")
    assert result["rows"] == len(iris)
    # the table summary that comes with the advice describes the uploaded table
    summary = {row["variable"]: row for row in result["summary"]}
    assert list(summary) == list(iris.columns)
    assert summary["sepal.length"]["mean"] == pytest.approx(iris["sepal.length"].mean())
    assert summary["variety"]["distinct"] == iris["variety"].nunique()
    assert summary["variety"]["type"] == "categorical"
    assert pd.isna(summary["variety"]["mean"])


def test_links_advised_then_applied_and_run(server: LiveServer) -> None:
    result = run_flow("links_advice_flow", server, server.admin_key)
    # each foreign key of visit gets its parent, from the names of the keys
    assert sorted(result["links"]) == [
        ["doctor", "d_id", "visit", "doctor_id", "linear_sum_assignment", "high"],
        ["patient", "p_id", "visit", "patient_id", "linear_sum_assignment", "high"],
    ]
    assert result["unlinked"] == []
    # applied by the client, stored in the schema the run used (the usual links check back on)
    assert result["schema_links"]["patient"] == [
        ["p_id", "visit", "patient_id", "linear_sum_assignment"]
    ]
    assert result["schema_links"]["doctor"] == [
        ["d_id", "visit", "doctor_id", "linear_sum_assignment"]
    ]
    assert result["check_links"] is None
    assert result["status"] == "finished"
    assert result["visit_rows"] == len(pd.read_csv(FIXTURES / "visit.csv"))
    assert result["visit_parents_known"]
