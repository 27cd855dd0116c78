"""Failures a job reports to its user: the reason says what to fix."""

from __future__ import annotations

__all__ = ["JobCancelled", "JobFailure"]


class JobFailure(Exception):  # noqa: N818 (contract name)
    """The job cannot complete for a reason the user can fix; ``user_message`` says how.

    Example:
        >>> raise JobFailure("column 'age': row 3 is not a number; fix the data.")
        Traceback (most recent call last):
        ...
        avatar_server.job_failures.JobFailure: column 'age': row 3 is not a number; fix the data.
    """

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class JobCancelled(JobFailure):
    """``should_stop()`` returned True: the job stopped at a safe point."""

    def __init__(self) -> None:
        super().__init__("the job was cancelled.")
