"""An in-memory stand-in for ``ApiClient``'s resource facades, for Manager and Runner unit tests.

It keeps datasets, resource sets, jobs and result files in dictionaries and records every call,
so that tests can check what the Manager and the Runner ask of the server. The HTTP side of the
same calls is covered by the cassette tests.
"""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd

from avatars.errors import NotFoundError


def job(
    name: str,
    *,
    status: str = "finished",
    set_name: str = "",
    display_name: str = "demo",
    parameters_name: str = "standard",
    created_at: str = "2026-01-01T00:00:00Z",
    exception: str | None = None,
    progress: float = 1.0,
) -> SimpleNamespace:
    """A JobResponse-like object."""
    return SimpleNamespace(
        name=name,
        status=status,
        set_name=set_name,
        display_name=display_name,
        parameters_name=parameters_name,
        kind=parameters_name,
        created_at=created_at,
        exception=exception,
        progress=progress,
        phase=None,
        done=status in {"finished", "error", "parent_error", "cancelled", "lost"},
    )


@dataclass
class FakeServer:
    """State and call log of the fake."""

    datasets: dict[str, bytes] = field(default_factory=dict)
    uploads: list[str] = field(default_factory=list)
    resource_sets: dict[str, tuple[str, str]] = field(default_factory=dict)
    jobs: dict[str, SimpleNamespace] = field(default_factory=dict)
    created: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, dict[str, bytes]] = field(default_factory=dict)
    deleted_batches: list[list[str]] = field(default_factory=list)
    get_jobs_calls: list[dict[str, Any]] = field(default_factory=list)
    waits: list[float | None] = field(default_factory=list)
    job_status: str = "finished"
    job_exception: str | None = None
    compatibility_checks: int = 0


class _Datasets:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def get_dataset(self, name: str) -> Any:
        if name not in self.server.datasets:
            raise NotFoundError(404, "dataset_not_found", f"No dataset {name}")
        import hashlib

        digest = hashlib.sha256(self.server.datasets[name]).hexdigest()
        return SimpleNamespace(name=name, sha256=digest)

    def upload_dataset(self, name: str, source: Any) -> Any:
        self.server.datasets[name] = Path(source).read_bytes()
        self.server.uploads.append(name)
        return SimpleNamespace(name=name)


class _Resources:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def put_resources(self, display_name: str, yaml: str) -> Any:
        set_name = str(uuid.UUID(int=len(self.server.resource_sets) + 1))
        self.server.resource_sets[set_name] = (display_name, yaml)
        return SimpleNamespace(set_name=set_name, display_name=display_name)

    def get_resources(self, set_name: str) -> str:
        if set_name not in self.server.resource_sets:
            raise NotFoundError(404, "resource_set_not_found", f"No set {set_name}")
        return self.server.resource_sets[set_name][1]


class _Jobs:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def create_job(
        self,
        set_name: str,
        parameters_name: str,
        depends_on: list[str] = (),  # type: ignore[assignment]
        *,
        idempotency_key: str | None = None,
    ) -> Any:
        name = str(uuid.UUID(int=1000 + len(self.server.jobs)))
        self.server.created.append(
            {
                "set_name": set_name,
                "parameters_name": parameters_name,
                "depends_on": list(depends_on),
                "idempotency_key": idempotency_key,
            }
        )
        display = self.server.resource_sets.get(set_name, ("demo", ""))[0]
        self.server.jobs[name] = job(
            name,
            status=self.server.job_status,
            set_name=set_name,
            display_name=display,
            parameters_name=parameters_name,
            created_at=f"2026-01-01T00:{len(self.server.jobs):02d}:00Z",
            exception=self.server.job_exception,
        )
        return SimpleNamespace(name=name)

    def get_job(self, name: str, wait: float | None = None) -> Any:
        self.server.waits.append(wait)
        if name not in self.server.jobs:
            raise NotFoundError(404, "job_not_found", f"No job {name}")
        return self.server.jobs[name]

    def get_jobs(
        self,
        display_name: str | None = None,
        set_name: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Any:
        self.server.get_jobs_calls.append(
            {"display_name": display_name, "set_name": set_name, "limit": limit, "offset": offset}
        )
        jobs = sorted(self.server.jobs.values(), key=lambda j: j.created_at, reverse=True)
        jobs = [
            j
            for j in jobs
            if (display_name is None or j.display_name == display_name)
            and (set_name is None or j.set_name == set_name)
        ]
        start = offset or 0
        page = jobs[start : start + (limit or 20)]
        return SimpleNamespace(jobs=page, total=len(jobs))

    def bulk_delete_jobs(self, job_names: list[str]) -> Any:
        assert len(job_names) <= 100
        self.server.deleted_batches.append(list(job_names))
        deleted = [n for n in job_names if self.server.jobs.pop(n, None) is not None]
        failed = [n for n in job_names if n not in deleted]
        return SimpleNamespace(deleted_jobs=deleted, failed_jobs=failed)


class _Results:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def get_results(self, job_name: str) -> dict[str, list[str]]:
        files = self.server.files.get(job_name, {})
        listing: dict[str, list[str]] = {}
        for file in files:
            kind = file.split(".")[-2] if file.count(".") >= 2 else file.split(".")[0]
            listing.setdefault(kind, []).append(file)
        return listing

    def get_result_file(self, job_name: str, file: str) -> bytes:
        return self.server.files[job_name][file]

    def read_result_dataframe(self, job_name: str, file: str) -> pd.DataFrame:
        return pd.read_csv(io.BytesIO(self.server.files[job_name][file]))

    def download_result_file(self, job_name: str, file: str, destination: Any) -> Path:
        path = Path(destination)
        path.write_bytes(self.server.files[job_name][file])
        return path


class FakeClient:
    """What the Manager and the Runner use of ``ApiClient``."""

    def __init__(self, api_key: str | None = "key", verify: bool = False) -> None:
        self.server = FakeServer()
        self.api_key = api_key
        self.should_verify_compatibility = verify
        self.timeout = 60.0
        self.datasets = _Datasets(self.server)
        self.resources = _Resources(self.server)
        self.jobs = _Jobs(self.server)
        self.results = _Results(self.server)
        self.health = SimpleNamespace(
            get_health=lambda: SimpleNamespace(to_dict=lambda: {"status": "ok", "version": "1"})
        )
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def verify_compatibility(self) -> None:
        self.server.compatibility_checks += 1

    def authenticate(self, username: str, password: str) -> None:
        self.calls.append(("authenticate", (username, password)))

    def forgotten_password(self, email: str) -> None:
        self.calls.append(("forgotten_password", (email,)))

    def reset_password(self, *args: Any) -> None:
        self.calls.append(("reset_password", args))

    def add_results(self, job_name: str, table: str = "wbcd") -> None:
        """Typical result files of a finished job, by its kind."""
        kind = self.server.jobs[job_name].parameters_name
        frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}).to_csv(index=False).encode()
        metrics = json.dumps(
            {
                "metrics": {
                    "hidden_rate": {
                        "label": "Hidden rate",
                        "value": 95.0,
                        "target": 90.0,
                        "direction": "higher",
                        "passed": True,
                    }
                },
                "passed": True,
            }
        ).encode()
        files: dict[str, bytes] = {}
        if kind == "standard":
            files = {
                f"{table}.shuffled.csv": frame,
                f"{table}.unshuffled.csv": frame,
                f"{table}.original_projections.csv": b"Dim.1,Dim.2\n0.1,0.2\n",
                f"{table}.avatar_projections.csv": b"Dim.1,Dim.2\n0.3,0.4\n",
                f"{table}.run_metadata.json": b'{"parameters": {"k": 3}}',
                f"{table}.projection.png": b"\x89PNG fake",
            }
        elif kind in {"privacy_metrics", "signal_metrics"}:
            files = {f"{table}.{kind}.json": metrics}
        elif kind == "report":
            files = {"report.pdf": b"%PDF-1.7 fake", "report.html": b"<html></html>"}
        elif kind == "advice":
            files = {f"{table}.advice.json": b'{"k": 7, "ncp": 3, "reasons": {"k": "r"}}'}
        self.server.files[job_name] = files
