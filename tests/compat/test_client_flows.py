"""The established platform's client (octopize-avatar 1.30.0, unmodified) against our server."""

from __future__ import annotations

import pandas as pd
from compat_support import FIXTURES, LiveServer, run_flow


def test_quick_flow_on_wbcd(server: LiveServer) -> None:
    result = run_flow("quick_flow", server, server.admin_key)
    original = pd.read_csv(FIXTURES / "wbcd.csv")
    assert result["status"] == "finished"
    assert result["rows"] == len(original)
    assert result["columns"] == list(original.columns)
    assert result["me_email"]


def test_every_job_kind_with_both_reports(server: LiveServer) -> None:
    result = run_flow("full_flow", server, server.admin_key)
    assert set(result["statuses"].values()) == {"finished"}
    assert result["pdf_head"] == "%PDF-"
    assert result["docx_has_document"]
    assert result["docx_mentions_table"]
    assert result["privacy_table"] == result["signal_table"] == "wbcd"
    assert {"hidden_rate", "local_cloaking", "metadata"} <= set(result["privacy_keys"])
    assert result["yaml_has_report_pia"]
