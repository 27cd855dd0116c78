"""The data folder: per-user datasets and job results, written atomically."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from avatar_server.object_store import ObjectStore
    from avatar_server.settings import Settings

logger = logging.getLogger("avatar_server")

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
JOB_NAME_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class InvalidNameError(ValueError):
    """A file or object name that could escape its folder or is not allowed."""


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe file name, else raise InvalidNameError.

    Example:
        >>> check_name("wbcd.csv")
        'wbcd.csv'
        >>> check_name("../etc/passwd")
        Traceback (most recent call last):
        ...
        avatar_server.storage.InvalidNameError: ...
    """
    if not NAME_PATTERN.fullmatch(name) or ".." in name:
        raise InvalidNameError(
            f"Invalid name {name[:64]!r}: use 1-128 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit, without '..'."
        )
    return name


def fsync_dir(path: Path) -> None:
    """Flush a directory entry change (rename, unlink) to disk where the OS allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder + fsync + rename.

    Example:
        >>> import tempfile; p = Path(tempfile.mkdtemp()) / "a.txt"
        >>> atomic_write_bytes(p, b"hi"); p.read_bytes()
        b'hi'
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write_json(path: Path, value: Any, mode: int = 0o644) -> None:
    """Write ``value`` as indented JSON atomically."""
    atomic_write_bytes(path, (json.dumps(value, indent=2, default=str) + "\n").encode(), mode)


_CACHED_NAME = re.compile(r"^\.?[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
STORED_MARKER = ".stored"  # a results folder holding every object of the job's results
_NOT_PUBLISHED = (".part", ".lock")


def _cached_name(name: str) -> str:
    """``name`` if it is a result file name safe to write in a folder (``.figures.json`` too)."""
    if not _CACHED_NAME.fullmatch(name) or ".." in name:
        raise InvalidNameError(f"Invalid object name {name[:64]!r} in the results.")
    return name


class DataStore:
    """Per-user datasets and results: in the data folder, or on an object store.

    Every user-supplied name is checked to stay inside its folder, and every object key is
    built from the authenticated user's id (``users/<user id>/datasets/<name>``,
    ``users/<user id>/results/<job>/<file>``): no request can name another user's object.
    With an object store (``remote``), the data folder only caches the objects in use: the
    ``save_*``/``fetch_*``/``publish_*``/``delete_*`` methods keep both in step, and are plain
    local operations without one.

    Example:
        >>> store = DataStore(Path("/tmp/avatars-doc"))
        >>> user_id = "0b6e9f0c-2a31-4f7e-9d15-5c3a7e1f2b40"
        >>> store.dataset_path(user_id, "wbcd.csv").name
        'wbcd.csv'
    """

    def __init__(self, root: Path, remote: ObjectStore | None = None) -> None:
        self.root = root.resolve()
        self.remote = remote

    @classmethod
    def from_settings(cls, settings: Settings) -> DataStore:
        """The store the settings describe (an object store when ``storage_url`` is set).

        Example:
            >>> from avatar_server.settings import Settings
            >>> DataStore.from_settings(Settings(data_dir=Path("/tmp/d"))).remote is None
            True
            >>> remote = DataStore.from_settings(Settings(storage_url="s3://avatars/a")).remote
            >>> remote.bucket, remote.key("users")
            ('avatars', 'a/users')
        """
        if not settings.storage_url:
            return cls(settings.data_dir)
        from avatar_server.object_store import ObjectStore

        remote = ObjectStore(
            settings.storage_url,
            endpoint_url=settings.storage_endpoint_url,
            region=settings.storage_region,
        )
        return cls(settings.data_dir, remote)

    def ensure(self) -> None:
        """Create the top-level folders (and the bucket, when there is none yet)."""
        for folder in (self.root, self.root / "users", self.outbox_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(self.root, 0o700)
        if self.remote is not None:
            from avatar_server.object_store import ObjectStoreUnavailableError

            try:
                self.remote.ensure_bucket()
            except ObjectStoreUnavailableError as exc:  # requests answer 503 until it is back
                logger.warning("%s", exc.detail)

    @property
    def outbox_dir(self) -> Path:
        """Where the built-in mailer writes messages."""
        return self.root / "outbox"

    @property
    def jwt_secret_path(self) -> Path:
        """The HS256 signing secret (0600)."""
        return self.root / "jwt_secret"

    def _user_dir(self, user_id: str) -> Path:
        if not JOB_NAME_PATTERN.fullmatch(user_id):
            raise InvalidNameError("invalid user id")
        return self.root / "users" / user_id

    def _inside(self, base: Path, name: str) -> Path:
        path = (base / check_name(name)).resolve()
        if path.parent != base.resolve():
            raise InvalidNameError(f"Invalid name {name[:64]!r}: it leaves its folder.")
        return path

    def datasets_dir(self, user_id: str) -> Path:
        """The user's dataset folder (created on demand)."""
        folder = self._user_dir(user_id) / "datasets"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def dataset_path(self, user_id: str, name: str) -> Path:
        """Path of one of the user's datasets (the file may not exist)."""
        return self._inside(self._user_dir(user_id) / "datasets", name)

    def results_root(self, user_id: str) -> Path:
        """The user's results folder (created on demand)."""
        folder = self._user_dir(user_id) / "results"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def results_dir(self, user_id: str, job_name: str) -> Path:
        """Final results folder of a job; it appears only once the job has finished."""
        if not JOB_NAME_PATTERN.fullmatch(job_name):
            raise InvalidNameError("invalid job name")
        return self._user_dir(user_id) / "results" / job_name

    def result_file(self, user_id: str, job_name: str, file_name: str) -> Path:
        """Path of one result file of a job (the file may not exist)."""
        return self._inside(self.results_dir(user_id, job_name), file_name)


    # Object-store aware operations (local-only when there is no object store).

    def _dataset_key(self, user_id: str, name: str) -> str:
        assert self.remote is not None
        self._user_dir(user_id)  # checks the id
        return self.remote.key("users", user_id, "datasets", check_name(name))

    def _results_key(self, user_id: str, job_name: str) -> str:
        assert self.remote is not None
        job = self.results_dir(user_id, job_name).name  # checks both names
        return self.remote.key("users", user_id, "results", job)

    def _etag_path(self, user_id: str, name: str) -> Path:
        return self.dataset_path(user_id, name).with_name(f".{name}.etag")

    def save_dataset(self, user_id: str, name: str, temp: Path) -> Path:
        """Store the complete file ``temp`` as dataset ``name`` (a failed upload keeps the old).

        Example:
            >>> store.save_dataset(user.id, "wbcd.csv", folder / ".upload.part")  # doctest: +SKIP
        """
        final = self.dataset_path(user_id, name)
        final.parent.mkdir(parents=True, exist_ok=True)
        if self.remote is not None:
            key = self._dataset_key(user_id, name)
            self.remote.put_file(key, temp)
            etag = self.remote.etag(key) or ""
            os.replace(temp, final)
            atomic_write_bytes(self._etag_path(user_id, name), etag.encode(), 0o600)
        else:
            os.replace(temp, final)
        fsync_dir(final.parent)
        return final

    def fetch_dataset(self, user_id: str, name: str) -> Path:
        """Local path of dataset ``name``, downloaded first when the cache lacks or is stale.

        The file does not exist when the dataset does not.

        Example:
            >>> store.fetch_dataset(user.id, "wbcd.csv").read_bytes()[:5]  # doctest: +SKIP
            b'id,cl'
        """
        path = self.dataset_path(user_id, name)
        if self.remote is None:
            return path
        key = self._dataset_key(user_id, name)
        etag = self.remote.etag(key)
        marker = self._etag_path(user_id, name)
        if etag is None:
            path.unlink(missing_ok=True)
            marker.unlink(missing_ok=True)
        elif not (path.is_file() and marker.is_file() and marker.read_text() == etag):
            path.parent.mkdir(parents=True, exist_ok=True)
            if self.remote.get_file(key, path):
                atomic_write_bytes(marker, etag.encode(), 0o600)
        return path

    def delete_dataset(self, user_id: str, name: str) -> None:
        """Delete dataset ``name`` (the object first, then the cached copy)."""
        if self.remote is not None:
            self.remote.delete(self._dataset_key(user_id, name))
            self._etag_path(user_id, name).unlink(missing_ok=True)
        self.dataset_path(user_id, name).unlink(missing_ok=True)

    def publish_results(
        self, user_id: str, job_name: str, names: Iterable[str] | None = None
    ) -> None:
        """Upload a finished job's result files (all, or ``names``) to the object store."""
        if self.remote is None:
            return
        folder = self.results_dir(user_id, job_name)
        prefix = self._results_key(user_id, job_name)
        wanted = None if names is None else set(names)
        for path in sorted(folder.iterdir()):
            skipped = path.name == STORED_MARKER or path.name.endswith(_NOT_PUBLISHED)
            if not path.is_file() or skipped or (wanted is not None and path.name not in wanted):
                continue
            self.remote.put_file(f"{prefix}/{path.name}", path)
        if names is None:
            atomic_write_bytes(folder / STORED_MARKER, b"", 0o600)

    def fetch_results(self, user_id: str, job_name: str) -> Path:
        """Local results folder of a job, downloaded first when this process lacks it.

        The folder does not exist when the job has no results.
        """
        folder = self.results_dir(user_id, job_name)
        if self.remote is None or (folder / STORED_MARKER).is_file():
            return folder
        prefix = self._results_key(user_id, job_name)
        names = [n for n in self.remote.list_keys(prefix) if n and "/" not in n]
        if not names:
            return folder
        temp = folder.parent / f".fetch-{job_name}-{uuid.uuid4().hex[:8]}"
        temp.mkdir(parents=True)
        try:
            for name in names:
                self.remote.get_file(f"{prefix}/{name}", temp / _cached_name(name))
            (temp / STORED_MARKER).touch()
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):  # another request fetched it meanwhile
                os.replace(temp, folder)
        finally:
            shutil.rmtree(temp, ignore_errors=True)
        return folder

    def fetch_all(self, user_id: str) -> None:
        """Bring every dataset and result of the user into the cache (for a full listing)."""
        if self.remote is None:
            return
        datasets: set[str] = set()
        jobs: set[str] = set()
        self._user_dir(user_id)
        for name in self.remote.list_keys(self.remote.key("users", user_id)):
            kind, _, rest = name.partition("/")
            if kind == "datasets" and "/" not in rest:
                datasets.add(rest)
            elif kind == "results" and "/" in rest:
                jobs.add(rest.split("/", 1)[0])
        for dataset in sorted(datasets):
            with contextlib.suppress(InvalidNameError):
                self.fetch_dataset(user_id, dataset)
        for job in sorted(jobs):
            with contextlib.suppress(InvalidNameError):
                self.fetch_results(user_id, job)

    def remove_results(self, user_id: str, job_name: str) -> None:
        """Delete a job's results, if any (objects and cached copy)."""
        if self.remote is not None:
            self.remote.delete_prefix(self._results_key(user_id, job_name))
        shutil.rmtree(self.results_dir(user_id, job_name), ignore_errors=True)
