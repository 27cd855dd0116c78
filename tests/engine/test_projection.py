"""FAMD projection: PCA and MCA cases, weights, inverse transform, saiph as a reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from avatar_engine import InvalidParameterError, ResourceLimitError
from avatar_engine.encoding import TableCodec
from avatar_engine.projection import MAX_ENCODED_DIMENSIONS, Famd
from avatar_engine.types import infer_types


def _no_codes(rows: int) -> np.ndarray:
    return np.zeros((rows, 0), dtype=np.int64)


def _assert_same_up_to_sign(left: np.ndarray, right: np.ndarray, atol: float = 1e-8) -> None:
    for j in range(left.shape[1]):
        sign = np.sign(left[:, j] @ right[:, j])
        np.testing.assert_allclose(left[:, j], sign * right[:, j], atol=atol)


def test_pure_continuous_is_pca_on_standardised_columns() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    famd = Famd(3)
    coords = famd.fit_transform(data, _no_codes(200), [])
    standardised = (data - data.mean(axis=0)) / data.std(axis=0)
    reference = PCA(3).fit(standardised)
    _assert_same_up_to_sign(coords, reference.transform(standardised))
    np.testing.assert_allclose(famd.explained_variance_ratio, reference.explained_variance_ratio_)
    assert famd.kind == "pca"


def test_constant_continuous_column_does_not_divide_by_zero() -> None:
    data = np.column_stack([np.arange(10.0), np.full(10, 3.0)])
    coords = Famd(1).fit_transform(data, _no_codes(10), [])
    assert np.isfinite(coords).all()


def test_pure_categorical_is_mca() -> None:
    codes = np.array([[0, 1], [1, 0], [0, 0], [2, 1], [1, 1], [0, 1]])
    famd = Famd(2)
    coords = famd.fit_transform(np.zeros((6, 0)), codes, [3, 2])
    assert famd.kind == "mca"
    assert coords.shape == (6, 2)
    # rows with identical profiles get identical coordinates
    np.testing.assert_allclose(coords[0], coords[5])


def test_full_rank_inverse_restores_continuous_and_modalities(mixed_table: pd.DataFrame) -> None:
    table = mixed_table.dropna().reset_index(drop=True)
    codec = TableCodec(infer_types(table))
    encoded = codec.fit_encode(table)
    modalities = codec.n_projected_modalities()
    famd = Famd(1)
    famd.fit(encoded.continuous, encoded.codes, modalities)
    full = Famd(famd.n_dimensions - len(modalities))
    coords = full.fit_transform(encoded.continuous, encoded.codes, modalities)
    continuous, scores = full.inverse_transform(coords)
    np.testing.assert_allclose(continuous, encoded.continuous, rtol=1e-6, atol=1e-3)
    for j, block in enumerate(scores):
        assert (block.argmax(axis=1) == encoded.codes[:, j]).all()
        np.testing.assert_allclose(block.sum(axis=1), 1.0, atol=1e-6)


def test_column_weight_pulls_first_axis_towards_the_column() -> None:
    rng = np.random.default_rng(1)
    data = rng.normal(size=(300, 3))
    weighted = Famd(1).fit(data, _no_codes(300), [], continuous_weights=np.array([10.0, 1, 1]))
    assert abs(weighted.axes[0, 0]) > 0.95


@pytest.mark.parametrize("ncp", [0, 4])
def test_ncp_out_of_range(ncp: int) -> None:
    with pytest.raises(InvalidParameterError, match="ncp") as caught:
        Famd(ncp).fit(np.random.default_rng(0).normal(size=(10, 3)), _no_codes(10), [])
    assert caught.value.parameter == "ncp"


def test_too_many_dummies() -> None:
    codes = np.arange(MAX_ENCODED_DIMENSIONS + 1)[:, None]
    with pytest.raises(ResourceLimitError, match="use_categorical_reduction"):
        Famd(2).fit(np.zeros((len(codes), 0)), codes, [len(codes)])


def test_matches_saiph_famd(iris: pd.DataFrame) -> None:
    saiph = pytest.importorskip("saiph")
    reference, _ = saiph.fit_transform(iris)  # all components: saiph's exact SVD
    codec = TableCodec(infer_types(iris))
    encoded = codec.fit_encode(iris)
    coords = Famd(3).fit_transform(encoded.continuous, encoded.codes,
                                   codec.n_projected_modalities())
    _assert_same_up_to_sign(coords, reference.to_numpy()[:, :3], atol=1e-6)


def test_dense_and_contingency_gram_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(4)
    continuous = rng.normal(size=(3000, 3)) * [1.0, 5.0, 0.1]
    codes = np.column_stack([rng.integers(0, 4, 3000), rng.integers(0, 3, 3000),
                             rng.integers(0, 2, 3000)])
    codes[::11, 1] = -1  # missing / unseen modality: no dummy
    modalities = [5, 3, 2]  # modality 4 of the first column is never observed
    c_weights, q_weights = np.array([1.0, 2.0, 0.5]), np.array([1.0, 3.0, 1.0])
    monkeypatch.setattr("avatar_engine.projection.CHUNK_ROWS", 1024)
    dense = Famd(4).fit(continuous, codes, modalities, continuous_weights=c_weights,
                        categorical_weights=q_weights)
    monkeypatch.setattr("avatar_engine.projection.DENSE_MAX_WIDTH", 0)
    contingency = Famd(4).fit(continuous, codes, modalities, continuous_weights=c_weights,
                              categorical_weights=q_weights)
    np.testing.assert_allclose(dense.eigenvalues, contingency.eigenvalues, rtol=1e-12)
    np.testing.assert_allclose(dense.total_inertia, contingency.total_inertia, rtol=1e-12)
    np.testing.assert_allclose(dense.axes, contingency.axes, atol=1e-10)
    np.testing.assert_allclose(dense.proportions, contingency.proportions, rtol=1e-12)
    np.testing.assert_allclose(dense.transform(continuous, codes),
                               contingency.transform(continuous, codes), atol=1e-9)
