"""The methods compared by the peer benchmark, each a function train rows -> generated rows.

Every function returns a :class:`Generated`; ``seconds`` covers fitting and generating only
(not imports, not reading the data). Each runs inside its own worker process (see run.py).

Example:
    >>> generated = METHODS["sdv_gaussian_copula"](spec, train, workdir)
"""

from __future__ import annotations

import importlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import pandas as pd
from datasets import TableSpec
from metrics import engine_types

__all__ = [
    "CTGAN_EPOCHS",
    "CTGAN_MAX_TRAIN_ROWS",
    "DATASYNTHESIZER_MAX_TRAIN_ROWS",
    "METHODS",
    "Generated",
    "method_settings",
]

SEED = 42
AVATAR_K = 20
AVATAR_NCP = 5
# SDV's default is 300 epochs; capped on the generated tables to keep the run near 30 minutes
# on 2 shared cores with torch on 1 thread.
# On the real tables added for the privacy yardsticks: 150 epochs.
CTGAN_EPOCHS = {"wbcd": 300, "breast_cancer": 300, "penguins": 150, "gbsg2": 150,
                "titanic": 150, "fair": 150, "whas500": 150, "anes96": 150, "pima": 150,
                "mroz": 150, "mixed_10k": 50, "mixed_100k": 5}
# Where given, CTGAN fits on a random subset of the training rows (fixed seed).
CTGAN_MAX_TRAIN_ROWS: dict[str, int] = {}
DATASYNTHESIZER_K = 2
# Where given, DataSynthesizer fits on a random subset of the training rows (fixed seed): its
# Bayesian-network search on all 70,000 rows of mixed_100k did not end within 5 minutes.
DATASYNTHESIZER_MAX_TRAIN_ROWS = {"mixed_100k": 20_000}
# epsilon=1 is DataSynthesizer's tutorial value (differential privacy on); 0 turns DP off.
DATASYNTHESIZER_EPSILONS = {"datasynthesizer_dp": 1.0, "datasynthesizer": 0.0}


@dataclass
class Generated:
    """What a method produced: generated rows (as many as training rows) and run facts."""

    synthetic: pd.DataFrame
    seconds: float
    unshuffled: pd.DataFrame | None = None  # only for avatars: row i = avatar of training row i
    info: dict[str, Any] = field(default_factory=dict)


def method_settings(method: str, dataset: str) -> str:
    """Human-readable settings of a method on a dataset, for the results table."""
    if method == "avatar_engine":
        return f"engine defaults, seed={SEED}"
    if method == "avatars_sdk":
        return f"k={AVATAR_K}, ncp={AVATAR_NCP}, seed={SEED}"
    if method == "sdv_gaussian_copula":
        return "SDV defaults"
    if method == "sdv_ctgan":
        rows = CTGAN_MAX_TRAIN_ROWS.get(dataset)
        cap = f", fitted on {rows} sampled training rows" if rows else ""
        return f"epochs={CTGAN_EPOCHS[dataset]}{cap}, other SDV defaults"
    if method in DATASYNTHESIZER_EPSILONS:
        epsilon = DATASYNTHESIZER_EPSILONS[method]
        privacy = f"epsilon={epsilon:g} (DP on)" if epsilon else "epsilon=0 (DP off)"
        rows = DATASYNTHESIZER_MAX_TRAIN_ROWS.get(dataset)
        cap = f", fitted on {rows} sampled training rows" if rows else ""
        return f"correlated attribute mode, k={DATASYNTHESIZER_K}, {privacy}{cap}"
    return ""


def _avatar_engine(spec: TableSpec, train: pd.DataFrame, workdir: Path) -> Generated:
    from avatar_engine import AvatarizationParameters, avatarize

    parameters = AvatarizationParameters(seed=SEED)  # the defaults a user gets
    start = time.perf_counter()
    result = avatarize(train, parameters, types=engine_types(spec))
    seconds = time.perf_counter() - start
    return Generated(result.shuffled, seconds, unshuffled=result.unshuffled)


def _avatars_sdk(spec: TableSpec, train: pd.DataFrame, workdir: Path) -> Generated:
    from sdk_path import avatarize_through_local_server

    return avatarize_through_local_server(spec, train, workdir, k=AVATAR_K, ncp=AVATAR_NCP,
                                          seed=SEED)


def _sdv_metadata(spec: TableSpec) -> Any:
    from sdv.metadata import Metadata

    columns: dict[str, dict[str, Any]] = {}
    for column in spec.frame.columns:
        if column in spec.categorical:
            columns[column] = {"sdtype": "categorical"}
        elif column in spec.integer:
            columns[column] = {"sdtype": "numerical", "decimal_places": 0}
        else:
            columns[column] = {"sdtype": "numerical"}
    return Metadata.load_from_dict({"tables": {spec.name: {"columns": columns}}})


def _single_table(sampled: Any, spec: TableSpec) -> pd.DataFrame:
    """SDV 2 samples a {table name: DataFrame} mapping."""
    return sampled[spec.name] if isinstance(sampled, dict) else sampled


def _sdv_gaussian_copula(spec: TableSpec, train: pd.DataFrame, workdir: Path) -> Generated:
    from sdv.single_table import GaussianCopulaSynthesizer

    synthesizer = GaussianCopulaSynthesizer(_sdv_metadata(spec))
    start = time.perf_counter()
    synthesizer.fit({spec.name: train})
    synthetic = _single_table(synthesizer.sample(num_rows=len(train)), spec)
    return Generated(synthetic, time.perf_counter() - start)


def _sdv_ctgan(spec: TableSpec, train: pd.DataFrame, workdir: Path) -> Generated:
    import torch
    from sdv.single_table import CTGANSynthesizer

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    epochs = CTGAN_EPOCHS[spec.name]
    fit_rows = train
    max_rows = CTGAN_MAX_TRAIN_ROWS.get(spec.name)
    if max_rows is not None and len(train) > max_rows:
        fit_rows = train.sample(n=max_rows, random_state=SEED)
    synthesizer = CTGANSynthesizer(_sdv_metadata(spec), epochs=epochs, enable_gpu=False)
    start = time.perf_counter()
    synthesizer.fit({spec.name: fit_rows})
    synthetic = _single_table(synthesizer.sample(num_rows=len(train)), spec)
    return Generated(synthetic, time.perf_counter() - start,
                     info={"epochs": epochs, "fit_rows": len(fit_rows)})


def _datasynthesizer(spec: TableSpec, train: pd.DataFrame, workdir: Path,
                     epsilon: float) -> Generated:
    import numpy as np
    from DataSynthesizer.DataDescriber import DataDescriber
    from DataSynthesizer.DataGenerator import DataGenerator

    # DataSynthesizer 0.1.13 (2023) eval()s str(list) keys of its own description; under
    # NumPy 2 those read "[np.int64(3)]", so its module needs the name np to evaluate them.
    importlib.import_module("DataSynthesizer.DataGenerator").np = np
    # Its Bayesian-network search opens a Pool with one process per core: one here, like the
    # other methods (the machine is shared).
    importlib.import_module("DataSynthesizer.lib.PrivBayes").Pool = partial(Pool, processes=1)

    datatypes = {c: ("String" if c in spec.categorical
                     else "Integer" if c in spec.integer else "Float") for c in spec.frame.columns}
    categorical = {c: c in spec.categorical for c in spec.frame.columns}
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        source = Path(scratch) / "train.csv"
        description = Path(scratch) / "description.json"
        output = Path(scratch) / "synthetic.csv"
        max_rows = DATASYNTHESIZER_MAX_TRAIN_ROWS.get(spec.name)
        fit_rows = train
        if max_rows is not None and len(train) > max_rows:
            fit_rows = train.sample(n=max_rows, random_state=SEED)
        fit_rows.to_csv(source, index=False)
        start = time.perf_counter()
        describer = DataDescriber()
        describer.describe_dataset_in_correlated_attribute_mode(
            dataset_file=str(source), k=DATASYNTHESIZER_K, epsilon=epsilon,
            attribute_to_datatype=datatypes, attribute_to_is_categorical=categorical,
            attribute_to_is_candidate_key=dict.fromkeys(spec.frame.columns, False), seed=SEED)
        describer.save_dataset_description_to_file(str(description))
        generator = DataGenerator()
        generator.generate_dataset_in_correlated_attribute_mode(len(train), str(description),
                                                                seed=SEED)
        generator.save_synthetic_data(str(output))
        seconds = time.perf_counter() - start
        synthetic = pd.read_csv(output, dtype=dict.fromkeys(spec.categorical, str))
        network = json.loads(description.read_text()).get("bayesian_network", [])
    return Generated(synthetic, seconds, info={"bayesian_network_edges": len(network),
                                               "fit_rows": len(fit_rows)})


METHODS: dict[str, Callable[[TableSpec, pd.DataFrame, Path], Generated]] = {
    "avatar_engine": _avatar_engine,
    "avatars_sdk": _avatars_sdk,
    "sdv_gaussian_copula": _sdv_gaussian_copula,
    "sdv_ctgan": _sdv_ctgan,
    "datasynthesizer": partial(_datasynthesizer,
                               epsilon=DATASYNTHESIZER_EPSILONS["datasynthesizer"]),
    "datasynthesizer_dp": partial(_datasynthesizer,
                                  epsilon=DATASYNTHESIZER_EPSILONS["datasynthesizer_dp"]),
}
