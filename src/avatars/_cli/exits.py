"""Exit codes, and the one actionable message each failure is turned into."""

from __future__ import annotations

import argparse

from avatars import _config_file, _local

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_CREDENTIALS = 4
EXIT_JOB_FAILED = 5
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """An expected failure: printed as one message, mapped to an exit code.

    Example:
        >>> raise CliError("no such file: a.csv ; pass a CSV or Parquet file")  # doctest: +SKIP
    """

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def classify(exc: BaseException, args: argparse.Namespace) -> tuple[int, str]:
    """Exit code and one actionable message for an exception.

    Example:
        >>> classify(CliError("bad"), argparse.Namespace())
        (2, 'bad')
    """
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
