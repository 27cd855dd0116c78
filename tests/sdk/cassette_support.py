"""Recording and replaying HTTP exchanges of the SDK with vcrpy.

Two modes, chosen by ``AVATARS_CASSETTE_MODE``:

- ``replay`` (default, CI): every exchange comes from ``cassettes/``; vcrpy refuses any request
  that is not recorded (``record_mode="none"``) and the network is blocked, loopback included.
- ``record`` (``scripts/record_cassettes.py``): requests go to the real server named by
  ``AVATARS_RECORD_BASE_URL`` and every exchange is written again (``record_mode="all"``).

Secrets never reach a cassette: before anything is written, each known secret (passwords, API
keys, access/refresh/reset tokens) is replaced by a fixed placeholder, ``Authorization`` and
cookie headers are dropped. Replays send the placeholders themselves, so request bodies match.
Requests are matched on method, path, query and body, never on headers (the ``User-Agent``
carries versions) nor on the host (the recording server's port is random).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import vcr

ROOT = Path(__file__).resolve().parents[2]
CASSETTE_DIR = ROOT / "cassettes"
MODE = os.environ.get("AVATARS_CASSETTE_MODE", "replay")
RECORDING = MODE == "record"
REPLAY_BASE_URL = "http://127.0.0.1:8000"
DROPPED_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}
# JSON fields whose values are secrets, in requests and responses.
SECRET_FIELDS = {
    "password",
    "new_password",
    "new_password_repeated",
    "access_token",
    "refresh_token",
    "token",
    "key",
    "api_key",
}
MATCH_ON = ["method", "path", "query", "body"]


@dataclass
class Secrets:
    """Real secret -> placeholder, filled while recording; empty during replays."""

    placeholders: dict[str, str] = field(default_factory=dict)

    def register(self, real: str, placeholder: str) -> str:
        """Remember that ``real`` must be written as ``placeholder``; returns ``real``."""
        if real and real != placeholder:
            self.placeholders[real] = placeholder
        return real

    def placeholder_for(self, real: str, field_name: str) -> str:
        """The placeholder of a secret found in a JSON body (numbered by discovery order)."""
        if real in self.placeholders:
            return self.placeholders[real]
        if real in self.placeholders.values() or real.startswith("scrubbed-"):
            return real
        prefix = f"scrubbed-{field_name}-"
        index = sum(1 for p in self.placeholders.values() if p.startswith(prefix))
        self.register(real, f"{prefix}{index}")
        return self.placeholders[real]

    def scrub_text(self, text: str) -> str:
        # Longest first, so that a secret containing another is replaced whole.
        for real in sorted(self.placeholders, key=len, reverse=True):
            text = text.replace(real, self.placeholders[real])
        return text


SECRETS = Secrets()


def secret(name: str, placeholder: str) -> str:
    """A secret value for a test: the real one (from the environment) while recording,
    the placeholder in replays.

    ``name`` is the environment variable holding the real value while recording.
    """
    if not RECORDING:
        return placeholder
    real = os.environ.get(name)
    if not real:
        raise RuntimeError(
            f"{name} must be set to record cassettes (see scripts/record_cassettes.py)"
        )
    return SECRETS.register(real, placeholder)


def random_secret(placeholder: str) -> str:
    """A fresh random secret (e.g. the password of a user the test creates)."""
    if not RECORDING:
        return placeholder
    import secrets as stdlib_secrets

    return SECRETS.register("Aa1!" + stdlib_secrets.token_urlsafe(18), placeholder)


def base_url() -> str:
    """Root URL of the server (the recording one, or a fixed one for replays)."""
    if RECORDING:
        return os.environ["AVATARS_RECORD_BASE_URL"]
    return REPLAY_BASE_URL


def _scrub_json(value: Any, parent_key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _scrub_json(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_json(v, parent_key) for v in value]
    if isinstance(value, str) and parent_key in SECRET_FIELDS:
        return SECRETS.placeholder_for(value, parent_key)
    return value


def _scrub_body(body: bytes | str | None, content_type: str) -> bytes | str | None:
    if body is None or body == b"" or body == "":
        return body
    raw = body.encode("utf-8") if isinstance(body, str) else body
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return body  # binary (Parquet, PNG, PDF): no secret is ever sent or returned in those
    if "json" in content_type:
        try:
            parsed = json.loads(text)
        except ValueError:
            pass
        else:
            _scrub_json(parsed)  # registers the secrets it holds
    elif "x-www-form-urlencoded" in content_type:
        for key, value in parse_qsl(text, keep_blank_values=True):
            if key in SECRET_FIELDS:
                SECRETS.placeholder_for(value, key)
        text = urlencode(
            [(k, SECRETS.scrub_text(v)) for k, v in parse_qsl(text, keep_blank_values=True)]
        )
    scrubbed = SECRETS.scrub_text(text)
    return scrubbed.encode("utf-8") if isinstance(body, bytes) else scrubbed


def _header(headers: Any, name: str) -> str:
    for key, value in dict(headers).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else str(value)
    return ""


def scrub_request(request: Any) -> Any:
    """vcrpy ``before_record_request``: drop credentials, replace secrets by placeholders.

    vcrpy also passes replayed requests through it before matching; they hold placeholders
    already and are left as they are.
    """
    if not RECORDING:
        return request
    for name in list(request.headers):
        if name.lower() in DROPPED_HEADERS:
            del request.headers[name]
    request.uri = SECRETS.scrub_text(request.uri)
    request.body = _scrub_body(request.body, _header(request.headers, "content-type"))
    return request


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: same for answers (tokens, created API keys)."""
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in DROPPED_HEADERS:
            del headers[name]
    body = response.get("body", {})
    body["string"] = _scrub_body(body.get("string"), _header(headers, "content-type"))
    return response


def make_vcr() -> vcr.VCR:
    """The project's vcrpy configuration."""
    return vcr.VCR(
        cassette_library_dir=str(CASSETTE_DIR),
        record_mode="all" if RECORDING else "none",
        match_on=MATCH_ON,
        before_record_request=scrub_request,
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )


class NetworkBlockedError(RuntimeError):
    """A replayed test tried to open a connection."""


@contextmanager
def network_blocked() -> Iterator[None]:
    """Refuse every outgoing connection (loopback included): replays need no network."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise NetworkBlockedError(
            f"network access to {address!r} during a cassette replay: the request is not in the "
            "cassette; re-record with scripts/record_cassettes.py"
        )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        yield


def cassette_files() -> list[Path]:
    """The recorded cassettes."""
    return sorted(CASSETTE_DIR.glob("*.yaml"))
