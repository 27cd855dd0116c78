"""The `avatars` command: the main job and everyday chores from the shell.

    avatars run DATA [--k 20] [--ncp 5] [--table NAME] [--out DIR] [--server URL]
    avatars server [--host 127.0.0.1] [--port 8000] [--data-dir DIR] [server options]
    avatars jobs | avatars results JOB | avatars api-key create|list|revoke | avatars login

With no server configured (`--server`, `AVATAR_BASE_URL`, or the config file written by
`avatars login`), commands use the reference server on this machine: started for the command
and stopped after it (see `avatars._local`).

Exit codes: 0 done, 1 unexpected error, 2 bad input, 3 server unreachable or not started,
4 bad credentials, 5 job failed, 130 interrupted. `AVATARS_DEBUG=1` shows tracebacks.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from avatars import _config_file, _display, _local

if TYPE_CHECKING:
    from avatars.client import ApiClient
    from avatars.manager import Manager

__all__ = ["main"]

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_CREDENTIALS = 4
EXIT_JOB_FAILED = 5
EXIT_INTERRUPTED = 130

DATA_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class CliError(Exception):
    """An expected failure: printed as one message, mapped to an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


# --- entry point ------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `avatars` command and return its exit code.

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        avatars 1.0.0
    """
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "_accepts_extra", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    debug = os.environ.get("AVATARS_DEBUG", "").strip() not in {"", "0", "false", "no"}
    try:
        with warnings.catch_warnings(), _exit_cleanly_on_signals():
            if not debug:
                warnings.simplefilter("ignore", DeprecationWarning)
            code: int = args.handler(args)
            return code
    except KeyboardInterrupt:
        _err("interrupted.")
        return EXIT_INTERRUPTED
    except BaseException as exc:  # every failure becomes one message and an exit code
        if isinstance(exc, SystemExit):
            raise
        code, message = _classify(exc, args)
        if debug:
            traceback.print_exc()
        _err(message)
        if code == EXIT_UNEXPECTED and not debug:
            _err("This looks like a bug; run again with AVATARS_DEBUG=1 to see the traceback.")
        return code


@contextlib.contextmanager
def _exit_cleanly_on_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into SystemExit, so a local server started here is stopped too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            previous[number] = signal.signal(number, leave)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _err(message: str) -> None:
    print(f"avatars: {message}", file=sys.stderr, flush=True)


def _info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _classify(exc: BaseException, args: argparse.Namespace) -> tuple[int, str]:
    """Exit code and one actionable message for an exception."""
    from avatars import errors

    where = getattr(args, "_server_description", None) or "the avatar server"
    if isinstance(exc, CliError):
        return exc.code, str(exc)
    if isinstance(exc, _config_file.ConfigFileError):
        return EXIT_USAGE, str(exc)
    if isinstance(exc, _local.LocalServerError):
        return EXIT_UNREACHABLE, (
            f"could not start the local avatar server: {exc}\n"
            "You can also run one yourself with `avatars server` and pass --server URL."
        )
    unreachable = errors.ConnectionError | errors.TimeoutError | errors.IncompatibleClientError
    if isinstance(exc, unreachable):
        return EXIT_UNREACHABLE, (
            f"cannot use {where}: {exc}\n"
            "Start a server with `avatars server` (in another terminal), check the URL, or drop "
            "--server and unset AVATAR_BASE_URL to let the command start a local one."
        )
    if isinstance(exc, errors.AuthenticationError | errors.PermissionDeniedError):
        return EXIT_CREDENTIALS, (
            f"{where} refused the credentials: {exc.detail}.\n"
            "Pass --api-key, set AVATAR_API_KEY, or run `avatars login` to store a new key."
        )
    if isinstance(exc, errors.JobFailedError | errors.JobCancelledError):
        return EXIT_JOB_FAILED, f"job {exc.job_name} did not finish: {exc.message}"
    if isinstance(exc, errors.ValidationError | errors.NotFoundError | errors.ConflictError):
        return EXIT_USAGE, f"{where} rejected the request: {exc.detail}"
    if isinstance(exc, errors.PayloadTooLargeError):
        return EXIT_USAGE, f"{where} rejected the upload as too large: {exc.detail}"
    if isinstance(exc, errors.AvatarsError):
        return EXIT_UNEXPECTED, str(exc)
    if isinstance(exc, ValueError):  # the SDK's checks of arguments: says what to change
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OSError) and exc.filename:
        return EXIT_USAGE, f"{exc.strerror or exc}: {exc.filename}"
    return EXIT_UNEXPECTED, f"unexpected error: {type(exc).__name__}: {exc}"


# --- argument parsing -------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 4294967295, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    from avatars._version import __version__

    parser = argparse.ArgumentParser(
        prog="avatars",
        description="Anonymize a table with the avatar method and check privacy and utility.",
        epilog="With no server configured, commands start a local one for their duration. "
        "Exit codes: 2 bad input, 3 server unreachable, 4 bad credentials, 5 job failed.",
    )
    parser.add_argument("--version", action="version", version=f"avatars {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="avatarize a CSV or Parquet file; compute metrics and the report",
        description="Avatarize DATA, compute privacy and signal metrics and the report, print "
        "every metric against its target, and write the avatars, metrics.json and report.pdf "
        "into --out.",
    )
    run.add_argument("data", metavar="DATA", help="CSV or Parquet file, one row per individual")
    run.add_argument("--k", type=_positive_int, default=20, help="neighbours per avatar (20)")
    run.add_argument("--ncp", type=_positive_int, default=5, help="projection dimensions (5)")
    run.add_argument("--table", help="table name (default: the file name without extension)")
    run.add_argument("--out", default="results", help="output folder (default: ./results)")
    run.add_argument("--seed", type=_seed, help="random seed, for reproducible avatars")
    run.add_argument("--language", choices=["en", "fr"], default="en", help="report language")
    _add_server_options(run)
    run.set_defaults(handler=_cmd_run)

    server = commands.add_parser(
        "server",
        help="run the reference server in the foreground",
        description="Run the reference server in the foreground (Ctrl-C stops it). Other "
        "options (--database-url, --workers, --max-upload-bytes, --log-level) are passed on.",
    )
    server.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    server.add_argument("--data-dir", help=f"data folder (default {_local.local_data_dir()})")
    server.set_defaults(handler=_cmd_server, _accepts_extra=True)

    jobs = commands.add_parser("jobs", help="list recent jobs")
    jobs.add_argument("--limit", type=_positive_int, default=20, help="how many (20)")
    _add_server_options(jobs)
    jobs.set_defaults(handler=_cmd_jobs)

    results = commands.add_parser("results", help="list or download a job's result files")
    results.add_argument("job", metavar="JOB", help="job name (see `avatars jobs`)")
    results.add_argument("--download", metavar="DIR", help="download the files into DIR")
    results.add_argument(
        "--file", action="append", metavar="NAME", help="only this file (repeatable)"
    )
    _add_server_options(results)
    results.set_defaults(handler=_cmd_results)

    api_key = commands.add_parser("api-key", help="create, list or revoke API keys")
    key_commands = api_key.add_subparsers(title="actions", metavar="ACTION", required=True)
    create = key_commands.add_parser("create", help="create a key (shown once)")
    create.add_argument("name", metavar="NAME", help="what the key is for")
    create.add_argument("--expiration-days", type=_positive_int, help="expire after N days")
    _add_server_options(create)
    create.set_defaults(handler=_cmd_key_create)
    listing = key_commands.add_parser("list", help="list your keys")
    _add_server_options(listing)
    listing.set_defaults(handler=_cmd_key_list)
    revoke = key_commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id", metavar="ID", help="key id (see `avatars api-key list`)")
    _add_server_options(revoke)
    revoke.set_defaults(handler=_cmd_key_revoke)

    login = commands.add_parser(
        "login",
        help="log in to a server and store an API key in your config file",
        description="Ask for your username and password, create an API key, and store the "
        f"server URL and the key in {_config_file.config_path()} (readable only by you).",
    )
    login.add_argument("--server", metavar="URL", help="server URL (default: AVATAR_BASE_URL)")
    login.add_argument("--username", help="username (asked when not given)")
    login.set_defaults(handler=_cmd_login)
    return parser


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        metavar="URL",
        help="server URL (default: AVATAR_BASE_URL, the config file, else a local server)",
    )
    parser.add_argument(
        "--api-key",
        help="API key (default: AVATAR_API_KEY or the config file; prefer those, since "
        "arguments are visible to other users of this machine)",
    )


# --- connecting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    base_url: str | None  # None: the local server
    api_key: str | None
    source: str  # where base_url came from, for messages


def _target(args: argparse.Namespace) -> _Target:
    config = _config_file.read_config()
    explicit_key = getattr(args, "api_key", None) or os.environ.get("AVATAR_API_KEY") or None
    for url, source in (
        (getattr(args, "server", None), "--server"),
        (os.environ.get("AVATAR_BASE_URL", "").strip() or None, "AVATAR_BASE_URL"),
    ):
        if url:
            same_as_config = config.base_url is not None and _same_url(url, config.base_url)
            key = explicit_key or (config.api_key if same_as_config else None)
            return _Target(url, key, source)
    if config.base_url:
        return _Target(
            config.base_url, explicit_key or config.api_key, str(_config_file.config_path())
        )
    return _Target(None, None, "local")


def _same_url(left: str, right: str) -> bool:
    def norm(url: str) -> str:
        url = url.strip().rstrip("/")
        return url[: -len("/api")] if url.endswith("/api") else url

    return norm(left) == norm(right)


@contextlib.contextmanager
def _manager(args: argparse.Namespace) -> Iterator[Manager]:
    """A Manager for the configured server, or for a local server started for the command."""
    from avatars.manager import Manager

    target = _target(args)
    if target.base_url is None:
        _info(f"Using the local avatar server (data in {_local.local_data_dir()}) ...")
        with _local.local_server() as server:
            args._server_description = f"the local avatar server at {server.base_url}"
            yield Manager(base_url=server.base_url, api_key=server.api_key)
        return
    args._server_description = f"the avatar server at {target.base_url} (from {target.source})"
    if not target.api_key:
        raise CliError(
            f"no API key for {target.base_url}: pass --api-key, set AVATAR_API_KEY, or run "
            f"`avatars login --server {target.base_url}`",
            EXIT_CREDENTIALS,
        )
    yield Manager(base_url=target.base_url, api_key=target.api_key)


# --- avatars run ------------------------------------------------------------------------------


def _check_data_file(text: str) -> tuple[Path, str]:
    path = Path(text).expanduser()
    if not path.exists():
        raise CliError(f"no such file: {text} ; pass a CSV or Parquet file")
    if not path.is_file():
        raise CliError(f"{text} is a folder, not a file; pass a CSV or Parquet file")
    file_format = DATA_SUFFIXES.get(path.suffix.lower())
    if file_format is None:
        raise CliError(
            f"{text} is not a CSV or Parquet file (expected a name ending in .csv or "
            f".parquet); convert it first, e.g. with pandas"
        )
    return path, file_format


def _table_name(args: argparse.Namespace, path: Path) -> str:
    if args.table:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}", args.table):
            raise CliError(
                f"--table {args.table!r} is not a valid table name: use up to 128 letters, "
                "digits, _ and -, starting with a letter or a digit"
            )
        return str(args.table)
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem).strip("_-")[:128]
    return name or "table"


def _cmd_run(args: argparse.Namespace) -> int:
    from avatars import errors
    from avatars.constants import ReportLanguage

    path, file_format = _check_data_file(args.data)
    table = _table_name(args, path)
    out = Path(args.out).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create the output folder {out}: {exc.strerror}") from None
    started = time.monotonic()
    with _manager(args) as manager:
        _info(
            f"Avatarizing {path} as table {table!r} with k={args.k}, ncp={args.ncp} "
            f"on {args._server_description}"
        )
        runner = manager.create_runner(
            set_name=table, seed=args.seed, report_language=ReportLanguage(args.language)
        )
        runner.add_table(table, str(path))
        runner.set_parameters(table, k=args.k, ncp=args.ncp)
        try:
            with _step("upload and job submission"):
                runner.run()
            with _step("avatarization"):
                avatars = runner.shuffled(table)
            with _step("privacy metrics"):
                privacy = runner.privacy_metrics(table)
            with _step("signal metrics"):
                signal = runner.signal_metrics(table)
            report_path = out / "report.pdf"
            with _step("report"):
                runner.download_report(str(report_path))
        except KeyboardInterrupt:
            _cancel_jobs(runner)
            raise
        except (errors.JobFailedError, errors.JobCancelledError) as exc:
            raise CliError(_job_failure(runner, exc), EXIT_JOB_FAILED) from None
        avatars_path = out / f"{table}.avatars.{'parquet' if file_format == 'parquet' else 'csv'}"
        if file_format == "parquet":
            avatars.to_parquet(avatars_path, index=False)
        else:
            avatars.to_csv(avatars_path, index=False)
        privacy_doc, signal_doc = _metrics_document(privacy), _metrics_document(signal)
        metrics_path = out / "metrics.json"
        document = {
            "table": table,
            "source": str(path),
            "set_name": getattr(runner, "set_name", None),
            "parameters": {"k": args.k, "ncp": args.ncp, "seed": args.seed},
            "passed": bool(privacy_doc.get("passed")) and bool(signal_doc.get("passed")),
            "privacy_metrics": privacy_doc,
            "signal_metrics": signal_doc,
        }
        metrics_path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    elapsed = time.monotonic() - started
    title = f"Metrics for {table} (k={args.k}, ncp={args.ncp})"
    print(_display.metrics_table(privacy_doc, signal_doc, title=title))
    print(
        f"Done in {elapsed:.0f} s. Avatars: {avatars_path}  Metrics: {metrics_path}  "
        f"Report: {report_path}"
    )
    return EXIT_OK


@contextlib.contextmanager
def _step(label: str) -> Iterator[None]:
    """Say when a step is done, where no progress bar shows it (output not a terminal)."""
    started = time.monotonic()
    yield
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        _info(f"  {label}: done in {time.monotonic() - started:.1f} s")


_JOB_LABELS = {
    "standard": "avatarization",
    "privacy_metrics": "privacy metrics",
    "signal_metrics": "signal metrics",
    "report": "report",
}


def _job_failure(runner: Any, exc: Any) -> str:
    """Which step failed and the server's reason, e.g. 'the avatarization job ... failed: ...'."""
    jobs = getattr(runner, "jobs", {}) or {}
    kind = next((kind for kind, name in jobs.items() if name == exc.job_name), None)
    step = f"the {_JOB_LABELS.get(kind, kind)} job" if kind else "job"
    verb = "failed" if type(exc).__name__ == "JobFailedError" else "did not finish"
    return f"{step} {exc.job_name} {verb}: {exc.message}"


def _metrics_document(value: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics as the engine's plain JSON dict (the Runner returns a dict subclass)."""
    return json.loads(json.dumps(value, default=str))


def _cancel_jobs(runner: Any) -> None:
    """Best effort: cancel the runner's unfinished jobs so the server stops working for us."""
    jobs = getattr(runner, "jobs", None) or getattr(runner, "_jobs", None) or {}
    jobs = jobs.values() if isinstance(jobs, dict) else jobs
    names = [getattr(job, "name", job) for job in jobs]
    for name in names:
        with contextlib.suppress(Exception):
            runner.client.jobs.cancel_job(str(name))
    if names:
        _info(f"Cancelled {len(names)} job(s) on the server.")


# --- avatars server ---------------------------------------------------------------------------


def _cmd_server(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else _local.local_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    running = _local.running_server(data_dir)
    if running is not None:
        raise CliError(
            f"a server already runs with the data folder {data_dir} at {running} ; stop it "
            "first or pass another --data-dir"
        )
    credentials = data_dir / _local.CREDENTIALS_FILE
    command = [
        sys.executable,
        "-m",
        "avatar_server",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--data-dir",
        str(data_dir),
        "--credentials-file",
        str(credentials),
        *args.extra,
    ]
    shown_host = "127.0.0.1" if args.host in {"0.0.0.0", "::"} else args.host  # noqa: S104
    _info(f"Starting the avatar server on http://{shown_host}:{args.port} (Ctrl-C to stop)")
    _info(f"Data folder: {data_dir}")
    if not credentials.exists():
        _info(
            f"First start: the admin password and an API key will be written to {credentials} "
            "(readable only by you)."
        )
    else:
        _info(f"Admin credentials and API key: {credentials}")
    _local.record_foreground_server(data_dir, args.port)
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.platform == "win32":
        import subprocess

        return subprocess.call(command)  # noqa: S603
    os.execv(sys.executable, command)  # noqa: S606 - becomes the server, same pid


# --- avatars jobs / results -------------------------------------------------------------------


def _cmd_jobs(args: argparse.Namespace) -> int:
    with _manager(args) as manager:
        client = manager.auth_client
        jobs = client.jobs.get_jobs(limit=args.limit).jobs
    table = _display.jobs_table(jobs)
    print(table if jobs else "No jobs yet. Start one with `avatars run DATA`.")
    return EXIT_OK


def _cmd_results(args: argparse.Namespace) -> int:
    with _manager(args) as manager:
        client = manager.auth_client
        results = _results_mapping(client.results.get_results(args.job))
        if args.file:
            known = {name for files in results.values() for name in files}
            unknown = [name for name in args.file if name not in known]
            if unknown:
                raise CliError(
                    f"job {args.job} has no file {', '.join(unknown)}; "
                    f"run `avatars results {args.job}` to list its files"
                )
            results = {k: [f for f in v if f in args.file] for k, v in results.items()}
            results = {k: v for k, v in results.items() if v}
        print(_display.results_table(args.job, results))
        if args.download:
            folder = Path(args.download).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            for files in results.values():
                for name in files:
                    target = folder / Path(name).name
                    _download(client, args.job, name, target)
                    _info(f"downloaded {target}")
    return EXIT_OK


def _results_mapping(value: dict[str, list[str]]) -> dict[str, list[str]]:
    return {str(kind): [str(name) for name in files] for kind, files in value.items()}


def _download(client: ApiClient, job: str, name: str, target: Path) -> None:
    client.results.download_result_file(job, name, target)  # streamed, written atomically


# --- avatars api-key --------------------------------------------------------------------------


def _cmd_key_create(args: argparse.Namespace) -> int:
    with _manager(args) as manager:
        created = manager.auth_client.api_keys.create_api_key(
            name=args.name, expiration_days=args.expiration_days
        )
    print(created.key)
    expires = _display._format_time(getattr(created, "expires_at", None)) or "never"
    _info(
        f"Created API key {args.name!r} (id {created.id}, expires {expires}). It is shown only "
        "once: store it now, e.g. export AVATAR_API_KEY=<key>."
    )
    return EXIT_OK


def _cmd_key_list(args: argparse.Namespace) -> int:
    with _manager(args) as manager:
        keys = manager.auth_client.api_keys.get_api_keys().api_keys
    rows = [
        [
            str(key.id),
            str(key.name),
            _display._format_time(key.created_at),
            _display._format_time(getattr(key, "expires_at", None)) or "never",
            "revoked" if _display._field(key, "revoked_at") else "active",
        ]
        for key in keys
    ]
    print(_display.Table(["Id", "Name", "Created (UTC)", "Expires (UTC)", "State"], rows))
    return EXIT_OK


def _cmd_key_revoke(args: argparse.Namespace) -> int:
    with _manager(args) as manager:
        manager.auth_client.api_keys.revoke_api_key(args.key_id)
    print(f"Revoked API key {args.key_id}.")
    return EXIT_OK


# --- avatars login ----------------------------------------------------------------------------


def _cmd_login(args: argparse.Namespace) -> int:
    from avatars.client import ApiClient

    config = _config_file.read_config()
    url = args.server or os.environ.get("AVATAR_BASE_URL", "").strip() or config.base_url
    if not url:
        raise CliError(
            "pass the server to log in to with --server URL (commands without a server use "
            "the local one and need no login)"
        )
    username = args.username or _prompt("Username: ")
    password = getpass.getpass("Password: ")
    if not username or not password:
        raise CliError("a username and a password are needed to log in")
    args._server_description = f"the avatar server at {url}"
    replaced = config.api_key if config.base_url == url else None
    client = ApiClient(base_url=url)
    try:
        client.authenticate(username, password)
        name = f"avatars-cli {socket.gethostname()} {time.strftime('%Y-%m-%d')}"
        created = client.api_keys.create_api_key(name=name)
        path = _config_file.write_config(
            _config_file.UserConfig(base_url=url, api_key=created.key)
        )
        print(f"Logged in to {url} as {username}. API key {name!r} stored in {path} "
              f"(mode 0600).")
        if replaced:
            _revoke_replaced_key(client, replaced)
    finally:
        client.close()
    return EXIT_OK


def _revoke_replaced_key(client: ApiClient, key: str) -> None:
    """Revoke the key a new login replaces in the configuration file, when it is this
    account's (a key is ``<public id>.<secret>``; only the public id is sent)."""
    from avatars.errors import NotFoundError, PermissionDeniedError

    key_id = key.partition(".")[0]
    try:
        client.api_keys.revoke_api_key(key_id)
    except (NotFoundError, PermissionDeniedError):
        print(f"The key it replaces ({key_id}) was already revoked or belongs to another "
              f"account; it was left as it is.")
        return
    print(f"The key it replaces ({key_id}) is revoked.")


def _prompt(text: str) -> str:
    try:
        return input(text).strip()
    except EOFError:
        raise CliError("no username given (pass --username)") from None


if __name__ == "__main__":
    sys.exit(main())
