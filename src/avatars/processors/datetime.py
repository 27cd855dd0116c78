"""Datetime columns as seconds since the Unix epoch, and back."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class DatetimeProcessor:
    """Turn datetime columns into seconds since 1970-01-01 UTC, and back after avatarization.

    The avatarization works on numbers: a date becomes a float (seconds since the epoch, missing
    dates stay missing), and ``postprocess`` gives each such column its original dtype again,
    time zone included.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"visit": pd.to_datetime(["2015-01-01 07:00", "2018-01-01 11:00"])})
        >>> processor = DatetimeProcessor()
        >>> processor.preprocess(df)["visit"].tolist()
        [1420095600.0, 1514804400.0]
        >>> avatar = pd.DataFrame({"visit": [1420096000.0, 1537804000.0]})
        >>> processor.postprocess(df, avatar)["visit"].dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
        ['2015-01-01 07:06:40', '2018-09-24 15:46:40']
    """

    def __init__(self) -> None:
        self.datetime_variables: list[str] = []
        self._dtypes: dict[str, Any] = {}

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with every datetime column as float seconds since the epoch."""
        out = df.copy()
        self.datetime_variables = [
            c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c].dtype)
        ]
        self._dtypes = {c: df[c].dtype for c in self.datetime_variables}
        for column in self.datetime_variables:
            values = df[column]
            if getattr(values.dt, "tz", None) is not None:
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            nanoseconds = values.to_numpy(dtype="datetime64[ns]").astype(np.int64)
            seconds = nanoseconds / 1e9
            seconds[values.isna().to_numpy()] = np.nan
            out[column] = seconds
        return out

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with the columns turned into seconds back as datetimes."""
        out = dest.copy()
        for column in self.datetime_variables:
            if column not in out.columns:
                continue
            seconds = pd.to_numeric(out[column], errors="coerce")
            values = pd.to_datetime((seconds * 1e6).round(), unit="us")
            dtype = self._dtypes.get(column, source[column].dtype if column in source else None)
            tz = getattr(dtype, "tz", None)
            if tz is not None:
                values = values.dt.tz_localize("UTC").dt.tz_convert(tz)
            elif dtype is not None:
                values = values.astype(dtype)
            out[column] = values
        return out
