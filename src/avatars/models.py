"""Models of the API under the names the established client uses.

``JobKind`` and ``JobStatus`` are ``StrEnum``: ``runner.get_status(JobKind.standard) ==
JobStatus.finished`` works, and so does comparing with plain strings. ``JobResponse`` and
``BulkDeleteResponse`` are the server's answers as this SDK returns them.

Example:
    >>> from avatars.models import JobKind, JobStatus
    >>> JobKind.privacy_metrics.value, JobStatus.finished == "finished"
    ('privacy_metrics', True)
"""

from __future__ import annotations

from avatar_api_client.models import BulkDeleteResponse, JobResponse

from avatars._compat.enums import JobKind, JobStatus

__all__ = ["BulkDeleteResponse", "JobKind", "JobResponse", "JobStatus"]
