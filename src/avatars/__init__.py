"""avatars: anonymize personal tabular data with the avatar method.

Public API::

    from avatars import Manager, Runner, ApiClient, AuthTokens, ClientConfig
    from avatars import AvatarsError, ApiError, NotFoundError, ...   # see avatars.errors

Importing the package has no side effect: no logging setup, no environment change, no network.

Example:
    >>> from avatars import Manager
    >>> manager = Manager(api_key="...")  # doctest: +SKIP
    >>> runner = manager.create_runner(set_name="demo")  # doctest: +SKIP
"""

from avatars._version import __version__
from avatars.client import ApiClient, AuthTokens
from avatars.config import ClientConfig
from avatars.errors import (
    ApiError,
    AuthenticationError,
    AvatarsDeprecationWarning,
    AvatarsError,
    ConflictError,
    ConnectionError,
    IncompatibleClientError,
    JobCancelledError,
    JobFailedError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
    ValidationError,
)
from avatars.manager import Manager
from avatars.models import JobStatus
from avatars.runner import Runner

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthTokens",
    "AuthenticationError",
    "AvatarsDeprecationWarning",
    "AvatarsError",
    "ClientConfig",
    "ConflictError",
    "ConnectionError",
    "IncompatibleClientError",
    "JobCancelledError",
    "JobFailedError",
    "JobStatus",
    "Manager",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "Runner",
    "ServerError",
    "TimeoutError",
    "ValidationError",
    "__version__",
]
