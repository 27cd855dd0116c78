"""Factor analysis of mixed data (FAMD), with PCA and MCA as its pure cases.

Continuous columns are centred and scaled by their population standard deviation (a zero
deviation counts as 1); each categorical column is one-hot encoded and every dummy is centred by
its proportion p and divided by sqrt(p). A column weight w multiplies the column's inertia (its
block is scaled by sqrt(w)). The principal axes come from the eigen-decomposition of the
encoded data's Gram matrix, built by chunks of rows, so memory stays O(chunk * width +
width^2 + n * ncp) and the result is exact (no randomized approximation). Narrow encodings
(at most DENSE_MAX_WIDTH continuous columns + dummies) materialise each chunk's one-hot
block and use one matrix product (BLAS); wider ones never build it and use sums and
contingency tables (bincounts), whose cost does not grow with the number of modalities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from avatar_engine.errors import InvalidParameterError, ResourceLimitError
from avatar_engine.threads import map_in_threads, row_chunks, run_chunks, workers

__all__ = ["MAX_ENCODED_DIMENSIONS", "Famd"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_ENCODED_DIMENSIONS = 3000
"""Largest number of encoded columns (continuous + one-hot dummies) the engine accepts."""

CHUNK_ROWS = 65_536
DENSE_MAX_WIDTH = 256
"""Widest encoding (continuous columns + dummies + one slot for missing codes) whose chunks
are one-hot encoded densely; wider encodings use contingency tables."""


class Famd:
    """FAMD fitted on complete (imputed) data.

    Args:
        ncp: number of components kept.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> famd = Famd(ncp=2)
        >>> coords = famd.fit_transform(rng.normal(size=(50, 3)), np.zeros((50, 0), int), [])
        >>> coords.shape
        (50, 2)
    """

    def __init__(self, ncp: int) -> None:
        self.ncp = ncp
        self.mean: FloatArray = np.empty(0)
        self.std: FloatArray = np.empty(0)
        self.proportions: FloatArray = np.empty(0)
        self.offsets: IntArray = np.empty(0, dtype=np.int64)
        self.continuous_scale: FloatArray = np.empty(0)
        self.dummy_scale: FloatArray = np.empty(0)
        self.axes: FloatArray = np.empty((0, 0))
        self.eigenvalues: FloatArray = np.empty(0)
        self.total_inertia = 0.0
        self.n_continuous = 0
        self.n_modalities: list[int] = []

    @property
    def n_dimensions(self) -> int:
        """Number of encoded columns (continuous + dummies)."""
        return self.n_continuous + int(sum(self.n_modalities))

    @property
    def kind(self) -> str:
        """"pca", "mca" or "famd" depending on the column types."""
        if not self.n_modalities:
            return "pca"
        return "mca" if self.n_continuous == 0 else "famd"

    @property
    def explained_variance_ratio(self) -> FloatArray:
        """Share of the total inertia carried by each kept component."""
        if self.total_inertia <= 0:
            return np.zeros(len(self.eigenvalues))
        return self.eigenvalues / self.total_inertia

    def _continuous_block(self, continuous: FloatArray) -> FloatArray:
        return (continuous - self.mean) * self.continuous_scale

    def _categorical_gram(self, codes: IntArray, n: int, counts: FloatArray,
                          check: Callable[[], None] | None) -> FloatArray:
        """Raw co-occurrence counts of the dummies, from contingency tables (no dense
        one-hot matrix is ever built)."""
        size = int(sum(self.n_modalities))
        joint = np.zeros((size, size))
        # contiguous columns; a missing code becomes an extra modality, dropped afterwards
        columns = [np.where(codes[:, j] >= 0, codes[:, j], m).astype(np.int64)
                   for j, m in enumerate(self.n_modalities)]
        for a, m_a in enumerate(self.n_modalities):
            block_a = slice(int(self.offsets[a]), int(self.offsets[a]) + m_a)
            pair = np.empty(n, dtype=np.int64)
            joint[block_a, block_a] = np.diag(counts[block_a])
            for b in range(a + 1, len(self.n_modalities)):
                m_b = self.n_modalities[b]
                block_b = slice(int(self.offsets[b]), int(self.offsets[b]) + m_b)
                np.multiply(columns[a], m_b + 1, out=pair)
                pair += columns[b]
                joint[block_a, block_b] = np.bincount(
                    pair, minlength=(m_a + 1) * (m_b + 1)).reshape(m_a + 1, m_b + 1)[:m_a, :m_b]
                joint[block_b, block_a] = joint[block_a, block_b].T
            if check is not None:
                check()
        return joint

    def _contingency_raw_gram(
        self, continuous: FloatArray, codes: IntArray, counts: FloatArray,
        check: Callable[[], None] | None,
    ) -> tuple[FloatArray, FloatArray]:
        """Raw Gram matrix of [scaled continuous block | dummies] and the block's column
        totals, without building the dummies (bincounts and contingency tables)."""
        n = continuous.shape[0]
        c = self.n_continuous
        dims = self.n_dimensions
        raw = np.zeros((dims, dims), dtype=np.float64)
        totals = np.zeros(c)
        for rows in self._chunks(n):
            block = self._continuous_block(continuous[rows])
            raw[:c, :c] += block.T @ block
            totals += block.sum(axis=0)
            columns = np.ascontiguousarray(block.T)
            for j, m in enumerate(self.n_modalities):
                column = codes[rows, j]
                column = np.where(column >= 0, column, m)
                start = c + int(self.offsets[j])
                for i in range(c):
                    raw[i, start : start + m] += np.bincount(
                        column, weights=columns[i], minlength=m + 1)[:m]
            if check is not None:
                check()
        raw[c:, :c] = raw[:c, c:].T
        if self.n_modalities:
            raw[c:, c:] = self._categorical_gram(codes, n, counts, check)
        return raw, totals

    def _dense_rows(self) -> int:
        return max(1024, min(CHUNK_ROWS, 2**22 // max(1, self._dense_width())))

    def _dense_width(self) -> int:
        """Columns of a dense one-hot chunk: the dummies plus one slot for missing codes."""
        return int(sum(self.n_modalities)) + 1

    def _dummy_slots(self, codes: IntArray) -> IntArray:
        """Flat positions of the 1s of a chunk's dense dummies (C order, _dense_width()
        columns): column j's modality v sits at offsets[j] + v; a missing code (-1) in the
        last column, dropped afterwards."""
        width = self._dense_width()
        slots = np.where(codes >= 0, codes + self.offsets[: codes.shape[1]], width - 1)
        slots += (np.arange(codes.shape[0]) * width)[:, None]
        return slots.ravel()

    def _dense_raw_gram(
        self, continuous: FloatArray, codes: IntArray, check: Callable[[], None] | None,
    ) -> tuple[FloatArray, FloatArray]:
        """Raw Gram matrix of [scaled continuous block | dummies] and the block's column
        totals, by matrix products on chunks of dense one-hot rows. The dummies' products
        run in float32: sums of 0/1 over at most CHUNK_ROWS (< 2**24) rows are exact."""
        c = self.n_continuous
        size = int(sum(self.n_modalities))
        raw = np.zeros((c + size, c + size), dtype=np.float64)
        totals = np.zeros(c)
        # thin products: one BLAS thread is as fast, and spinning threads collapse on a
        # busy machine (the engine's own entry points already limit it)
        with threadpool_limits(1, user_api="blas"):
            self._accumulate_dense(continuous, codes, raw, totals, check)
        raw[c:, :c] = raw[:c, c:].T
        return raw, totals

    def _accumulate_dense(
        self, continuous: FloatArray, codes: IntArray, raw: FloatArray, totals: FloatArray,
        check: Callable[[], None] | None,
    ) -> None:
        n = continuous.shape[0]
        c = self.n_continuous
        size = int(sum(self.n_modalities))
        chunks = row_chunks(n, self._dense_rows())
        parts: list[tuple[FloatArray, FloatArray]] = [(np.empty(0), np.empty(0))] * len(chunks)

        def products(position: int) -> None:
            rows = chunks[position]
            block = self._continuous_block(continuous[rows])
            part = np.zeros_like(raw)
            part[:c, :c] = block.T @ block
            if size:
                flat = np.zeros((rows.stop - rows.start) * self._dense_width(), np.float32)
                flat[self._dummy_slots(codes[rows])] = 1.0
                dummies = flat.reshape(rows.stop - rows.start, -1)[:, :size]
                part[:c, c:] = block.T @ dummies.astype(np.float64)
                part[c:, c:] = dummies.T @ dummies
            parts[position] = (part, block.sum(axis=0))

        # each chunk's products in threads, added up in chunk order (the same sums as one
        # chunk after the other)
        for first in range(0, len(chunks), workers()):
            group = range(first, min(len(chunks), first + workers()))
            map_in_threads(products, group)
            for position in group:
                part, total = parts[position]
                raw += part
                totals += total
                parts[position] = (np.empty(0), np.empty(0))
            if check is not None:
                check()

    def _chunks(self, n: int) -> Iterator[slice]:
        for start in range(0, n, CHUNK_ROWS):
            yield slice(start, min(n, start + CHUNK_ROWS))

    def encoded_gram(
        self,
        continuous: FloatArray,
        codes: IntArray,
        n_modalities: Sequence[int],
        check: Callable[[], None] | None = None,
    ) -> FloatArray:
        """Centred Gram matrix of the encoded data (continuous columns standardised, dummies
        centred and divided by sqrt(p)), without fitting axes. Its entries over
        sqrt(diagonal products) are the Pearson correlations of the encoded columns.

        Args:
            continuous: n x c matrix without NaN.
            codes: n x q modality codes (-1: no dummy).
            n_modalities: number of modalities of each categorical column.
            check: called between chunks (cancellation).

        Example:
            >>> gram = Famd(1).encoded_gram(np.array([[1.0], [2.0], [3.0]]),
            ...                             np.array([[0], [0], [1]]), [2])
            >>> round(float(gram[0, 1] / np.sqrt(gram[0, 0] * gram[1, 1])), 6)
            -0.866025
        """
        self.n_continuous = continuous.shape[1]
        self.n_modalities = [int(m) for m in n_modalities]
        return self._scaled_gram(continuous, codes, None, None, check)

    def _scaled_gram(
        self,
        continuous: FloatArray,
        codes: IntArray,
        continuous_weights: FloatArray | None,
        categorical_weights: FloatArray | None,
        check: Callable[[], None] | None,
    ) -> FloatArray:
        """Fit the centring and scaling, and return the encoded data's centred Gram matrix."""
        n = continuous.shape[0]
        c_weights = np.ones(self.n_continuous) if continuous_weights is None else (
            np.asarray(continuous_weights, dtype=np.float64))
        q_weights = np.ones(len(self.n_modalities)) if categorical_weights is None else (
            np.asarray(categorical_weights, dtype=np.float64))
        self.mean = continuous.mean(axis=0) if n else np.zeros(self.n_continuous)
        std = continuous.std(axis=0)
        self.std = np.where(std > np.finfo(np.float64).tiny, std, 1.0)
        self.continuous_scale = np.sqrt(c_weights) / self.std
        self.offsets = np.concatenate(([0], np.cumsum(self.n_modalities)[:-1])).astype(np.int64)
        c = self.n_continuous
        if self._dense_width() + c <= DENSE_MAX_WIDTH:
            gram, totals = self._dense_raw_gram(continuous, codes, check)
            counts = np.diag(gram)[c:].copy()
        else:
            counts = np.zeros(int(sum(self.n_modalities)), dtype=np.float64)
            for j, m in enumerate(self.n_modalities):
                column = codes[:, j]
                counts[self.offsets[j] : self.offsets[j] + m] = np.bincount(
                    column[column >= 0], minlength=m
                )[:m]
            gram, totals = self._contingency_raw_gram(continuous, codes, counts, check)
        proportions = counts / max(n, 1)
        # an unobserved modality has no inertia; its tiny proportion only avoids 0/0
        self.proportions = np.where(proportions > 0, proportions, 1e-12)
        self.dummy_scale = np.repeat(np.sqrt(q_weights), self.n_modalities) / np.sqrt(
            self.proportions
        )
        if self.n_modalities:
            p = self.proportions
            f = self.dummy_scale
            gram[:c, c:] = (gram[:c, c:] - np.outer(totals, p)) * f
            gram[c:, :c] = gram[:c, c:].T
            gram[c:, c:] = (gram[c:, c:] - np.outer(counts, p) - np.outer(p, counts)
                            + n * np.outer(p, p)) * np.outer(f, f)
        return gram

    def fit(
        self,
        continuous: FloatArray,
        codes: IntArray,
        n_modalities: Sequence[int],
        *,
        continuous_weights: FloatArray | None = None,
        categorical_weights: FloatArray | None = None,
        check: Callable[[], None] | None = None,
    ) -> Famd:
        """Fit the axes on complete data.

        Args:
            continuous: n x c matrix without NaN.
            codes: n x q modality codes (0..m-1).
            n_modalities: number of modalities of each categorical column.
            continuous_weights: weight of each continuous column (default 1).
            categorical_weights: weight of each categorical column (default 1).
            check: called between chunks (cancellation).

        Raises:
            InvalidParameterError: ncp is out of range for this table.
            ResourceLimitError: too many encoded columns.
        """
        n = continuous.shape[0]
        self.n_continuous = continuous.shape[1]
        self.n_modalities = [int(m) for m in n_modalities]
        dims = self.n_dimensions
        if dims > MAX_ENCODED_DIMENSIONS:
            raise ResourceLimitError(
                f"The table encodes to {dims} columns (continuous columns plus one per "
                f"modality), more than the {MAX_ENCODED_DIMENSIONS} the engine can handle. "
                f"Turn on use_categorical_reduction, or exclude the categorical columns with "
                f"the most modalities (exclude_variables)."
            )
        max_ncp = min(dims, n - 1)
        if not 1 <= self.ncp <= max_ncp:
            raise InvalidParameterError(
                "ncp",
                f"ncp={self.ncp} is out of range for this table: it must be between 1 and "
                f"{max_ncp} (number of encoded dimensions and of rows minus one).",
            )
        gram = self._scaled_gram(continuous, codes, continuous_weights, categorical_weights,
                                 check)
        eigenvalues, vectors = np.linalg.eigh(gram)
        order = np.argsort(eigenvalues)[::-1][: self.ncp]
        axes = vectors[:, order]
        signs = np.sign(axes[np.abs(axes).argmax(axis=0), np.arange(axes.shape[1])])
        self.axes = axes * np.where(signs == 0, 1.0, signs)
        self.eigenvalues = np.clip(eigenvalues[order], 0.0, None) / max(n, 1)
        self.total_inertia = float(np.clip(eigenvalues, 0.0, None).sum()) / max(n, 1)
        return self

    def transform(
        self,
        continuous: FloatArray,
        codes: IntArray,
        check: Callable[[], None] | None = None,
        *,
        missing_at_mean: bool = False,
    ) -> FloatArray:
        """Project rows; a code of -1 (missing or unknown modality) contributes no dummy, or,
        with ``missing_at_mean``, puts the variable at its mean (no contribution at all)."""
        n = continuous.shape[0]
        c = self.n_continuous
        coords = np.empty((n, self.ncp), dtype=np.float64)
        lookups: list[FloatArray] = []
        constant = np.zeros(self.ncp)
        for j, m in enumerate(self.n_modalities):
            dummies = slice(int(self.offsets[j]), int(self.offsets[j]) + m)
            scale = self.dummy_scale[dummies]
            axes = self.axes[c + dummies.start : c + dummies.stop]
            table = np.zeros((m + 1, self.ncp))
            table[:m] = scale[:, None] * axes
            centre = (self.proportions[dummies] * scale) @ axes
            if missing_at_mean:
                table[m] = centre
            lookups.append(table)
            constant += centre
        def project(rows: slice) -> None:
            part = self._continuous_block(continuous[rows]) @ self.axes[:c] - constant
            for j, m in enumerate(self.n_modalities):
                column = codes[rows, j]
                part += lookups[j][np.where(column >= 0, column, m)]
            coords[rows] = part

        # chunks of rows in threads (one BLAS thread each; the engine's entry points limit it)
        run_chunks(project, list(self._chunks(n)),
                   None if check is None else lambda _: check())
        return coords

    def fit_transform(
        self,
        continuous: FloatArray,
        codes: IntArray,
        n_modalities: Sequence[int],
        **kwargs: object,
    ) -> FloatArray:
        """Fit on the data, then project it."""
        check = kwargs.get("check")
        self.fit(continuous, codes, n_modalities, **kwargs)  # type: ignore[arg-type]
        return self.transform(continuous, codes, check)  # type: ignore[arg-type]

    def inverse_transform(self, coords: FloatArray) -> tuple[FloatArray, list[FloatArray]]:
        """Reconstruct variables from coordinates.

        Returns:
            The continuous values in original units (n x c) and, for each categorical column,
            its reconstructed dummy scores (n x m, roughly the probability of each modality).
        """
        encoded = coords @ self.axes.T
        c = self.n_continuous
        continuous = encoded[:, :c] / self.continuous_scale + self.mean
        scores: list[FloatArray] = []
        dummies = encoded[:, c:] / self.dummy_scale + self.proportions
        for j, m in enumerate(self.n_modalities):
            start = int(self.offsets[j])
            scores.append(dummies[:, start : start + m])
        return continuous, scores
