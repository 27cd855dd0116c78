"""Replay the established client's recorded exchanges against a live server; compare shapes.

Each request of a cassette (``cassettes/established_client/<flow>.yaml``, written by
``scripts/record_cassettes.py``) is sent again, in order, to a fresh server: identifiers the
recording server handed out (user, set and job ids) are replaced by those the live server
answers with, storage requests are signed again with the live storage credentials, and each
answer must have the recorded status and the shape the client parsed (the same fields, of
the same types; for tables, the same header line). The client itself is not needed, so this
runs wherever the test suite runs.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_READS_RESULTS = re.compile(r"^/api/(results/|access)|^/storage/avatars/[^/]+/results/")


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else type(value).__name__


def shape_differences(recorded: Any, live: Any, where: str = "$") -> list[str]:
    """Where ``live`` lacks a field of ``recorded`` or holds another type (``null`` matches).

    Example:
        >>> shape_differences({"a": 1, "b": "x"}, {"a": 2.5})
        ['$.b: missing']
    """
    if recorded is None or live is None:
        return []
    if isinstance(recorded, dict):
        if not isinstance(live, dict):
            return [f"{where}: object expected, got {_shape(live)}"]
        problems = []
        for key, item in recorded.items():
            if key not in live:
                problems.append(f"{where}.{key}: missing")
            else:
                problems += shape_differences(item, live[key], f"{where}.{key}")
        return problems
    if isinstance(recorded, list):
        if not isinstance(live, list):
            return [f"{where}: list expected, got {_shape(live)}"]
        if recorded and live:
            return shape_differences(recorded[0], live[0], f"{where}[0]")
        return []
    if _shape(recorded) != _shape(live):
        return [f"{where}: {_shape(recorded)} expected, got {_shape(live)}"]
    return []


def created_keys(answer: Any) -> list[str]:
    """The plaintext API keys an answer hands out (``{"api_key": {"plaintext": ...}}``).

    Example:
        >>> created_keys({"api_key": {"id": "1", "plaintext": "k"}})
        ['k']
    """
    if isinstance(answer, dict):
        inner = answer.get("api_key")
        if isinstance(inner, dict) and isinstance(inner.get("plaintext"), str):
            return [inner["plaintext"]]
    return []


def _head(line: str) -> str:
    """A first line up to embedded data (a figure page's PNG differs from run to run)."""
    before, marker, after = line.partition("base64,")
    return before + marker + after[:16]


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign_storage_request(
    method: str, path: str, query: str, headers: dict[str, str], key_id: str, secret: str
) -> dict[str, str]:
    """``headers`` plus an AWS Signature V4 over host, payload hash and date (as s3fs signs)."""
    now = datetime.now(UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    signed = {**headers, "x-amz-date": amz_date}
    names = sorted(["host", "x-amz-content-sha256", "x-amz-date"])
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in parse_qsl(query, keep_blank_values=True)
    )
    canonical = "\n".join(
        [
            method,
            path,
            "&".join(f"{k}={v}" for k, v in pairs),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            signed["x-amz-content-sha256"],
        ]
    )
    scope = f"{day}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(("AWS4" + secret).encode(), day), "us-east-1"), "s3"), "aws4_request"
    )
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    signed["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={';'.join(names)}, "
        f"Signature={signature}"
    )
    return signed


@dataclass
class Replay:
    """One cassette's replay against ``url`` with the live admin ``api_key``."""

    url: str
    api_key: str
    user_key: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    # label of a key in the cassette (``user``, ``created-2``...) -> the live key
    keys: dict[str, str] = field(default_factory=dict)
    storage_key: tuple[str, str] | None = None
    problems: list[str] = field(default_factory=list)

    def _map(self, text: str) -> str:
        return UUID.sub(lambda match: self.ids.get(match[0], match[0]), text)

    def _learn(self, recorded: Any, live: Any) -> None:
        if isinstance(recorded, dict) and isinstance(live, dict):
            for key, item in recorded.items():
                if key in live:
                    self._learn(item, live[key])
            credentials = live.get("credentials")
            if isinstance(credentials, dict) and "secret_access_key" in credentials:
                self.storage_key = (
                    credentials["access_key_id"],
                    credentials["secret_access_key"],
                )
        elif isinstance(recorded, list) and isinstance(live, list):
            for old, new in zip(recorded, live, strict=False):
                self._learn(old, new)
        elif isinstance(recorded, str) and isinstance(live, str):
            for old, new in zip(UUID.findall(recorded), UUID.findall(live), strict=False):
                self.ids.setdefault(old, new)

    def _wait_for_jobs(self, client: httpx.Client, headers: dict[str, str]) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            jobs = client.get("/api/jobs", headers=headers).json()["jobs"]
            if all(job.get("done", True) for job in jobs):
                return
            time.sleep(0.3)

    def _request_body(self, body: dict[str, Any] | None) -> bytes:
        if not body:
            return b""
        if "json" in body:
            return json.dumps(json.loads(self._map(json.dumps(body["json"])))).encode()
        if "text" in body:
            return self._map(str(body["text"])).encode()
        if "gzip_base64" in body:
            return gzip.decompress(base64.b64decode(body["gzip_base64"]))
        return base64.b64decode(body["base64"])

    def run(self, interactions: list[dict[str, Any]]) -> list[str]:
        """Send every recorded request; return what differs (empty when the server still fits)."""
        api = {"authorization": f"api-key-v1 {self.api_key}", "user-agent": "avatar-python/1.30.0"}
        self.keys = {"admin": self.api_key, "user": self.user_key}
        host = urlsplit(self.url).netloc
        with httpx.Client(base_url=self.url, timeout=120) as client:
            for number, interaction in enumerate(interactions):
                request, recorded = interaction["request"], interaction["response"]
                path, query = self._map(request["path"]), self._map(request["query"])
                if _READS_RESULTS.match(path):
                    self._wait_for_jobs(client, api)
                headers = {k: self._map(v) for k, v in request["headers"].items()}
                body = self._request_body(request["body"])
                if request["auth"] == "api-key":
                    headers["authorization"] = api["authorization"]
                elif str(request["auth"]).startswith("api-key:"):
                    label = request["auth"].split(":", 1)[1]
                    headers["authorization"] = f"api-key-v1 {self.keys.get(label, 'unknown')}"
                elif request["auth"] == "sigv4" and self.storage_key is not None:
                    headers["host"] = host
                    headers = sign_storage_request(
                        request["method"], path, query, headers, *self.storage_key
                    )
                target = path + (f"?{query}" if query else "")
                live = client.request(request["method"], target, headers=headers, content=body)
                self._compare(number, request, recorded, live)
        return self.problems

    def _compare(
        self, number: int, request: dict[str, Any], recorded: dict[str, Any], live: httpx.Response
    ) -> None:
        where = f"#{number} {request['method']} {request['path'][:90]}"
        if live.status_code != recorded["status"]:
            self.problems.append(
                f"{where}: status {live.status_code} instead of {recorded['status']}: "
                f"{live.text[:300]}"
            )
            return
        expected_type = recorded["headers"].get("content-type", "").split(";")[0]
        live_type = live.headers.get("content-type", "").split(";")[0]
        if expected_type != live_type:
            self.problems.append(f"{where}: content-type {live_type!r}, not {expected_type!r}")
            return
        body = recorded["body"] or {}
        if "json" in body:
            answer = live.json()
            for key in created_keys(answer):
                self.keys.setdefault(f"created-{len(self.keys)}", key)
            self.problems += [f"{where}: {p}" for p in shape_differences(body["json"], answer)]
            self._learn(body["json"], answer)
        elif "text_first_line" in body:
            first = _head(live.text.split("\n", 1)[0][:300])
            if first != _head(body["text_first_line"]):
                self.problems.append(f"{where}: first line {first[:120]!r} differs")
        elif "head_base64" in body:
            if base64.b64encode(live.content[:8]).decode() != body["head_base64"]:
                self.problems.append(f"{where}: the file starts with other bytes")
        elif "text" in body:
            self._learn(body["text"], live.text)
