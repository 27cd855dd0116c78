"""Authentication: API key, password login (deprecated), lazy token refresh."""

from __future__ import annotations

import json
import threading
import time
import uuid
import warnings
from collections.abc import Iterator

import pytest
from fake_avatars_api import FakeAvatarsApi

import avatars
from avatars import ApiClient, AuthTokens


@pytest.fixture
def api() -> FakeAvatarsApi:
    return FakeAvatarsApi()


@pytest.fixture
def client(api: FakeAvatarsApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiClient]:
    monkeypatch.delenv("AVATAR_API_KEY", raising=False)
    client = ApiClient("http://avatars.test", http_client=api.client())
    yield client
    client.close()


def login(client: ApiClient, api: FakeAvatarsApi) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", avatars.AvatarsDeprecationWarning)
        client.authenticate(api.username, api.password)


def test_authenticate_sends_bearer_and_warns_with_migration_steps(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    with pytest.warns(avatars.AvatarsDeprecationWarning) as record:
        client.authenticate("user", "pass")
    assert issubclass(avatars.AvatarsDeprecationWarning, DeprecationWarning)
    warning = record[0]
    assert warning.filename == __file__  # attributed to the caller, so default filters show it
    text = str(warning.message)
    for step in ("create_api_key", "ApiClient(api_key=", "AVATAR_API_KEY", "Manager(api_key="):
        assert step in text
    assert client.auth_tokens is not None
    assert client.auth_tokens.refresh is not None

    assert client.users.get_me().username == "user"
    assert api.requests[-1].headers["Authorization"] == f"Bearer {client.auth_tokens.access}"


def test_wrong_password_raises_and_keeps_no_tokens(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(avatars.AuthenticationError, match="Wrong username or password"):
            client.authenticate("user", "wrong")
    assert client.auth_tokens is None


def test_api_key_header_and_no_token_exchange(api: FakeAvatarsApi) -> None:
    client = ApiClient("http://avatars.test", api_key=api.api_key, http_client=api.client())
    assert client.users.get_me().username == "user"
    assert [r.url.path for r in api.requests] == ["/api/users/me"]
    assert api.requests[0].headers["Authorization"] == "api-key-v1 the-api-key"
    assert "the-api-key" not in repr(client)


def test_api_key_and_password_are_mutually_exclusive(
    api: FakeAvatarsApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = ApiClient("http://avatars.test", api_key=api.api_key, http_client=api.client())
    with pytest.raises(ValueError, match="API key"):
        client.authenticate("user", "pass")
    monkeypatch.setenv("AVATAR_API_KEY", api.api_key)
    from_env = ApiClient("http://avatars.test", http_client=api.client())
    with pytest.raises(ValueError, match="AVATAR_API_KEY"):
        from_env.authenticate("user", "pass")
    assert api.count("POST", "/api/login") == 0


def test_verify_auth_refuses_unauthenticated_calls_before_sending(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    with pytest.raises(avatars.AuthenticationError, match="authenticate"):
        client.jobs.get_jobs()
    assert api.requests == []
    assert client.health.get_health().status == "ok"  # public routes need no credentials

    lax = ApiClient("http://avatars.test", verify_auth=False, http_client=api.client())
    with pytest.raises(avatars.AuthenticationError, match="Send an API key"):
        lax.jobs.get_jobs()
    assert "Authorization" not in api.requests[-1].headers


def test_expired_access_token_is_refreshed_once_under_concurrency(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    login(client, api)
    first_refresh = client.auth_tokens.refresh if client.auth_tokens else None
    client._auth._clock = lambda: time.time() + 1000  # the access token now looks expired
    api.access_lifetime = 5000  # refreshed tokens are valid even for the shifted clock
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    failures: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            client.users.get_me()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert api.refresh_calls == 1
    assert client._auth.refresh_count == 1
    assert client.auth_tokens is not None
    assert client.auth_tokens.refresh != first_refresh  # rotated
    assert api.count("GET", "/api/users/me") == threads_count


def test_a_401_on_a_valid_looking_token_refreshes_and_retries_once(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    login(client, api)
    api.valid_access.clear()  # e.g. the server restarted and forgot its sessions
    assert client.users.get_me().username == "user"
    assert api.refresh_calls == 1
    assert api.count("GET", "/api/users/me") == 2

    api.valid_access.clear()
    api.valid_refresh.clear()  # the refresh fails too: the 401 surfaces
    with pytest.raises(avatars.AuthenticationError):
        client.users.get_me()


def test_forgotten_and_reset_password(api: FakeAvatarsApi, client: ApiClient) -> None:
    client.forgotten_password("user@example.com")
    assert json.loads(api.requests[-1].content) == {"email": "user@example.com"}
    token = uuid.uuid4()
    client.reset_password("user@example.com", "a-new-passw0rd", "a-new-passw0rd", token)
    body = json.loads(api.requests[-1].content)
    assert body["token"] == str(token)
    assert body["new_password_repeated"] == "a-new-passw0rd"
    with pytest.raises(ValueError, match="differ"):
        client.reset_password("user@example.com", "one", "two", token)


def test_auth_tokens_update_keeps_refresh_when_absent() -> None:
    from avatar_api_client.models import LoginResponse

    tokens = AuthTokens(access="a1", refresh="r1")
    tokens.update(LoginResponse(access_token="a2", refresh_token="r2", token_type="bearer"))
    assert (tokens.access, tokens.refresh) == ("a2", "r2")
    tokens.update(LoginResponse(access_token="a3", refresh_token="", token_type="bearer"))
    assert (tokens.access, tokens.refresh) == ("a3", "r2")
    assert "a3" not in repr(tokens)


def test_a_refresh_inside_a_job_creation_does_not_inherit_its_idempotency_key(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    login(client, api)
    api.valid_access.clear()
    client.jobs.create_job("set-1", "standard", idempotency_key="k-1")
    refreshes = [r for r in api.requests if r.url.path == "/api/refresh"]
    assert len(refreshes) == 1
    assert "Idempotency-Key" not in refreshes[0].headers
    assert [r.headers["Idempotency-Key"] for r in api.requests if r.url.path == "/api/jobs"] == [
        "k-1",
        "k-1",
    ]
    assert len(api.jobs) == 1
