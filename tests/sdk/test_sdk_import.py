"""Importing the SDK has no global side effect."""

from __future__ import annotations

import json
import subprocess
import sys

import avatars

PROBE = r"""
import json, logging, os, sys, warnings
before = {
    "env": dict(os.environ),
    "handlers": [repr(h) for h in logging.getLogger().handlers],
    "level": logging.getLogger().level,
    "excepthook": repr(sys.excepthook),
    "cwd": os.getcwd(),
}
filters = list(warnings.filters)
import avatars, avatars.client, avatars.errors, avatars.config
after = {
    "env": dict(os.environ),
    "handlers": [repr(h) for h in logging.getLogger().handlers],
    "level": logging.getLogger().level,
    "excepthook": repr(sys.excepthook),
    "cwd": os.getcwd(),
}
# numpy (imported by pandas) registers its own filters; the SDK must add none.
added = [repr(f) for f in warnings.filters if f not in filters and "numpy" not in repr(f)]
print(json.dumps({"same": before == after, "filters": added,
                  "server": "avatar_server" in sys.modules,
                  "engine": "avatar_engine" in sys.modules}))
"""


def test_import_has_no_side_effects() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    report = json.loads(result.stdout)
    assert report == {"same": True, "filters": [], "server": False, "engine": False}
    assert result.stderr == ""


def test_public_names() -> None:
    expected = {
        "ApiClient",
        "AuthTokens",
        "ClientConfig",
        "Manager",
        "Runner",
        "AvatarsError",
        "ApiError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "PayloadTooLargeError",
        "ValidationError",
        "RateLimitError",
        "ServerError",
        "ConnectionError",
        "TimeoutError",
        "JobFailedError",
        "JobCancelledError",
        "IncompatibleClientError",
    }
    assert expected <= set(avatars.__all__)
    for name in avatars.__all__:
        assert getattr(avatars, name) is not None
    from avatars.client import ApiClient, AuthTokens

    assert avatars.ApiClient is ApiClient
    assert avatars.AuthTokens is AuthTokens


def test_an_api_key_client_loads_no_token_library() -> None:
    """PyJWT and cryptography (8.5 MiB resident) are for token logins only."""
    code = (
        "import json, sys\nimport avatars.manager, avatars.runner\nfrom avatars import ApiClient\n"
        "client = ApiClient('http://127.0.0.1:9/api', api_key='k')\n"
        "print(json.dumps([m for m in ('jwt', 'cryptography') if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    from avatars._auth import access_token_expiry

    assert access_token_expiry("not-a-jwt") is None
