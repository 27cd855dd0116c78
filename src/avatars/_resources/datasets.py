"""Facade of the ``datasets`` tag: streamed uploads and downloads of CSV/Parquet files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from avatar_api_client.api.datasets import delete_dataset, get_dataset, get_datasets
from avatar_api_client.models import DatasetList, DatasetResponse

from avatars._resources._base import Resource
from avatars._streaming import (
    FileChunks,
    FileFormat,
    content_digest,
    dataframe_file,
    download,
    file_format,
    read_dataframe,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DatasetsResource"]


class DatasetsResource(Resource):
    """``client.datasets``: the files your resource sets refer to."""

    def upload_dataset(
        self,
        name: str,
        source: str | os.PathLike[str] | pd.DataFrame,
        *,
        file_format: FileFormat | None = None,
        timeout: float | None = None,
    ) -> DatasetResponse:
        """Upload a file, or a DataFrame, as dataset ``name`` (replacing it if it exists).

        A file is streamed from disk with its SHA-256 in ``Content-Digest`` (the server
        rejects a corrupted upload); a DataFrame is first written to a temporary Parquet or
        CSV file (``file_format``, default from the extension of ``name``), then streamed.

        Example:
            >>> client.datasets.upload_dataset(
            ...     "wbcd.csv", "fixtures/wbcd.csv").size  # doctest: +SKIP
            19889
            >>> client.datasets.upload_dataset("wbcd.parquet", df).sha256  # doctest: +SKIP
        """
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            if not path.is_file():
                raise FileNotFoundError(
                    f"No file at {path}: pass the path of a CSV or Parquet file"
                )
            return self._upload_file(name, path, timeout)
        fmt = file_format or _format_of(name)
        with dataframe_file(source, fmt) as path:
            return self._upload_file(name, path, timeout)

    def _upload_file(self, name: str, path: Path, timeout: float | None) -> DatasetResponse:
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Length": str(path.stat().st_size),
            "Content-Digest": content_digest(path),
        }
        response = self._client._session.request(
            "PUT",
            f"/api/datasets/{quote(name, safe='')}",
            content=FileChunks(path),
            headers=headers,
            timeout=timeout,
        )
        return self._parse(DatasetResponse.from_dict, response)

    def get_datasets(self, *, timeout: float | None = None) -> DatasetList:
        """Your datasets.

        Example:
            >>> [d.name for d in client.datasets.get_datasets().datasets]  # doctest: +SKIP
            ['wbcd.csv']
        """
        return self._call(get_datasets.sync_detailed, timeout=timeout)

    def get_dataset(self, name: str, *, timeout: float | None = None) -> DatasetResponse:
        """One dataset's size, checksum and date.

        Example:
            >>> client.datasets.get_dataset("wbcd.csv").sha256  # doctest: +SKIP
        """
        return self._call(get_dataset.sync_detailed, name=name, timeout=timeout)

    def download_dataset(
        self,
        name: str,
        destination: str | os.PathLike[str],
        *,
        timeout: float | None = None,
    ) -> Path:
        """Stream a dataset to ``destination`` (written atomically) and return the path.

        Example:
            >>> client.datasets.download_dataset("wbcd.csv", "copy.csv")  # doctest: +SKIP
            PosixPath('copy.csv')
        """
        url = f"/api/datasets/{quote(name, safe='')}/content"
        return download(self._client._session, url, destination, timeout=timeout)

    def read_dataset(self, name: str, *, timeout: float | None = None) -> pd.DataFrame:
        """Stream a dataset straight into a DataFrame.

        Example:
            >>> client.datasets.read_dataset("wbcd.csv").shape  # doctest: +SKIP
            (683, 10)
        """
        with self._client._session.stream(
            "GET", f"/api/datasets/{quote(name, safe='')}/content", timeout=timeout
        ) as response:
            return read_dataframe(response, _format_of(name))

    def delete_dataset(self, name: str, *, timeout: float | None = None) -> None:
        """Delete a dataset.

        Example:
            >>> client.datasets.delete_dataset("wbcd.csv")  # doctest: +SKIP
        """
        self._call(delete_dataset.sync_detailed, name=name, timeout=timeout, allow_empty=True)


def _format_of(name: str) -> FileFormat:
    return file_format(name)
