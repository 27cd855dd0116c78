"""Datasets and results on an S3-compatible object store (AWS S3, MinIO, Ceph, ...).

The object store is where datasets and results are kept; the data folder only caches the
objects a process is using (a worker reads and writes local files). Transfers are streamed
in parts by boto3's managed transfers: a file is never read whole into memory.

Credentials come from boto3's standard chain (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``, ``AWS_PROFILE``, an instance role, ...);
they are never part of a setting, a message or a log line.

Example:
    >>> store = ObjectStore("s3://avatars/prod", endpoint_url="http://minio:9000")
    >>> store.bucket, store.key("users", "u1", "datasets", "wbcd.csv")
    ('avatars', 'prod/users/u1/datasets/wbcd.csv')
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from avatar_server.api_error import ApiError

CONNECT_TIMEOUT_SECONDS = 3.0
READ_TIMEOUT_SECONDS = 60.0
_MISSING = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})


class ObjectStoreUnavailableError(ApiError):
    """The object store cannot be reached or refuses the server's credentials (503)."""

    def __init__(self, detail: str) -> None:
        super().__init__(503, "storage_unavailable", detail, {"Retry-After": "5"})


def parse_storage_url(url: str) -> tuple[str, str]:
    """``(bucket, key prefix)`` of an ``s3://bucket/prefix`` URL.

    Example:
        >>> parse_storage_url("s3://avatars/team-a/"), parse_storage_url("s3://avatars")
        (('avatars', 'team-a'), ('avatars', ''))
    """
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"storage URL {url[:200]!r} is not of the form s3://bucket or s3://bucket/prefix"
        )
    return parts.netloc, parts.path.strip("/")


def _public_endpoint(endpoint_url: str | None) -> str:
    """The endpoint as it may appear in a message: no user info, no query."""
    if not endpoint_url:
        return "the default S3 endpoint"
    parts = urlsplit(endpoint_url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"


class ObjectStore:
    """One bucket (and key prefix) of an S3-compatible store, through boto3.

    Every call raises :class:`ObjectStoreUnavailableError` when the store cannot be reached,
    so the API answers 503 with a message instead of a traceback.

    Example:
        >>> store = ObjectStore("s3://avatars", endpoint_url="http://127.0.0.1:9000")
        >>> store.put_file("users/u1/datasets/a.csv", Path("a.csv"))  # doctest: +SKIP
    """

    def __init__(
        self, url: str, *, endpoint_url: str | None = None, region: str | None = None
    ) -> None:
        self.url = url
        self.bucket, self.prefix = parse_storage_url(url)
        self.endpoint_url = endpoint_url or None
        self.region = region or None
        self._clients: dict[int, Any] = {}  # one per process: boto3 clients do not survive fork
        self._guard = threading.Lock()

    def key(self, *parts: str) -> str:
        """The object key of ``parts`` under the prefix."""
        return "/".join(p for p in (self.prefix, *parts) if p)

    @property
    def client(self) -> Any:
        """This process's boto3 S3 client (created on first use)."""
        pid = os.getpid()
        with self._guard:
            client = self._clients.get(pid)
            if client is None:
                try:
                    import boto3
                    from botocore.config import Config
                except ImportError as exc:
                    raise RuntimeError(
                        "an s3:// storage URL needs boto3: pip install 'avatars[s3]'"
                    ) from exc
                config = Config(
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    read_timeout=READ_TIMEOUT_SECONDS,
                    retries={"max_attempts": 2, "mode": "standard"},
                    s3={"addressing_style": "path"} if self.endpoint_url else None,
                )
                client = boto3.session.Session().client(
                    "s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config
                )
                self._clients = {pid: client}
            return client

    def _unavailable(self, exc: Exception) -> ObjectStoreUnavailableError:
        where = f"bucket {self.bucket!r} at {_public_endpoint(self.endpoint_url)}"
        code = _error_code(exc)
        if code in {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"}:
            reason = "refuses the server's credentials"
        elif type(exc).__name__ in {"NoCredentialsError", "PartialCredentialsError"}:
            reason = "cannot be used: the server has no credentials for it"
        elif code in {"NoSuchBucket"}:
            reason = "does not exist"
        else:
            reason = f"cannot be reached ({type(exc).__name__})"
        return ObjectStoreUnavailableError(
            f"The object store ({where}) {reason}: retry in a moment; if it lasts, the "
            "server administrator must check the storage settings."
        )

    def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            if _error_code(exc) in _MISSING - {"NoSuchBucket"}:
                raise FileNotFoundError(kwargs.get("Key", self.bucket)) from None
            raise self._unavailable(exc) from None
        except BotoCoreError as exc:
            raise self._unavailable(exc) from None

    def ensure_bucket(self) -> None:
        """Create the bucket when it does not exist yet (e.g. a fresh MinIO)."""
        try:
            self._call("head_bucket")
        except (FileNotFoundError, ObjectStoreUnavailableError) as exc:
            if isinstance(exc, ObjectStoreUnavailableError) and "does not exist" not in exc.detail:
                raise
            self._call("create_bucket")

    def put_file(self, key: str, path: Path) -> None:
        """Upload a local file (multipart for large ones, streamed from disk)."""
        from boto3.s3.transfer import TransferConfig

        with path.open("rb") as handle:
            self._call("upload_fileobj", Fileobj=handle, Key=key, Config=TransferConfig())

    def get_file(self, key: str, path: Path) -> bool:
        """Download an object to ``path`` atomically; False when there is no such object."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.part"
        try:
            with temp.open("xb") as handle:
                self._call("download_fileobj", Key=key, Fileobj=handle)
            os.replace(temp, path)
        except FileNotFoundError:
            return False
        finally:
            temp.unlink(missing_ok=True)
        return True

    def etag(self, key: str) -> str | None:
        """The object's ETag (changes when it is replaced), or None when it does not exist."""
        try:
            return str(self._call("head_object", Key=key)["ETag"])
        except FileNotFoundError:
            return None

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix`` (relative to it), every page."""
        token: dict[str, str] = {}
        start = prefix.rstrip("/") + "/"
        while True:
            page = self._call("list_objects_v2", Prefix=start, **token)
            for item in page.get("Contents", ()):
                yield str(item["Key"])[len(start) :]
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def delete(self, key: str) -> None:
        """Delete one object (no error when it is already gone)."""
        self._call("delete_object", Key=key)

    def delete_prefix(self, prefix: str) -> None:
        """Delete every object under ``prefix``, 1000 per request."""
        keys = [f"{prefix.rstrip('/')}/{name}" for name in self.list_keys(prefix)]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            self._call("delete_objects", Delete={"Objects": batch, "Quiet": True})


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))
