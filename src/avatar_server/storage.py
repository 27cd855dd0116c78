"""The data folder: per-user datasets and job results, written atomically."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

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


class DataStore:
    """Paths inside the data folder; every user-supplied name is checked to stay inside.

    Example:
        >>> store = DataStore(Path("/tmp/avatars-doc"))
        >>> user_id = "0b6e9f0c-2a31-4f7e-9d15-5c3a7e1f2b40"
        >>> store.dataset_path(user_id, "wbcd.csv").name
        'wbcd.csv'
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def ensure(self) -> None:
        """Create the top-level folders."""
        for folder in (self.root, self.root / "users", self.outbox_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            os.chmod(self.root, 0o700)

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

    def remove_results(self, user_id: str, job_name: str) -> None:
        """Delete a job's results, if any."""
        shutil.rmtree(self.results_dir(user_id, job_name), ignore_errors=True)
