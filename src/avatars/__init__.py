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

from typing import TYPE_CHECKING, Any

from avatars._version import __version__
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

if TYPE_CHECKING:
    from avatars.client import ApiClient, AuthTokens
    from avatars.config import ClientConfig
    from avatars.manager import Manager
    from avatars.models import JobStatus
    from avatars.runner import Runner

# Imported when first used: `avatars` itself stays light (no pandas), so the `avatars`
# command starts the local server before it loads the data libraries. Relative names, so that
# a vendored copy (scripts/vendor.py) imports its own modules.
_LAZY = {
    "ApiClient": ".client",
    "AuthTokens": ".client",
    "ClientConfig": ".config",
    "Manager": ".manager",
    "JobStatus": ".models",
    "Runner": ".runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'avatars' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
