"""Numeric columns expressed as shares of a reference column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._frames import require_columns


def round_keeping_sum(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round each row of ``values`` to ``decimals`` places so that the row's rounded sum is kept.

    The largest-remainder method: every value is rounded down, then the units still missing from
    the rounded row total go to the values with the largest remainders.

    Example:
        >>> round_keeping_sum(np.array([[27.27, 32.73]]), 1).tolist()
        [[27.3, 32.7]]
    """
    scale = 10.0**decimals
    scaled = values * scale
    floors = np.floor(scaled)
    missing = np.rint(np.nansum(scaled, axis=1) - np.nansum(floors, axis=1)).astype(int)
    remainders = np.where(np.isnan(scaled), -np.inf, scaled - floors)
    order = np.argsort(-remainders, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(values.shape[0])[:, None]
    ranks[rows, order] = np.arange(values.shape[1])[None, :]
    return (floors + (ranks < missing[:, None])) / scale


class ProportionProcessor:
    """Express numeric columns as proportions of a reference column.

    With ``sum_to_one=True`` (for parts of a total: ``total = a + b``) the columns become their
    shares of their own sum, and the postprocess rescales the avatars' shares to the avatar's
    reference, rounded to ``decimal_count`` places without breaking the sum: the avatars keep
    ``total = a + b``. With ``sum_to_one=False`` each column is divided by the reference and
    multiplied back. A row whose reference (or sum) is 0 gets shares of 0.

    Args:
        variable_names: the columns to express as proportions.
        reference: the column they are proportions of.
        sum_to_one: the shares of a row sum to 1.
        decimal_count: decimals of the postprocessed values.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"total": [100, 10], "a": [10, 10], "b": [90, 30]})
        >>> processor = ProportionProcessor(variable_names=["a", "b"], reference="total")
        >>> processor.preprocess(df)[["a", "b"]].values.tolist()
        [[0.1, 0.9], [0.25, 0.75]]
        >>> avatar = pd.DataFrame({"total": [60, 15], "a": [0.15, 0.88], "b": [0.18, 0.77]})
        >>> processor.postprocess(df, avatar)[["a", "b"]].values.tolist()
        [[27.3, 32.7], [8.0, 7.0]]
    """

    def __init__(
        self,
        variable_names: list[str],
        reference: str,
        *,
        sum_to_one: bool = True,
        decimal_count: int = 1,
    ) -> None:
        if not variable_names:
            raise ValueError("variable_names must name at least one column.")
        if reference in variable_names:
            raise ValueError(f"reference {reference!r} cannot also be in variable_names.")
        self.variable_names = list(variable_names)
        self.reference = reference
        self.sum_to_one = sum_to_one
        self.decimal_count = decimal_count

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with ``variable_names`` as proportions."""
        require_columns(df, [*self.variable_names, self.reference], "ProportionProcessor")
        values = df[self.variable_names].to_numpy(dtype=float)
        if self.sum_to_one:
            divisor = np.nansum(values, axis=1)
        else:
            divisor = df[self.reference].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            shares = np.where(divisor[:, None] == 0, 0.0, values / divisor[:, None])
        out = df.copy()
        out[self.variable_names] = shares
        return out

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with the proportions back in the unit of the reference."""
        require_columns(dest, [*self.variable_names, self.reference], "ProportionProcessor")
        shares = dest[self.variable_names].to_numpy(dtype=float)
        reference = dest[self.reference].to_numpy(dtype=float)
        out = dest.copy()
        if self.sum_to_one:
            totals = np.nansum(shares, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                shares = np.where(totals[:, None] == 0, 0.0, shares / totals[:, None])
            values = round_keeping_sum(shares * reference[:, None], self.decimal_count)
        else:
            values = np.round(shares * reference[:, None], self.decimal_count)
        out[self.variable_names] = values
        return out
