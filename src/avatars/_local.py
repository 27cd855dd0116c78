"""The embedded default: the reference server as a child process on this machine.

`local_server()` gives a running reference server for the current user: it starts
`python -m avatar_server` on a free loopback port with a per-user data folder, waits until
`GET /api/health` answers, and reads the API key the server provisions on its first start.
A server already running for the same data folder (started by another command, a notebook or
`avatars server`) is reused. The last user of a server started here stops it (SIGTERM, then
SIGKILL), at `stop()`, at the end of a `with` block, or when the interpreter exits. A
process killed without a chance to stop it (``kill -9``) leaves no server behind either: the
server's stdin is a pipe from the process that started it, and when that pipe closes the
server stops itself as soon as no other live process on this machine uses it.

The SDK never imports the server: it talks HTTP to it like to a remote one.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["LocalServer", "LocalServerError", "local_data_dir", "local_server"]

STATE_FILE = "local-server.json"
CREDENTIALS_FILE = "credentials.json"
LOG_FILE = "server.log"
LOCK_FILE = ".launcher.lock"
LEASES_DIR = "leases"

_DEFAULT_STARTUP_TIMEOUT = 90.0
_STOP_GRACE_SECONDS = 10.0
_PORT_ATTEMPTS = 3
# Job workers of a server started here, unless AVATAR_SERVER_WORKERS says otherwise: one
# worker keeps the memory of the SDK, the server and its worker low (one copy of the engine).
LOCAL_WORKERS = 1


class LocalServerError(RuntimeError):
    """The reference server could not be started or reached on this machine.

    The message says what went wrong and ends with the tail of the server's log when there is
    one.
    """


def avatars_home() -> Path | None:
    """The folder named by `AVATARS_HOME`, or None when the variable is unset."""
    value = os.environ.get("AVATARS_HOME", "").strip()
    return Path(value).expanduser() if value else None


def local_data_dir() -> Path:
    """Per-user folder of the embedded server's database, uploads and results.

    `$AVATARS_HOME/server` when `AVATARS_HOME` is set; otherwise the platform's per-user data
    folder: `$XDG_DATA_HOME/avatars/server` (default `~/.local/share/avatars/server`) on Linux,
    `~/Library/Application Support/avatars/server` on macOS, `%LOCALAPPDATA%\\avatars\\server`
    on Windows.

    Example:
        >>> local_data_dir().name
        'server'
    """
    home = avatars_home()
    if home is not None:
        return home / "server"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "avatars" / "server"


@dataclass(frozen=True)
class _State:
    pid: int
    port: int
    managed: bool  # False for a server the user started with `avatars server`: never stopped here

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class LocalServer:
    """A reference server running on this machine, as handed out by `local_server()`.

    Attributes:
        base_url: Root URL of the server, e.g. ``http://127.0.0.1:53817``.
        api_key: API key of the local admin user, provisioned on the first start.
        data_dir: Folder holding the server's database, uploads and results.

    Example:
        >>> with local_server() as server:  # doctest: +SKIP
        ...     manager = Manager(base_url=server.base_url, api_key=server.api_key)
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        data_dir: Path,
        pid: int,
        started_here: bool,
        lease: Path | None,
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.data_dir = data_dir
        self.pid = pid
        self.started_here = started_here
        self._lease = lease
        self._stopped = False
        self._lock = threading.Lock()
        atexit.register(self.stop)

    def __repr__(self) -> str:
        return f"LocalServer(base_url={self.base_url!r}, data_dir={str(self.data_dir)!r})"

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server process is alive and answers its health check."""
        return _pid_alive(self.pid) and _healthy(self.base_url, timeout=2.0)

    def stop(self) -> None:
        """Release this handle; stop the server if nobody else on this machine uses it.

        A server started with `avatars server` is never stopped here. Calling `stop()` twice is
        harmless.

        Example:
            >>> server = local_server()  # doctest: +SKIP
            >>> server.stop()  # doctest: +SKIP
        """
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        with _launcher_lock(self.data_dir):
            if self._lease is not None:
                self._lease.unlink(missing_ok=True)
            state = _read_state(self.data_dir)
            if state is None or state.pid != self.pid or not state.managed:
                return
            if _live_leases(self.data_dir):
                return  # another command or notebook still uses it; the last one stops it
            _terminate(self.pid)
            (self.data_dir / STATE_FILE).unlink(missing_ok=True)


def local_server(
    *,
    data_dir: str | os.PathLike[str] | None = None,
    startup_timeout: float | None = None,
    command: Sequence[str] | None = None,
) -> LocalServer:
    """Return the reference server running on this machine, starting it when needed.

    The server runs as a child process (`python -m avatar_server`) on a free port of
    127.0.0.1, with its data in `local_data_dir()` (or `data_dir`), and one job worker
    (`AVATAR_SERVER_WORKERS` sets another number). Its first start creates a
    local admin and an API key, written to `credentials.json` (mode 0600) in the data folder
    and read back here: no prompt, and the same key on every later start.

    Args:
        data_dir: Folder for the server's data; defaults to `local_data_dir()`.
        startup_timeout: Seconds to wait for the health check to answer (default 90, or
            `AVATARS_STARTUP_TIMEOUT`).
        command: Command that starts the server, without the `--host/--port/--data-dir/
            --credentials-file` flags this function adds; defaults to
            `[sys.executable, "-m", "avatar_server"]`.

    Returns:
        A `LocalServer` with `base_url` and `api_key`; stop it with `stop()` or use it as a
        context manager (it is also stopped when the interpreter exits).

    Raises:
        LocalServerError: The server exited or did not answer in time; the message includes
            the end of its log.

    Example:
        >>> with local_server() as server:  # doctest: +SKIP
        ...     print(server.base_url)
        http://127.0.0.1:53817
    """
    folder = Path(data_dir).expanduser() if data_dir is not None else local_data_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    timeout = startup_timeout if startup_timeout is not None else _startup_timeout_from_env()
    if command:
        base_command = list(command)
    else:
        _check_server_installed()
        base_command = list(_GUARDED_SERVER)
        prestarted = _take_prestarted(folder, timeout)
        if prestarted is not None:
            return prestarted
    with _launcher_lock(folder):
        state = _read_state(folder)
        if state is not None and _pid_alive(state.pid) and _healthy(state.base_url, timeout=3.0):
            return _handle(folder, state, started_here=False)
        state = _start(folder, base_command, timeout)
        try:
            _write_state(folder, state)
            return _handle(folder, state, started_here=True)
        except BaseException:
            _terminate(state.pid)
            (folder / STATE_FILE).unlink(missing_ok=True)
            raise


@dataclass
class _Prestarted:
    """A server process started ahead by `prestart_local_server`, not yet known ready."""

    folder: Path
    process: subprocess.Popen[bytes]
    state: _State
    command: list[str]
    log_path: Path
    lock: contextlib.ExitStack  # the launcher lock, held until the server is recorded


_PRESTARTED: dict[Path, _Prestarted] = {}


def prestart_local_server() -> None:
    """Start the default local server now, without waiting; `local_server()` picks it up.

    For a command that will need the local server: the server imports its libraries while
    the command imports its own. Does nothing when a server already runs for the data
    folder. The launcher lock stays held until `local_server()` records the server (or the
    interpreter exits, which stops it), so no other process starts a second one meanwhile.

    Example:
        >>> prestart_local_server()  # doctest: +SKIP
        >>> server = local_server()  # the one started above, once it answers  # doctest: +SKIP
    """
    folder = local_data_dir()
    if folder in _PRESTARTED or importlib.util.find_spec("avatar_server") is None:
        return
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = contextlib.ExitStack()
    lock.enter_context(_launcher_lock(folder))
    try:
        state = _read_state(folder)
        if state is not None and _pid_alive(state.pid):
            lock.close()  # local_server() checks that it answers
            return
        port = free_port()
        command, process, log_path = _spawn(folder, list(_GUARDED_SERVER), port)
    except BaseException:
        lock.close()
        raise
    _PRESTARTED[folder] = _Prestarted(
        folder, process, _State(pid=process.pid, port=port, managed=True), command, log_path, lock
    )
    atexit.register(_drop_prestarted, folder)


def _drop_prestarted(folder: Path) -> None:
    """Stop a prestarted server nobody picked up, and release the launcher lock."""
    started = _PRESTARTED.pop(folder, None)
    if started is not None:
        _stop_child(started.process)
        started.lock.close()


def _take_prestarted(folder: Path, timeout: float) -> LocalServer | None:
    """The prestarted server of ``folder`` once it answers, recorded as started here."""
    started = _PRESTARTED.pop(folder, None)
    if started is None:
        return None
    with contextlib.suppress(Exception):
        atexit.unregister(_drop_prestarted)
    with started.lock:
        try:
            _wait_ready(started.process, started.state, started.command, started.log_path,
                        timeout)
        except _PortTakenError:
            return None  # another program took the port: start again the usual way
        except BaseException:
            _stop_child(started.process)
            raise
        try:
            _write_state(folder, started.state)
            return _handle(folder, started.state, started_here=True)
        except BaseException:
            _terminate(started.state.pid)
            (folder / STATE_FILE).unlink(missing_ok=True)
            raise


def running_server(data_dir: Path) -> str | None:
    """URL of a live server recorded for `data_dir`, or None.

    Example:
        >>> running_server(local_data_dir())  # doctest: +SKIP
        'http://127.0.0.1:8000'
    """
    state = _read_state(data_dir)
    if state is not None and _pid_alive(state.pid) and _healthy(state.base_url, timeout=3.0):
        return state.base_url
    return None


def _check_server_installed() -> None:
    # Locates the package without importing it: the server only ever runs in its own process.
    if importlib.util.find_spec("avatar_server") is None:
        raise LocalServerError(
            f"the reference server is not installed in this Python ({sys.executable}). "
            "Install the `avatars` package (it ships the server), or connect to a running "
            "server with Manager(base_url=..., api_key=...) or AVATAR_BASE_URL."
        )


def record_foreground_server(data_dir: Path, port: int) -> None:
    """Note that this process is about to become a user-started server on `port`.

    Called by `avatars server` right before it replaces itself with the server, so that later
    commands and notebooks without a configured URL reuse it (and never stop it).
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _launcher_lock(data_dir):
        _write_state(data_dir, _State(pid=os.getpid(), port=port, managed=False))


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _handle(folder: Path, state: _State, *, started_here: bool) -> LocalServer:
    api_key = _read_api_key(folder, state, wait=10.0 if started_here else 0.0)
    lease = _add_lease(folder)
    return LocalServer(
        base_url=state.base_url,
        api_key=api_key,
        data_dir=folder,
        pid=state.pid,
        started_here=started_here,
        lease=lease,
    )


def _start(folder: Path, base_command: list[str], timeout: float) -> _State:
    last_error: LocalServerError | None = None
    for _ in range(_PORT_ATTEMPTS):
        port = free_port()
        try:
            return _start_on(folder, base_command, port, timeout)
        except _PortTakenError as exc:  # another program took the port between our check and bind
            last_error = exc
    assert last_error is not None
    raise last_error


class _PortTakenError(LocalServerError):
    pass


def _start_on(folder: Path, base_command: list[str], port: int, timeout: float) -> _State:
    command, process, log_path = _spawn(folder, base_command, port)
    state = _State(pid=process.pid, port=port, managed=True)
    try:
        _wait_ready(process, state, command, log_path, timeout)
    except BaseException:  # also Ctrl-C while waiting: never leave a half-started server
        _stop_child(process)
        raise
    return state


def _spawn(
    folder: Path, base_command: list[str], port: int
) -> tuple[list[str], subprocess.Popen[bytes], Path]:
    """Start the server process on ``port``; return its command, process and log file."""
    command = [
        *base_command,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(folder),
        "--credentials-file",
        str(folder / CREDENTIALS_FILE),
    ]
    env = dict(os.environ)
    env.setdefault("AVATAR_SERVER_WORKERS", str(LOCAL_WORKERS))
    log_path = folder / LOG_FILE
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(log_fd, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            # the server's starter watch (see `serve_guarded`): open while this process lives
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=folder,
            env=env,
            start_new_session=sys.platform != "win32",  # a Ctrl-C reaches us, we stop it
        )
    _CHILDREN[process.pid] = process
    return command, process, log_path


# `python -m avatar_server`, stopping itself once the process that started it is gone and
# nobody else uses it. (Not -OO, though it holds 9 MiB less: no installed package ships the
# -OO bytecode, so each start would compile every library from source where it cannot be
# written, e.g. with PYTHONDONTWRITEBYTECODE: 14.7 instead of 10.9 CPU seconds a cold run.)
_GUARDED_SERVER = (
    sys.executable, "-c", "from avatars._local import serve_guarded; serve_guarded()"
)
_STARTER_CHECK_SECONDS = 2.0


def serve_guarded() -> None:
    """Run `python -m avatar_server` (with this process's arguments) in this process, and
    stop it (SIGTERM, its clean stop) once its stdin closes (the process that started it
    died) and no other live process holds a lease on its data folder.

    Example:
        $ python -c "from avatars._local import serve_guarded; serve_guarded()" --port 8000
    """
    import runpy

    arguments = sys.argv[1:]
    folder = Path(arguments[arguments.index("--data-dir") + 1]) if "--data-dir" in arguments \
        else None
    if folder is not None:
        threading.Thread(
            target=_stop_when_unused, args=(folder,), name="avatars-starter-watch", daemon=True
        ).start()
    sys.argv = ["avatar_server", *arguments]
    runpy.run_module("avatar_server", run_name="__main__", alter_sys=True)


def _stop_when_unused(folder: Path) -> None:
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(4096):
            pass  # nothing is ever written: this returns when the starter's end closes
    while True:
        with _launcher_lock(folder):
            if not _live_leases(folder):
                state = _read_state(folder)
                if state is not None and state.pid == os.getpid():
                    (folder / STATE_FILE).unlink(missing_ok=True)
                os.kill(os.getpid(), signal.SIGTERM)
                return
        time.sleep(_STARTER_CHECK_SECONDS)


def _wait_ready(
    process: subprocess.Popen[bytes],
    state: _State,
    command: list[str],
    log_path: Path,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.01  # short at first: a warm machine starts the server in well under a second
    while True:
        code = process.poll()
        if code is not None:
            tail = _log_tail(log_path)
            if "address already in use" in tail.lower():
                raise _PortTakenError(f"port {state.port} was taken while the server started")
            raise LocalServerError(
                f"the local avatar server exited with code {code} before it was ready.\n"
                f"Command: {' '.join(command)}\nLog: {log_path}\n{_format_tail(tail)}"
            )
        if _healthy(state.base_url, timeout=2.0):
            return
        if time.monotonic() > deadline:
            raise LocalServerError(
                f"the local avatar server did not answer {state.base_url}/api/health within "
                f"{timeout:.0f} s (set AVATARS_STARTUP_TIMEOUT to wait longer).\n"
                f"Log: {log_path}\n{_format_tail(_log_tail(log_path))}"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)


def _read_api_key(folder: Path, state: _State, *, wait: float) -> str:
    path = folder / CREDENTIALS_FILE
    deadline = time.monotonic() + wait
    delay = 0.01
    while not path.exists() and time.monotonic() < deadline and _pid_alive(state.pid):
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)
    if not path.exists():
        raise LocalServerError(
            f"the local avatar server runs but its credentials file {path} is missing, so no "
            f"API key is available. Set AVATAR_API_KEY to a key of that server, or delete the "
            f"folder {folder} to start afresh (this deletes its datasets and results)."
        )
    if sys.platform != "win32" and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        key = content["api_key"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LocalServerError(
            f"cannot read the API key from {path} ({type(exc).__name__}). Delete the folder "
            f"{folder} to start afresh (this deletes its datasets and results)."
        ) from None
    if not isinstance(key, str) or not key:
        raise LocalServerError(f"the credentials file {path} holds no API key.")
    return key


# --- state file, leases, lock -------------------------------------------------------------


def _read_state(folder: Path) -> _State | None:
    try:
        raw: Any = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        return _State(pid=int(raw["pid"]), port=int(raw["port"]), managed=bool(raw["managed"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_state(folder: Path, state: _State) -> None:
    content = {
        "pid": state.pid,
        "port": state.port,
        "base_url": state.base_url,
        "managed": state.managed,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    _write_private(folder / STATE_FILE, json.dumps(content, indent=2) + "\n")


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _add_lease(folder: Path) -> Path:
    leases = folder / LEASES_DIR
    leases.mkdir(exist_ok=True, mode=0o700)
    lease = leases / f"{os.getpid()}.{uuid.uuid4().hex}"
    lease.touch(mode=0o600)
    return lease


def _live_leases(folder: Path) -> list[Path]:
    live = []
    for lease in (folder / LEASES_DIR).glob("*.*"):
        try:
            pid = int(lease.name.split(".", 1)[0])
        except ValueError:
            continue
        if _pid_alive(pid):
            live.append(lease)
        else:
            lease.unlink(missing_ok=True)  # left by a process that was killed
    return live


@contextlib.contextmanager
def _launcher_lock(folder: Path) -> Iterator[None]:
    """Serialize start/stop decisions of every process using this data folder."""
    try:
        import fcntl
    except ImportError:  # Windows: best effort, without a lock
        yield
        return
    fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --- processes ------------------------------------------------------------------------------

_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    if sys.platform == "win32":
        return True  # no cheap check without extra dependencies; the health check decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int) -> None:
    """SIGTERM, wait for a clean stop, SIGKILL if it does not come."""
    child = _CHILDREN.get(pid)
    if child is not None:
        _stop_child(child)
        return
    if sys.platform == "win32":
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_SECONDS
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def _stop_child(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=_STOP_GRACE_SECONDS)
    _CHILDREN.pop(child.pid, None)


def _healthy(base_url: str, *, timeout: float) -> bool:
    import httpx  # here: a command starting the server does so before loading httpx

    try:
        # trust_env=False: a proxy configured for the outside world must not see loopback calls;
        # verify=False: plain HTTP on loopback, so no TLS context to build (its CA bundle costs
        # ~30 ms of CPU per check, taken from the server that is starting meanwhile)
        with httpx.Client(trust_env=False, timeout=timeout, verify=False) as client:  # noqa: S501
            response = client.get(f"{base_url}/api/health")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _startup_timeout_from_env() -> float:
    raw = os.environ.get("AVATARS_STARTUP_TIMEOUT", "").strip()
    try:
        return float(raw) if raw else _DEFAULT_STARTUP_TIMEOUT
    except ValueError:
        return _DEFAULT_STARTUP_TIMEOUT


def _log_tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _format_tail(tail: str) -> str:
    if not tail:
        return "The server wrote nothing."
    indented = "\n".join(f"  | {line}" for line in tail.splitlines())
    return f"Last lines of its log:\n{indented}"
