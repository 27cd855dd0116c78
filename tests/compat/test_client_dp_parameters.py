"""Differential privacy set with the established client's set_parameters reaches the server."""

from __future__ import annotations

from pathlib import Path

import palmerpenguins
import pandas as pd
import pytest
from compat_support import FIXTURES, LiveServer, run_flow


@pytest.mark.server
def test_open_and_fast_dp_epsilon_from_the_client_run(server: LiveServer, tmp_path: Path) -> None:
    penguins = tmp_path / "penguins.csv"
    original = palmerpenguins.load_penguins()
    original.to_csv(penguins, index=False)
    result = run_flow("dp_flow", server, server.admin_key, str(penguins))

    open_dp, fast_dp = result["open_dp_epsilon"], result["fast_dp_epsilon"]
    # the epsilon reached the server under the document it reads, with nothing of k
    assert open_dp["spec"]["avatarization_open_dp"] == {"wbcd": {"epsilon": 5.0}}
    assert fast_dp["spec"]["avatarization_fast_dp"]["penguins"]["epsilon"] == 3.0
    for run, table in ((open_dp, pd.read_csv(FIXTURES / "wbcd.csv")), (fast_dp, original)):
        columns = list(table.columns)
        assert "avatarization" not in run["spec"]
        assert run["status"] == run["privacy_status"] == "finished"
        assert run["columns"] == columns
        # synthetic records: about as many as the originals (noisy count); a record equal to
        # a real one no more often than real people share theirs with another (wbcd's 1-10
        # scores: 41 % of them do; penguins' measurements: none, so no copy at all)
        assert abs(run["rows"] - run["original_rows"]) <= 0.15 * run["original_rows"]
        assert run["copied_rows"] <= table.duplicated(keep=False).mean() * run["rows"]
        assert run["privacy"]["distance_to_closest"] > 0
        assert run["privacy"]["row_direct_match_protection"] >= 80
    for column in ("species", "island", "sex"):
        assert set(fast_dp["categories"][column]) <= set(original[column].dropna())
