"""Settings precedence (argument > ClientConfig > environment > default) and validation."""

from __future__ import annotations

import httpx
import pytest
from fake_avatars_api import FakeAvatarsApi

from avatars import ApiClient, ClientConfig
from avatars.config import resolve_config

ENV = (
    "AVATAR_BASE_URL",
    "AVATAR_API_KEY",
    "AVATAR_TIMEOUT",
    "AVATAR_SHOULD_VERIFY_SSL",
    "AVATAR_VERIFY_COMPATIBILITY",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


def test_defaults() -> None:
    client = ApiClient()
    assert client.base_url == "http://localhost:8000/api"
    assert client.timeout == 60.0
    assert client.should_verify_ssl is True
    assert client.should_verify_compatibility is True
    assert client.api_key is None
    assert client.verify_auth is True


def test_environment_over_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AVATAR_BASE_URL", "https://env.example.com")
    monkeypatch.setenv("AVATAR_API_KEY", "env-key")
    monkeypatch.setenv("AVATAR_TIMEOUT", "12.5")
    monkeypatch.setenv("AVATAR_SHOULD_VERIFY_SSL", "false")
    monkeypatch.setenv("AVATAR_VERIFY_COMPATIBILITY", "0")
    client = ApiClient()
    assert client.base_url == "https://env.example.com/api"
    assert client.api_key == "env-key"
    assert client.timeout == 12.5
    assert client.should_verify_ssl is False
    assert client.should_verify_compatibility is False


def test_config_over_environment_and_arguments_over_config(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AVATAR_BASE_URL", "https://env.example.com/api")
    monkeypatch.setenv("AVATAR_TIMEOUT", "12")
    monkeypatch.setenv("AVATAR_API_KEY", "env-key")
    config = ClientConfig(base_url="https://config.example.com/api/", timeout=30, api_key="cfg")
    from_config = ApiClient(config=config)
    assert (from_config.base_url, from_config.timeout, from_config.api_key) == (
        "https://config.example.com/api",
        30.0,
        "cfg",
    )
    explicit = ApiClient("https://arg.example.com", timeout=5, api_key="arg", config=config)
    assert (explicit.base_url, explicit.timeout, explicit.api_key) == (
        "https://arg.example.com/api",
        5.0,
        "arg",
    )
    assert ApiClient(should_verify_ssl=False, config=ClientConfig(should_verify_ssl=True)) \
        .should_verify_ssl is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/api"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/api"),
        ("https://host/api", "https://host/api"),
        ("https://host/prefix/api/", "https://host/prefix/api"),
    ],
)
def test_missing_api_suffix_is_added(url: str, expected: str) -> None:
    assert ApiClient(url).base_url == expected


def test_requests_go_below_the_base_url_prefix() -> None:
    api = FakeAvatarsApi()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"status": "ok", "version": "1"})

    client = ApiClient(
        "https://host/prefix", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client.health.get_health()
    assert seen == ["https://host/prefix/api/health"]
    del api


@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("AVATAR_TIMEOUT", "soon", "AVATAR_TIMEOUT"),
        ("AVATAR_TIMEOUT", "0", "AVATAR_TIMEOUT"),
        ("AVATAR_TIMEOUT", "inf", "AVATAR_TIMEOUT"),
        ("AVATAR_SHOULD_VERIFY_SSL", "maybe", "AVATAR_SHOULD_VERIFY_SSL"),
        ("AVATAR_VERIFY_COMPATIBILITY", "2", "AVATAR_VERIFY_COMPATIBILITY"),
        ("AVATAR_BASE_URL", "ftp://host", "http or https"),
        ("AVATAR_BASE_URL", "host:8000", "absolute"),
    ],
)
def test_invalid_environment_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, match: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=match):
        ApiClient()


def test_invalid_and_conflicting_arguments() -> None:
    with pytest.raises(ValueError, match="should_verify_ssl and http_client"):
        ApiClient(http_client=httpx.Client(), should_verify_ssl=False)
    with pytest.raises(ValueError, match="timeout"):
        ApiClient(timeout=0)
    with pytest.raises(ValueError, match="timeout"):
        ClientConfig(timeout=-1)
    with pytest.raises(ValueError, match="api_key"):
        ApiClient(api_key=" ")
    with pytest.raises(ValueError, match="http_client"):
        ApiClient(http_client=object())  # type: ignore[arg-type]


def test_custom_http_client_keeps_auth_and_policies() -> None:
    api = FakeAvatarsApi()
    custom = httpx.Client(transport=api.transport, headers={"X-Proxy-Tag": "corp"})
    client = ApiClient("http://avatars.test", api_key=api.api_key, http_client=custom)
    client._session.sleep = lambda seconds: None
    api.fail("GET /api/users/me", lambda r: httpx.Response(503))
    assert client.users.get_me().username == "user"
    request = api.requests[-1]
    assert request.headers["Authorization"] == "api-key-v1 the-api-key"
    assert request.headers["X-Proxy-Tag"] == "corp"
    assert request.headers["User-Agent"].startswith("avatars-python/")
    client.close()
    assert not custom.is_closed  # the caller owns the client it passed


def test_resolve_config_reads_the_given_mapping_only() -> None:
    resolved = resolve_config(env={"AVATAR_TIMEOUT": "3"})
    assert resolved.timeout == 3.0
    assert "api_key" not in repr(ClientConfig(api_key="secret")) or "secret" not in repr(
        ClientConfig(api_key="secret")
    )
