"""Longitudes expressed as their rank among the points at the same latitude."""

from __future__ import annotations

import numpy as np
import pandas as pd

from avatars.processors._frames import require_columns


class GeolocationNormalizationProcessor:
    """Normalize longitudes within latitude bands so that avatars stay where points exist.

    Latitudes are cut into ``n_reference_lat`` bands of equal width; within a band
    the longitude becomes its position in [0, 1] on the band's longitude quantiles
    (``n_bins`` bins, linear inside a bin). The postprocess maps the avatars' positions back
    through the quantiles of their latitude band, so that avatars land where the originals lie
    (a coastline, a border, not a lake or the sea). The transformation is exactly reversible.

    Args:
        latitude_variable: latitude column.
        longitude_variable: longitude column.
        n_reference_lat: number of latitude bands.
        n_bins: number of longitude bins per band.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"lat": [49.1, 49.2, 49.3, 49.3], "lon": [3.21, 3.19, 3.11, 3.18]})
        >>> processor = GeolocationNormalizationProcessor(
        ...     latitude_variable="lat", longitude_variable="lon", n_reference_lat=3, n_bins=5)
        >>> processed = processor.preprocess(df)
        >>> processed["lon"].tolist()
        [0.5, 0.5, 0.0, 1.0]
        >>> processor.postprocess(df, processed)["lon"].round(6).tolist()
        [3.21, 3.19, 3.11, 3.18]
    """

    def __init__(
        self, *, latitude_variable: str, longitude_variable: str, n_reference_lat: int,
        n_bins: int,
    ) -> None:
        if n_reference_lat < 1 or n_bins < 1:
            raise ValueError(
                f"n_reference_lat and n_bins must be at least 1, got {n_reference_lat} and "
                f"{n_bins}."
            )
        self.latitude_variable = latitude_variable
        self.longitude_variable = longitude_variable
        self.n_reference_lat = n_reference_lat
        self.n_bins = n_bins
        self.latitude_edges: np.ndarray = np.array([])
        self.longitude_quantiles: list[np.ndarray] = []

    def _fit(self, df: pd.DataFrame) -> None:
        require_columns(df, [self.latitude_variable, self.longitude_variable],
                        "GeolocationNormalizationProcessor")
        lat = df[self.latitude_variable].to_numpy(dtype=float)
        lon = df[self.longitude_variable].to_numpy(dtype=float)
        known = ~(np.isnan(lat) | np.isnan(lon))
        lat, lon = lat[known], lon[known]
        if lat.size == 0:
            raise ValueError(
                f"GeolocationNormalizationProcessor: no row has both {self.latitude_variable!r} "
                f"and {self.longitude_variable!r}; pass the columns that hold the coordinates "
                "(latitude_variable=, longitude_variable=) or leave this processor out."
            )
        edges = np.linspace(lat.min(), lat.max(), self.n_reference_lat + 1)
        self.latitude_edges = edges[1:-1]
        bands = np.searchsorted(self.latitude_edges, lat, side="right")
        levels = np.linspace(0, 1, self.n_bins + 1)
        self.longitude_quantiles = [
            np.quantile(lon[bands == b], levels) if np.any(bands == b) else np.quantile(lon, levels)
            for b in range(len(self.latitude_edges) + 1)
        ]

    def _bands(self, latitude: pd.Series) -> np.ndarray:
        lat = latitude.to_numpy(dtype=float)
        return np.searchsorted(self.latitude_edges, np.nan_to_num(lat), side="right")

    def preprocess(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return ``df`` with the longitude as its position (0 to 1) in its latitude band."""
        self._fit(df)
        lon = df[self.longitude_variable].to_numpy(dtype=float)
        position = np.full(lon.shape, np.nan)
        bands = self._bands(df[self.latitude_variable])
        levels = np.linspace(0, 1, self.n_bins + 1)
        for band, quantiles in enumerate(self.longitude_quantiles):
            rows = (bands == band) & ~np.isnan(lon)
            if quantiles[-1] == quantiles[0]:
                position[rows] = 0.5
            else:
                position[rows] = np.interp(lon[rows], quantiles, levels)
        out = df.copy()
        out[self.longitude_variable] = position
        return out

    def postprocess(self, source: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
        """Return ``dest`` with longitudes back in degrees, read in each avatar's band."""
        if not self.longitude_quantiles:
            self._fit(source)
        position = np.clip(dest[self.longitude_variable].to_numpy(dtype=float), 0.0, 1.0)
        lon = np.full(position.shape, np.nan)
        bands = self._bands(dest[self.latitude_variable])
        levels = np.linspace(0, 1, self.n_bins + 1)
        for band, quantiles in enumerate(self.longitude_quantiles):
            rows = (bands == band) & ~np.isnan(position)
            lon[rows] = np.interp(position[rows], levels, quantiles)
        out = dest.copy()
        out[self.longitude_variable] = lon
        return out
