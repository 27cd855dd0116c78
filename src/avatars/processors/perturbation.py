"""Avatars brought part of the way back towards the originals, column by column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._frames import require_columns


class PerturbationProcessor:
    """Choose, per column, how far the avatars move away from the originals.

    A level of 1 keeps the avatar value, 0 gives back the original value, and 0.3 moves a
    numeric value 30 % of the way from the original to the avatar; for a categorical column the
    avatar value is kept with probability ``level``. The postprocess needs the avatars in the
    order of the originals (``sensitive_unshuffled``); a level under 1 lowers the protection of
    that column, which the privacy metrics of the run then measure.

    Args:
        perturbation_level: column -> level in [0, 1]; columns not named keep level 1.
        seed: seed of the draws for categorical columns.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"dose": [0.0, 0.0, 0.0]})
        >>> processor = PerturbationProcessor(perturbation_level={"dose": 0.3}, seed=1)
        >>> avatar = pd.DataFrame({"dose": [1.0, 2.0, 3.0]})
        >>> processor.postprocess(df, avatar)["dose"].round(6).tolist()
        [0.3, 0.6, 0.9]
    """

    def __init__(
        self, perturbation_level: dict[str, float] | None = None, *, seed: int | None = None
    ) -> None:
        levels = dict(perturbation_level or {})
        wrong = {c: v for c, v in levels.items() if not 0.0 <= float(v) <= 1.0}
        if wrong:
            raise ValueError(f"perturbation levels must be between 0 and 1, got {wrong}.")
        self.perturbation_level = levels
        self.seed = seed
        self.generator = np.random.default_rng(seed)

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` unchanged (the perturbation acts on the avatars)."""
        return df

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` moved towards ``source`` (same rows in the same order)."""
        require_columns(source, self.perturbation_level, "perturbation_level")
        if len(source) != len(dest):
            raise ValueError(
                f"postprocess needs the avatars in the order of the originals: got {len(dest)} "
                f"avatars for {len(source)} originals; pass the unshuffled avatars (one per "
                "original row, as the run returns them to processors)."
            )
        out = dest.copy()
        for column, level in self.perturbation_level.items():
            if level == 1.0:
                continue
            original = source[column].to_numpy()
            avatar = dest[column].to_numpy()
            if pd.api.types.is_numeric_dtype(dest[column].dtype) and not (
                pd.api.types.is_bool_dtype(dest[column].dtype)
            ):
                out[column] = original + (avatar - original) * level
            else:
                keep_avatar = self.generator.random(len(dest)) < level
                out[column] = np.where(keep_avatar, avatar, original)
        return out
