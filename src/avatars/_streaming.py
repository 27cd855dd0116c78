"""Large bodies without holding them in memory: uploads from disk, downloads to disk or pandas.

- An upload streams a file in chunks; a first streaming pass computes its SHA-256, sent as
  ``Content-Digest: sha-256=:<base64>:`` so the server can verify it. The body object can be
  iterated again, so a retried request (e.g. after a 503) resends the whole file.
- A DataFrame is written to a temporary Parquet file (in row groups) or CSV file (in chunks),
  then streamed: no second full copy of the data is held in memory.
- A download is written to a temporary file next to the destination, then renamed, so a failed
  download never leaves a truncated file; or it is parsed by pandas as it arrives (CSV).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx

from avatars.errors import ConnectionError

if TYPE_CHECKING:
    import pandas as pd

    from avatars._http import HttpSession

__all__ = [
    "CHUNK_SIZE",
    "FileChunks",
    "ResponseReader",
    "content_digest",
    "dataframe_file",
    "download",
    "file_format",
    "read_dataframe",
    "write_response",
]

CHUNK_SIZE = 1024 * 1024
_DATAFRAME_ROWS_PER_CHUNK = 50_000

FileFormat = Literal["csv", "parquet"]


class FileChunks(Iterable[bytes]):
    """The content of a file as chunks; every iteration reopens the file (retry-safe).

    Example:
        >>> body = FileChunks("wbcd.csv")  # doctest: +SKIP
        >>> total = sum(len(chunk) for chunk in body)  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> None:
        self.path = Path(path)
        self.chunk_size = chunk_size

    def __len__(self) -> int:
        return self.path.stat().st_size

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while chunk := handle.read(self.chunk_size):
                yield chunk


def content_digest(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> str:
    """The ``Content-Digest`` header value of a file, computed in one streaming pass.

    Example:
        >>> content_digest("empty.csv")  # doctest: +SKIP
        'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'
    """
    digest = hashlib.sha256()
    for chunk in FileChunks(path, chunk_size):
        digest.update(chunk)
    return f"sha-256=:{base64.b64encode(digest.digest()).decode('ascii')}:"


def file_format(name: str) -> FileFormat:
    """``"parquet"`` for ``*.parquet``/``*.pq`` names, else ``"csv"``."""
    return "parquet" if name.lower().endswith((".parquet", ".pq")) else "csv"


@contextlib.contextmanager
def dataframe_file(frame: pd.DataFrame, fmt: FileFormat) -> Iterator[Path]:
    """Write ``frame`` to a temporary file, chunk by chunk, and yield its path.

    The file is deleted when the block ends.
    """
    with tempfile.TemporaryDirectory(prefix="avatars-upload-") as folder:
        path = Path(folder) / f"data.{fmt}"
        if fmt == "parquet":
            _write_parquet(frame, path)
        else:
            frame.to_csv(path, index=False, chunksize=_DATAFRAME_ROWS_PER_CHUNK)
        yield path


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.Schema.from_pandas(frame, preserve_index=False)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(frame), 1), _DATAFRAME_ROWS_PER_CHUNK):
            part = frame.iloc[start : start + _DATAFRAME_ROWS_PER_CHUNK]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))


def write_response(response: httpx.Response, destination: str | os.PathLike[str]) -> Path:
    """Stream ``response``'s body to ``destination`` (atomically) and return the path."""
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or deleted below
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    try:
        with handle:
            for chunk in response.iter_bytes(CHUNK_SIZE):
                handle.write(chunk)
        Path(handle.name).replace(target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target


def download(
    session: HttpSession,
    url: str,
    destination: str | os.PathLike[str],
    *,
    timeout: float | None = None,
) -> Path:
    """Stream ``GET url`` to ``destination`` (atomically), resuming after a dropped connection.

    When the connection breaks mid-body, the download continues where it stopped with a
    ``Range: bytes=<received>-`` request (up to the retry policy's ``max_retries`` times); a
    server that ignores the range answers 200 and the file is started again.
    """
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or deleted below
        dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
    )
    received = 0
    failures = 0
    try:
        with handle:
            while True:
                headers = {"Range": f"bytes={received}-"} if received else None
                try:
                    with session.stream("GET", url, headers=headers, timeout=timeout) as response:
                        if received and response.status_code != 206:
                            handle.seek(0)
                            handle.truncate()
                            received = 0
                        for chunk in response.iter_bytes(CHUNK_SIZE):
                            handle.write(chunk)
                            received += len(chunk)
                    break
                except ConnectionError:
                    if failures >= session.retry.max_retries:
                        raise
                    session.sleep(session.retry.backoff(failures, session.rng))
                    failures += 1
        Path(handle.name).replace(target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target


class ResponseReader(io.RawIOBase):
    """A read-only file object over a streamed response body (for ``pandas.read_csv``)."""

    def __init__(self, response: httpx.Response) -> None:
        self._chunks = response.iter_bytes(CHUNK_SIZE)
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def read_dataframe(response: httpx.Response, fmt: FileFormat) -> pd.DataFrame:
    """Parse a streamed CSV or Parquet body into a DataFrame.

    CSV is parsed as it arrives; Parquet needs random access, so it goes through a temporary
    file first.
    """
    import pandas as pd

    if fmt == "csv":
        return pd.read_csv(io.BufferedReader(ResponseReader(response), CHUNK_SIZE))
    with tempfile.TemporaryDirectory(prefix="avatars-download-") as folder:
        path = write_response(response, Path(folder) / "data.parquet")
        return pd.read_parquet(path)
