"""Avatar columns shifted to the originals' mean (and spread), per group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._frames import require_columns


class ExpectedMeanProcessor:
    """Give avatar columns the mean (and optionally the standard deviation) of the originals.

    The means and standard deviations of ``target_variables`` are taken from the originals at
    ``preprocess``, per group of ``groupby_variables`` (or over all rows); the postprocess
    shifts (and with ``same_std`` rescales) each group of the avatars to them. This helps
    one-variable statistics at the cost of relations between variables: check the signal
    metrics afterwards. Groups absent from the originals are left as they are.

    Args:
        target_variables: numeric columns to adjust.
        groupby_variables: columns whose combinations define the groups.
        same_std: also match the standard deviation.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"bmi": [11, 24, 23.5, 12], "sex": ["F", "M", "M", "F"]})
        >>> processor = ExpectedMeanProcessor(["bmi"], groupby_variables=["sex"])
        >>> _ = processor.preprocess(df)
        >>> avatar = pd.DataFrame({"bmi": [12, 13.5, 23.5, 22], "sex": ["F", "F", "M", "M"]})
        >>> processor.postprocess(df, avatar).groupby("sex")["bmi"].mean().tolist()
        [11.5, 23.75]
    """

    def __init__(
        self,
        target_variables: list[str],
        *,
        groupby_variables: list[str] | None = None,
        same_std: bool = False,
    ) -> None:
        if not target_variables:
            raise ValueError("target_variables must name at least one column.")
        self.target_variables = list(target_variables)
        self.groupby_variables = list(groupby_variables or [])
        self.same_std = same_std
        self.reference: dict[object, dict[str, tuple[float, float]]] | None = None

    def _group_rows(self, df: pd.DataFrame) -> dict[object, np.ndarray]:
        if not self.groupby_variables:
            return {(): np.arange(len(df))}
        keys = pd.MultiIndex.from_frame(df[self.groupby_variables].astype(object)).to_list()
        rows: dict[object, list[int]] = {}
        for position, key in enumerate(keys):
            rows.setdefault(key, []).append(position)
        return {key: np.asarray(positions) for key, positions in rows.items()}

    def _statistics(self, df: pd.DataFrame) -> dict[object, dict[str, tuple[float, float]]]:
        values = df[self.target_variables].apply(pd.to_numeric, errors="coerce").astype(float)
        return {
            key: {
                c: (float(values[c].iloc[rows].mean()), float(values[c].iloc[rows].std()))
                for c in self.target_variables
            }
            for key, rows in self._group_rows(df).items()
        }

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Record the originals' statistics; return ``df`` unchanged."""
        require_columns(df, [*self.target_variables, *self.groupby_variables],
                        "ExpectedMeanProcessor")
        self.reference = self._statistics(df)
        return df

    def _adjust(self, values: np.ndarray, mean: float, std: float) -> np.ndarray:
        if self.same_std and values.size > 1:
            spread = float(np.nanstd(values, ddof=1))
            if spread > 0 and not np.isnan(std):
                return (values - np.nanmean(values)) / spread * std + mean
        return values - np.nanmean(values) + mean

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with each group's mean (and spread) set to the originals'."""
        reference = self.reference if self.reference is not None else self._statistics(source)
        out = dest.copy()
        for column in self.target_variables:
            values = np.array(pd.to_numeric(out[column], errors="coerce"), dtype=float)
            for key, rows in self._group_rows(out).items():
                if key in reference:
                    mean, std = reference[key][column]
                    values[rows] = self._adjust(values[rows], mean, std)
            out[column] = values
        return out
