"""Generated tables for the engine tests (importable from test modules)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_mixed_table(rows: int = 300, seed: int = 0, missing: float = 0.08) -> pd.DataFrame:
    """A table with every column type, a latent structure and missing values."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=rows)
    table = pd.DataFrame(
        {
            "age": np.clip(np.round(50 + 12 * latent + rng.normal(0, 6, rows)), 18, 95).astype(
                "int64"
            ),
            "weight": np.round(70 + 8 * latent + rng.normal(0, 5, rows), 1),
            "sex": rng.choice(["F", "M"], rows),
            "smoker": (latent + rng.normal(0, 1, rows)) > 0.8,
            "city": pd.Categorical(
                rng.choice(["Paris", "Lyon", "Nantes", "Lille"], rows, p=[0.5, 0.3, 0.15, 0.05])
            ),
            "visit": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 1000, rows), unit="D"),
            "stamp": pd.Timestamp("2021-03-01 12:00", tz="Europe/Paris")
            + pd.to_timedelta(rng.integers(0, 10**6, rows), unit="s"),
            "score": latent + rng.normal(0, 0.5, rows),
            "grade": rng.choice(["low", "mid", "high", "top"], rows, p=[0.4, 0.35, 0.2, 0.05]),
        }
    )
    for column in ("weight", "score", "sex", "city"):
        holes = rng.random(rows) < missing
        table.loc[holes, column] = None
    return table


def make_patient_table(rows: int = 3000, seed: int = 3) -> pd.DataFrame:
    """Weak, realistic relations between numeric and categorical variables (bmi rises a
    little with age, visits with age and smoking, the plan follows income)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    sex = rng.choice(["female", "male"], rows)
    region = rng.choice(["north", "south", "east", "west", "centre"], rows,
                        p=[0.3, 0.25, 0.2, 0.15, 0.1])
    smoker = rng.choice(["no", "yes"], rows, p=[0.75, 0.25])
    bmi = np.round(rng.normal(26 + 0.04 * (age - 50) + 0.8 * (sex == "male"), 4.0), 1)
    income = np.round(np.exp(rng.normal(10.0 + 0.3 * (region == "north") + 0.005 * age, 0.5)),
                      2)
    visits = rng.poisson(1 + age / 30 + 1.5 * (smoker == "yes"))
    rank = pd.Series(income).rank(pct=True).to_numpy()
    plan = np.where(rank > 0.8, "premium", np.where(rank > 0.4, "standard", np.where(
        rng.random(rows) < 0.5, "basic", "none")))
    return pd.DataFrame({"age": age.astype("int64"), "sex": sex, "region": region,
                         "smoker": smoker, "bmi": bmi, "income": income,
                         "visits": visits.astype("int64"), "plan": plan})
