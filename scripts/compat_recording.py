"""Record the established client's own HTTP exchanges with the server, as cassettes.

A recording proxy stands between the client (``.compat-venv``, octopize-avatar 1.30.0) and a
real server: each flow of ``tests/compat/flows`` runs through it, and every exchange (API and
S3-style storage) is written to ``cassettes/established_client/<flow>.yaml``. The proxy keeps
the client's ``Host`` header, so storage signatures stay valid and the URLs the server hands
out point back at the proxy.

Secrets never reach a cassette: the API key becomes ``<api-key>``, a storage signature
``<sigv4>``, a storage secret ``<storage-secret>``. Bodies of result files are cut to their
first line (the replay compares shapes, not avatars).

Used by ``scripts/record_cassettes.py``; the replay is ``tests/compat/test_client_cassettes.py``.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import palmerpenguins
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "compat"))
from cassette_replay import created_keys  # noqa: E402
from compat_support import create_user_key  # noqa: E402

COMPAT_PYTHON = ROOT / ".compat-venv" / "bin" / "python"
FLOWS = ROOT / "tests" / "compat" / "flows"
CASSETTES = ROOT / "cassettes" / "established_client"
# Flows recorded, with what each needs besides the server and its first admin's key:
# ``user`` the key of a second, non-admin account; ``penguins`` a CSV of the penguins.
RECORDED_FLOWS: dict[str, tuple[str, ...]] = {
    "quick_flow": (),
    "full_flow": (),
    "multi_table": (),
    "advice_flow": (),
    "yaml_flow": (),
    "account_flow": (),
    "platform_calls_flow": ("user", "penguins"),
}
# a request body larger than this is written gzip-compressed (a 100,000-row upload)
GZIP_REQUEST_BYTES = 64_000
KEPT_REQUEST_HEADERS = ("content-type", "user-agent", "x-amz-content-sha256", "range")
KEPT_RESPONSE_HEADERS = ("content-type", "location", "content-range")
SECRET_FIELDS = ("secret_access_key", "plaintext")


def _scrub(value: Any, secrets: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: ("<storage-secret>" if key in SECRET_FIELDS else _scrub(item, secrets))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, str):
        for real, placeholder in secrets.items():
            value = value.replace(real, placeholder)
    return value


def _body(content: bytes, content_type: str, full: bool, secrets: dict[str, str]) -> Any:
    """A body as written in a cassette: JSON parsed, text as is, bytes in base64."""
    if not content:
        return None
    if full and len(content) > GZIP_REQUEST_BYTES:
        return {"gzip_base64": base64.b64encode(gzip.compress(content, mtime=0)).decode("ascii")}
    if content_type.startswith("application/json"):
        try:
            return {"json": _scrub(json.loads(content), secrets)}
        except ValueError:
            pass
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        if full:
            return {"base64": base64.b64encode(content).decode("ascii")}
        return {"bytes": len(content), "head_base64": base64.b64encode(content[:8]).decode()}
    text = _scrub(text, secrets)
    if full or len(text) <= 4000:
        return {"text": text}
    return {"text_first_line": text.split("\n", 1)[0][:300], "chars": len(text)}


class Recorder:
    """The exchanges seen by the proxy, in order."""

    def __init__(
        self, upstream: str, secrets: dict[str, str], keys: dict[str, str] | None = None
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.secrets = secrets
        # API key -> its label in the cassette; keys created during the flow are learnt from
        # the answers that hand them out (``created-1``, ``created-2``...)
        self.keys = dict(keys or {})
        self.exchanges: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.http = httpx.Client(timeout=300)

    def forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> httpx.Response:
        """Send one request upstream (Host kept) and remember the exchange."""
        response = self.http.request(method, self.upstream + target, headers=headers, content=body)
        lowered = {k.lower(): v for k, v in headers.items()}
        authorization = lowered.get("authorization", "")
        parts = urlsplit(target)
        request: dict[str, Any] = {
            "method": method,
            "path": _scrub(parts.path, self.secrets),
            "query": _scrub(parts.query, self.secrets),
            "headers": {k: lowered[k] for k in KEPT_REQUEST_HEADERS if k in lowered},
            "auth": self._auth(authorization),
            "body": _body(body, lowered.get("content-type", ""), True, self.secrets),
        }
        content_type = response.headers.get("content-type", "")
        answer = {
            "status": response.status_code,
            "headers": {
                k: _scrub(response.headers[k], self.secrets)
                for k in KEPT_RESPONSE_HEADERS
                if k in response.headers
            },
            "body": _body(response.content, content_type, False, self.secrets),
        }
        with self.lock:
            self.exchanges.append({"request": request, "response": answer})
            if content_type.startswith("application/json"):
                for key in created_keys(response.json()):
                    self.keys.setdefault(key, f"created-{len(self.keys)}")
        return response

    def _auth(self, authorization: str) -> str | None:
        """``sigv4``, ``api-key`` (the admin's), ``api-key:<label>`` (another key) or None."""
        if authorization.startswith("AWS4-HMAC-SHA256"):
            return "sigv4"
        if not authorization:
            return None
        key = authorization.split(" ", 1)[-1]
        label = self.keys.get(key, "unknown")
        return "api-key" if label == "admin" else f"api-key:{label}"


def _handler(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _proxy(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {
                k: v
                for k, v in self.headers.items()
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding")
            }
            response = recorder.forward(self.command, self.path, headers, body)
            self.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(key, value)
            content = b"" if self.command == "HEAD" else response.content
            length_header = response.headers.get("content-length", str(len(content)))
            self.send_header(
                "Content-Length", length_header if self.command == "HEAD" else str(len(content))
            )
            self.end_headers()
            self.wfile.write(content)

        def do_GET(self) -> None:
            self._proxy()

        def do_HEAD(self) -> None:
            self._proxy()

        def do_PUT(self) -> None:
            self._proxy()

        def do_POST(self) -> None:
            self._proxy()

        def do_DELETE(self) -> None:
            self._proxy()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def recording_proxy(
    upstream: str, secrets: dict[str, str], keys: dict[str, str]
) -> Iterator[tuple[str, Recorder]]:
    """A proxy to ``upstream`` on a free loopback port: ``(its URL, the recorder)``."""
    recorder = Recorder(upstream, secrets, keys)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()
        recorder.http.close()


def record_flows(
    url: str, api_key: str, secrets: list[str], only: list[str] | None = None
) -> list[Path]:
    """Run each recorded flow (or those in ``only``) through a proxy to ``url``.

    One cassette is written per flow.
    """
    unknown = sorted(set(only or ()) - set(RECORDED_FLOWS))
    if unknown:
        raise SystemExit(f"no such recorded flow: {', '.join(unknown)}")
    CASSETTES.mkdir(parents=True, exist_ok=True)
    user_key = create_user_key(url, api_key, "carol")
    placeholders = {
        api_key: "<api-key>",
        user_key: "<user-api-key>",
        **{s: "<secret>" for s in secrets if s},
    }
    keys = {api_key: "admin", user_key: "user"}
    written = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AVATAR", "PYTHON"))}
    env["FIXTURES"] = str(ROOT / "fixtures")
    for flow, needs in RECORDED_FLOWS.items():
        if only and flow not in only:
            continue
        # in a temporary folder: the client writes a crash report where it runs when it fails
        with (
            tempfile.TemporaryDirectory(prefix="avatars-compat-") as workdir,
            recording_proxy(url, placeholders, keys) as (proxy_url, recorder),
        ):
            penguins = Path(workdir) / "penguins.csv"
            palmerpenguins.load_penguins().to_csv(penguins, index=False)
            arguments = {"user": user_key, "penguins": str(penguins)}
            result = subprocess.run(
                [
                    str(COMPAT_PYTHON),
                    str(FLOWS / f"{flow}.py"),
                    proxy_url,
                    api_key,
                    *(arguments[need] for need in needs),
                ],
                capture_output=True,
                text=True,
                timeout=600,
                env=env,
                cwd=workdir,
                check=False,
            )
        if result.returncode != 0:
            raise SystemExit(
                f"flow {flow} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        cassette = {
            "flow": flow,
            "client": "octopize-avatar==1.30.0",
            "needs": list(needs),
            "interactions": recorder.exchanges,
        }
        path = CASSETTES / f"{flow}.yaml"
        path.write_text(yaml.safe_dump(cassette, sort_keys=False, width=100), encoding="utf-8")
        written.append(path)
    return written
