"""Client settings: :class:`ClientConfig` and how they are resolved.

Each setting is taken, in this order, from the argument given to ``ApiClient``/``Manager``,
then from a :class:`ClientConfig`, then from the environment, then from the default:

==============================  ===========================  ==========================
setting                         environment variable         default
==============================  ===========================  ==========================
``base_url``                    ``AVATAR_BASE_URL``          ``http://localhost:8000/api``
``api_key``                     ``AVATAR_API_KEY``           none
``timeout`` (seconds)           ``AVATAR_TIMEOUT``           60
``should_verify_ssl``           ``AVATAR_SHOULD_VERIFY_SSL`` true
``should_verify_compatibility`` ``AVATAR_VERIFY_COMPATIBILITY`` true
==============================  ===========================  ==========================

Example:
    >>> from avatars import ClientConfig
    >>> ClientConfig(base_url="https://avatars.example.com", timeout=30).timeout
    30
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TypeVar

import attrs

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ClientConfig",
    "ResolvedConfig",
    "normalize_base_url",
    "resolve_config",
]

DEFAULT_BASE_URL = "http://localhost:8000/api"
DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 3

ENV_BASE_URL = "AVATAR_BASE_URL"
ENV_API_KEY = "AVATAR_API_KEY"
ENV_TIMEOUT = "AVATAR_TIMEOUT"
ENV_VERIFY_SSL = "AVATAR_SHOULD_VERIFY_SSL"
ENV_VERIFY_COMPATIBILITY = "AVATAR_VERIFY_COMPATIBILITY"

_T = TypeVar("_T")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@attrs.frozen(kw_only=True)
class ClientConfig:
    """Settings for :class:`~avatars.client.ApiClient` and :class:`~avatars.manager.Manager`.

    Every field left to ``None`` falls back to the environment, then to the default.

    Attributes:
        base_url: root of the API, e.g. ``https://avatars.example.com/api`` (``/api`` is added
            when missing).
        api_key: API key sent as ``Authorization: api-key-v1 <key>``.
        timeout: default timeout of every request, in seconds (finite).
        should_verify_ssl: verify TLS certificates.
        should_verify_compatibility: check at start that the server accepts this SDK version.
        max_retries: how many times a failed idempotent request is retried.
        max_retry_wait: longest wait (seconds) accepted from a ``Retry-After`` header; a longer
            one makes the call fail at once with :class:`~avatars.errors.RateLimitError`.

    Example:
        >>> config = ClientConfig(base_url="http://127.0.0.1:8000", timeout=10)
        >>> config.base_url
        'http://127.0.0.1:8000'
    """

    base_url: str | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    timeout: float | None = attrs.field(default=None, validator=lambda _i, _a, v: _check_opt(v))
    should_verify_ssl: bool | None = None
    should_verify_compatibility: bool | None = None
    max_retries: int = attrs.field(default=DEFAULT_MAX_RETRIES, validator=attrs.validators.ge(0))
    max_retry_wait: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))


def _check_opt(value: float | None) -> None:
    if value is not None:
        check_timeout(value, "timeout")


@attrs.frozen(kw_only=True)
class ResolvedConfig:
    """Settings after applying arguments, :class:`ClientConfig`, environment and defaults."""

    base_url: str
    api_key: str | None = attrs.field(repr=False)
    timeout: float
    should_verify_ssl: bool
    should_verify_compatibility: bool
    max_retries: int
    max_retry_wait: float


def check_timeout(value: object, name: str) -> float:
    """Return ``value`` as a float if it is a finite positive number of seconds, else raise."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}") from None
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a finite number of seconds greater than 0, got {value!r}")
    return seconds


def normalize_base_url(url: str) -> str:
    """Return ``url`` without a trailing slash and ending in ``/api``.

    Example:
        >>> normalize_base_url("http://127.0.0.1:8000/")
        'http://127.0.0.1:8000/api'
        >>> normalize_base_url("https://host/api/")
        'https://host/api'
    """
    url = url.strip()
    if "://" not in url:
        raise ValueError(
            f"base_url must be an absolute http(s) URL such as https://host/api, got {url!r}"
        )
    scheme = url.split("://", 1)[0].lower()
    if scheme not in {"http", "https"}:
        raise ValueError(f"base_url must use http or https, got {url!r}")
    url = url.rstrip("/")
    if not url.endswith("/api"):
        url += "/api"
    return url


def _env_bool(env: Mapping[str, str], name: str) -> bool | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no")


def _env_str(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name)
    return raw.strip() if raw and raw.strip() else None


def _first(*values: _T | None) -> _T | None:
    for value in values:
        if value is not None:
            return value
    return None


def resolve_config(
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float | None = None,
    should_verify_ssl: bool | None = None,
    should_verify_compatibility: bool | None = None,
    config: ClientConfig | None = None,
    env: Mapping[str, str] | None = None,
) -> ResolvedConfig:
    """Resolve every setting: argument, then ``config``, then environment, then default.

    Example:
        >>> resolve_config(timeout=5, env={}).timeout
        5.0
        >>> resolve_config(env={"AVATAR_TIMEOUT": "12"}).timeout
        12.0
    """
    env = os.environ if env is None else env
    config = config or ClientConfig()
    env_timeout = _env_str(env, ENV_TIMEOUT)
    timeout_value = _first(
        timeout,
        config.timeout,
        check_timeout(env_timeout, ENV_TIMEOUT) if env_timeout is not None else None,
    )
    url = _first(base_url, config.base_url, _env_str(env, ENV_BASE_URL)) or DEFAULT_BASE_URL
    return ResolvedConfig(
        base_url=normalize_base_url(url),
        api_key=_first(api_key, config.api_key, _env_str(env, ENV_API_KEY)),
        timeout=check_timeout(timeout_value, "timeout")
        if timeout_value is not None
        else DEFAULT_TIMEOUT,
        should_verify_ssl=_first(
            should_verify_ssl, config.should_verify_ssl, _env_bool(env, ENV_VERIFY_SSL)
        )
        is not False,
        should_verify_compatibility=_first(
            should_verify_compatibility,
            config.should_verify_compatibility,
            _env_bool(env, ENV_VERIFY_COMPATIBILITY),
        )
        is not False,
        max_retries=config.max_retries,
        max_retry_wait=config.max_retry_wait,
    )
