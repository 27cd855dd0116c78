"""A stand-in for `python -m avatar_server`, used to test the launcher's process handling.

Accepts the same flags as the reference server (`--host --port --data-dir --credentials-file`),
provisions a credentials file on its first start, answers `GET /api/health`, and stops on
SIGTERM. `FAKE_SERVER_MODE=fail` makes it exit at once with an error on stderr;
`FAKE_SERVER_MODE=mute` makes it run without ever answering.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/api/health":
            body = json.dumps({"status": "ok", "version": "fake"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--credentials-file", required=True)
    args = parser.parse_args()
    mode = os.environ.get("FAKE_SERVER_MODE", "")
    if mode == "fail":
        print("starting fake server", file=sys.stderr)
        print("error: cannot open the database in " + args.data_dir, file=sys.stderr)
        sys.exit(3)
    if mode == "mute":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # forces the launcher's SIGKILL fallback
        while True:
            time.sleep(1)
    credentials = Path(args.credentials_file)
    if not credentials.exists():
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            key = secrets.token_hex(8)
            json.dump({"username": "admin", "password": "x", "api_key": key}, handle)
    server = ThreadingHTTPServer((args.host, args.port), Handler)

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
