"""An in-memory avatars API behind ``httpx.MockTransport``, with fault injection.

It implements the parts of the HTTP contract the SDK tests need (auth, jobs with
Idempotency-Key deduplication, datasets with Content-Digest checks, results), records every
request it receives, and can be told to fail the next requests of a route.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

SECRET = "test-secret-with-at-least-32-bytes!!"
NOW = "2026-01-01T00:00:00Z"

Fault = Callable[[httpx.Request], httpx.Response]


def token(subject: str, lifetime: float) -> str:
    claims = {"sub": subject, "exp": int(time.time() + lifetime), "jti": uuid.uuid4().hex}
    return jwt.encode(claims, SECRET, "HS256")


def error(status: int, code: str, detail: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"detail": detail, "code": code}, headers=headers)


def drop_after(handler: Fault) -> Fault:
    """A fault that lets the server process the request, then drops the connection."""

    def fault(request: httpx.Request) -> httpx.Response:
        handler(request)
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    return fault


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused")


class _StreamingMockTransport(httpx.MockTransport):
    """A MockTransport that leaves upload bodies unread, so the handler sees the chunks."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not (request.method == "PUT" and request.url.path.startswith("/api/datasets/")):
            request.read()
        response = self.handler(request)
        assert isinstance(response, httpx.Response)
        return response


@dataclass
class FakeAvatarsApi:
    """The fake server; ``transport`` plugs into ``httpx.Client(transport=...)``."""

    api_key: str = "the-api-key"
    username: str = "user"
    password: str = "pass"
    access_lifetime: float = 300.0
    compatibility: str = "compatible"
    requests: list[httpx.Request] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=lambda: defaultdict(list))
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotency: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, bytes] = field(default_factory=dict)
    results: dict[str, dict[str, bytes]] = field(default_factory=dict)
    refresh_calls: int = 0
    valid_refresh: set[str] = field(default_factory=set)
    valid_access: set[str] = field(default_factory=set)
    upload_chunks: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def transport(self) -> httpx.MockTransport:
        return _StreamingMockTransport(self.handle)

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(transport=self.transport, **kwargs)

    def fail(self, route: str, *faults: Fault) -> None:
        """Make the next requests to ``route`` ("POST /api/jobs") fail with ``faults``."""
        self.faults[route].extend(faults)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.url.path == path)

    # -- dispatch -----------------------------------------------------------------------------
    def handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
        route = f"{request.method} {request.url.path}"
        with self.lock:
            pending = self.faults.get(route)
            fault = pending.pop(0) if pending else None
        if fault is not None:
            return fault(request)
        return self.route(request)

    def route(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        method = request.method
        if path == "/api/health":
            return httpx.Response(200, json={"status": "ok", "version": "test"})
        if path == "/api/check_client":
            return self._check_client(request)
        if path == "/api/login":
            return self._login(request)
        if path == "/api/refresh":
            return self._refresh(request)
        if path in ("/api/login/forgotten_password", "/api/login/reset_password"):
            return httpx.Response(204)
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        if path == "/api/jobs" and method == "POST":
            return self._create_job(request)
        if path == "/api/jobs" and method == "GET":
            jobs = list(self.jobs.values())
            return httpx.Response(200, json={"jobs": jobs, "total": len(jobs)})
        if path.startswith("/api/jobs/") and method == "GET":
            name = path.rsplit("/", 1)[-1]
            if name not in self.jobs:
                return error(404, "job_not_found", f"No job named {name!r}.")
            return httpx.Response(200, json=self.jobs[name])
        if path.startswith("/api/datasets/") and method == "PUT":
            return self._upload(request)
        if path.startswith("/api/datasets/") and path.endswith("/content"):
            name = path.split("/")[3]
            if name not in self.datasets:
                return error(404, "dataset_not_found", f"No dataset named {name!r}.")
            return httpx.Response(200, content=self.datasets[name])
        if path.startswith("/api/results/"):
            return self._results(path)
        if path == "/api/users/me":
            return httpx.Response(
                200,
                json={
                    "id": "u1",
                    "username": self.username,
                    "email": None,
                    "is_admin": False,
                    "created_at": NOW,
                },
            )
        return error(404, "not_found", f"No route {method} {path}.")

    # -- routes -------------------------------------------------------------------------------
    def _check_client(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "status": self.compatibility,
                "message": "This client is too old." if self.compatibility == "incompatible"
                else "OK.",
                "most_recent_compatible_client": "9.9.9",
            },
        )

    def _tokens(self) -> dict[str, str]:
        access = token(self.username, self.access_lifetime)
        refresh = uuid.uuid4().hex
        with self.lock:
            self.valid_access.add(access)
            self.valid_refresh.add(refresh)
        return {"access_token": access, "refresh_token": refresh, "token_type": "bearer"}

    def _login(self, request: httpx.Request) -> httpx.Response:
        form = dict(
            pair.split("=", 1) for pair in request.content.decode().split("&") if "=" in pair
        )
        if form.get("username") != self.username or form.get("password") != self.password:
            return error(401, "invalid_credentials", "Wrong username or password.")
        return httpx.Response(200, json=self._tokens())

    def _refresh(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with self.lock:
            self.refresh_calls += 1
            if body["refresh_token"] not in self.valid_refresh:
                return error(401, "invalid_refresh_token", "Refresh token reused or unknown.")
            self.valid_refresh.discard(body["refresh_token"])
        time.sleep(0.05)  # make concurrent refreshes overlap if the client allowed them
        return httpx.Response(200, json=self._tokens())

    def _authenticate(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("Authorization", "")
        if header == f"api-key-v1 {self.api_key}":
            return None
        if header.startswith("Bearer "):
            value = header.removeprefix("Bearer ")
            try:
                jwt.decode(value, SECRET, algorithms=["HS256"])
            except jwt.PyJWTError:
                return error(401, "token_expired", "The access token expired: refresh it.")
            if value in self.valid_access:
                return None
        return error(401, "not_authenticated", "Send an API key or a bearer token.")

    def _create_job(self, request: httpx.Request) -> httpx.Response:
        key = request.headers.get("Idempotency-Key")
        body = json.loads(request.content)
        with self.lock:
            if key is not None and key in self.idempotency:
                name = self.idempotency[key]
            else:
                name = str(uuid.uuid4())
                self.jobs[name] = {
                    "name": name,
                    "set_name": body["set_name"],
                    "display_name": "demo",
                    "parameters_name": body["parameters_name"],
                    "kind": "standard",
                    "status": "queued",
                    "progress": 0.0,
                    "phase": None,
                    "exception": None,
                    "done": False,
                    "created_at": NOW,
                    "started_at": None,
                    "finished_at": None,
                    "depends_on": body.get("depends_on", []),
                }
                if key is not None:
                    self.idempotency[key] = name
        location = f"/api/jobs/{name}"
        return httpx.Response(
            201, json={"name": name, "Location": location}, headers={"Location": location}
        )

    def _upload(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.split("/")[3]
        digest = hashlib.sha256()
        chunks = []
        for chunk in request.stream:  # type: ignore[union-attr]
            self.upload_chunks.append(len(chunk))
            digest.update(chunk)
            chunks.append(chunk)
        expected = request.headers.get("Content-Digest")
        actual = f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
        if expected is not None and expected != actual:
            return error(400, "digest_mismatch", "Content-Digest does not match the body.")
        data = b"".join(chunks)
        self.datasets[name] = data
        return httpx.Response(
            201,
            json={
                "name": name,
                "size": len(data),
                "sha256": digest.hexdigest(),
                "created_at": NOW,
            },
        )

    def _results(self, path: str) -> httpx.Response:
        parts = path.split("/")
        job = parts[3]
        if job not in self.results:
            return error(404, "job_not_found", f"No job named {job!r}.")
        files = self.results[job]
        if len(parts) == 4:
            listing: dict[str, list[str]] = defaultdict(list)
            for name in files:
                listing[name.split(".")[-2]].append(name)
            return httpx.Response(200, json=listing)
        if parts[4] not in files:
            return error(404, "result_not_found", f"No result file {parts[4]!r}.")
        return httpx.Response(200, content=files[parts[4]])
