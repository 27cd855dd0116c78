"""Facade of the ``results`` tag: the files a job produced."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from avatar_api_client.api.results import get_results

from avatars._resources._base import Resource
from avatars._streaming import download, file_format, read_dataframe

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ResultsResource"]


class ResultsResource(Resource):
    """``client.results``: list, download and read result files."""

    def get_results(self, job_name: str, *, timeout: float | None = None) -> dict[str, list[str]]:
        """The files of a job, by result kind (``{"shuffled": ["wbcd.shuffled.csv"], ...}``).

        Example:
            >>> client.results.get_results(job.name)["shuffled"]  # doctest: +SKIP
            ['wbcd.shuffled.csv']
        """
        parsed = self._call(get_results.sync_detailed, job_name=job_name, timeout=timeout)
        return {kind: list(files) for kind, files in parsed.to_dict().items()}

    def get_result_file(self, job_name: str, file: str, *, timeout: float | None = None) -> bytes:
        """One result file, in memory (use :meth:`download_result_file` for large files).

        Example:
            >>> metrics = json.loads(client.results.get_result_file(job.name,  # doctest: +SKIP
            ...                                                     "wbcd.privacy_metrics.json"))
        """
        return self._client._session.request(
            "GET", self._path(job_name, file), timeout=timeout
        ).content

    def download_result_file(
        self,
        job_name: str,
        file: str,
        destination: str | os.PathLike[str],
        *,
        timeout: float | None = None,
    ) -> Path:
        """Stream one result file to ``destination`` (written atomically).

        Example:
            >>> client.results.download_result_file(
            ...     job.name, "report.pdf", "report.pdf")  # doctest: +SKIP
            PosixPath('report.pdf')
        """
        return download(
            self._client._session, self._path(job_name, file), destination, timeout=timeout
        )

    def read_result_dataframe(
        self, job_name: str, file: str, *, timeout: float | None = None
    ) -> pd.DataFrame:
        """Stream a CSV or Parquet result file straight into a DataFrame.

        Example:
            >>> df = client.results.read_result_dataframe(
            ...     job.name, "wbcd.shuffled.csv")  # doctest: +SKIP
        """
        with self._client._session.stream(
            "GET", self._path(job_name, file), timeout=timeout
        ) as response:
            return read_dataframe(response, file_format(file))

    @staticmethod
    def _path(job_name: str, file: str) -> str:
        return f"/api/results/{quote(job_name, safe='')}/{quote(file, safe='')}"
