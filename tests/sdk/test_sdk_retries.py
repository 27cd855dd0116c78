"""Fault injection: retries, backoff, Retry-After, idempotency and timeouts."""

from __future__ import annotations

import builtins
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from fake_avatars_api import FakeAvatarsApi, drop_after, error, refuse
from hypothesis import given
from hypothesis import strategies as st

import avatars
from avatars import ApiClient, ClientConfig
from avatars._policies import RetryPolicy, parse_retry_after
from avatars._version import __version__


@pytest.fixture
def api() -> FakeAvatarsApi:
    return FakeAvatarsApi()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(api: FakeAvatarsApi, sleeps: list[float]) -> Iterator[ApiClient]:
    client = ApiClient("http://avatars.test", api_key=api.api_key, http_client=api.client())
    client._session.sleep = sleeps.append
    yield client
    client.close()


def unavailable(request: httpx.Request) -> httpx.Response:
    return error(503, "unavailable", "Try again.")


def test_503_then_success_creates_exactly_one_job(
    api: FakeAvatarsApi, client: ApiClient, sleeps: list[float]
) -> None:
    api.fail("POST /api/jobs", unavailable)

    created = client.jobs.create_job("set-1", "standard")

    assert list(api.jobs) == [created.name]
    assert api.count("POST", "/api/jobs") == 2
    keys = {r.headers["Idempotency-Key"] for r in api.requests if r.method == "POST"}
    assert len(keys) == 1  # the retry reuses the key of the first attempt
    assert len(sleeps) == 1


def test_connection_dropped_after_post_with_key_creates_one_job(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    api.fail("POST /api/jobs", drop_after(api.route))

    created = client.jobs.create_job("set-1", "standard")

    assert api.count("POST", "/api/jobs") == 2
    assert list(api.jobs) == [created.name]


def test_post_without_idempotency_key_is_not_retried(
    api: FakeAvatarsApi, client: ApiClient
) -> None:
    api.fail("POST /api/jobs", drop_after(api.route))
    with pytest.raises(avatars.ConnectionError):
        client.request("POST", "/jobs", json={"set_name": "s", "parameters_name": "standard"})
    assert api.count("POST", "/api/jobs") == 1
    assert len(api.jobs) == 1

    api.fail("POST /api/jobs", unavailable)
    with pytest.raises(avatars.ServerError) as caught:
        client.request("POST", "/jobs", json={"set_name": "s", "parameters_name": "standard"})
    assert caught.value.status_code == 503
    assert api.count("POST", "/api/jobs") == 2


def test_injected_idempotency_key_factory_is_used(api: FakeAvatarsApi, client: ApiClient) -> None:
    client.idempotency_key_factory = lambda: "fixed-key"
    first = client.jobs.create_job("set-1", "standard")
    second = client.jobs.create_job("set-1", "standard")
    assert first.name == second.name
    assert api.requests[-1].headers["Idempotency-Key"] == "fixed-key"


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_for_get(
    api: FakeAvatarsApi, client: ApiClient, status: int
) -> None:
    api.fail("GET /api/health", lambda r: error(status, "gateway", "Try again."))
    assert client.health.get_health().status == "ok"
    assert api.count("GET", "/api/health") == 2


def test_429_honours_retry_after_seconds(
    api: FakeAvatarsApi, client: ApiClient, sleeps: list[float]
) -> None:
    api.fail("GET /api/users/me", lambda r: error(429, "rate_limited", "Slow down.", **{
        "Retry-After": "7"
    }))
    assert client.users.get_me().username == "user"
    assert sleeps == [7.0]


def test_429_honours_retry_after_http_date(
    api: FakeAvatarsApi, client: ApiClient, sleeps: list[float]
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    api.fail("GET /api/users/me", lambda r: error(429, "rate_limited", "Slow", **{
        "Retry-After": when
    }))
    client.users.get_me()
    assert len(sleeps) == 1
    assert 25 <= sleeps[0] <= 30


def test_429_post_is_retried_because_it_was_not_processed(
    api: FakeAvatarsApi, client: ApiClient, sleeps: list[float]
) -> None:
    api.fail("POST /api/jobs", lambda r: error(429, "rate_limited", "Slow", **{"Retry-After": "1"}))
    client.request("POST", "/jobs", json={"set_name": "s", "parameters_name": "standard"})
    assert sleeps == [1.0]
    assert len(api.jobs) == 1


def test_retry_after_over_the_cap_raises_at_once(
    api: FakeAvatarsApi, sleeps: list[float]
) -> None:
    client = ApiClient(
        "http://avatars.test",
        api_key=api.api_key,
        http_client=api.client(),
        config=ClientConfig(max_retry_wait=10),
    )
    client._session.sleep = sleeps.append
    api.fail("GET /api/users/me", lambda r: error(429, "rate_limited", "Slow", **{
        "Retry-After": "3600"
    }))
    with pytest.raises(avatars.RateLimitError) as caught:
        client.users.get_me()
    assert caught.value.retry_after == 3600
    assert "Wait 3600 seconds" in str(caught.value)
    assert sleeps == []


def test_retries_are_bounded_then_the_error_is_raised(
    api: FakeAvatarsApi, client: ApiClient, sleeps: list[float]
) -> None:
    api.fail("GET /api/health", *[unavailable] * 10)
    with pytest.raises(avatars.ServerError):
        client.health.get_health()
    assert api.count("GET", "/api/health") == 4  # 1 + max_retries (3)
    assert len(sleeps) == 3


def test_backoff_is_exponential_with_full_jitter() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0)
    assert [policy.backoff(n, lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert policy.backoff(3, lambda: 0.0) == 0.0
    assert 0 <= policy.backoff(2) <= 2.0


def test_parse_retry_after_rejects_garbage() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-5") == 0.0


def test_refused_connection_is_retried_then_raises_connection_error(
    api: FakeAvatarsApi, client: ApiClient, sleeps: list[float]
) -> None:
    api.fail("POST /api/jobs", refuse)
    client.request("POST", "/jobs", json={"set_name": "s", "parameters_name": "standard"})
    assert len(api.jobs) == 1  # a refused connection never reached the server: safe to retry

    api.fail("GET /api/health", *[refuse] * 4)
    with pytest.raises(avatars.ConnectionError) as caught:
        client.health.get_health()
    assert isinstance(caught.value, builtins.ConnectionError)
    assert isinstance(caught.value, avatars.AvatarsError)
    assert "AVATAR_BASE_URL" in str(caught.value)


def test_user_agent_and_per_call_timeout(api: FakeAvatarsApi, client: ApiClient) -> None:
    client.health.get_health()
    client.health.get_health(timeout=2.5)
    default, override = api.requests[-2:]
    assert default.headers["User-Agent"] == f"avatars-python/{__version__}"
    assert default.extensions["timeout"]["read"] == 60.0
    assert override.extensions["timeout"]["read"] == 2.5


def test_long_poll_timeout_covers_the_wait(api: FakeAvatarsApi, client: ApiClient) -> None:
    name = client.jobs.create_job("set-1", "standard").name
    client.jobs.get_job(name, wait=30)
    request = api.requests[-1]
    assert request.url.params["wait"] == "30"
    assert request.extensions["timeout"]["read"] == 90.0
    with pytest.raises(ValueError, match="wait"):
        client.jobs.get_job(name, wait=61)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_timeout_surfaces_as_sdk_timeout_error_in_time(silent_server: str) -> None:
    client = ApiClient(silent_server, timeout=0.3)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(avatars.TimeoutError) as caught:
        client.health.get_health()
    elapsed = time.monotonic() - started
    client.close()
    assert elapsed < 1.5
    assert isinstance(caught.value, builtins.TimeoutError)
    assert "0.3 s" in str(caught.value)
    assert "AVATAR_TIMEOUT" in str(caught.value)


@given(
    attempt=st.integers(min_value=0, max_value=50),
    draw=st.floats(min_value=0.0, max_value=1.0),
    base=st.floats(min_value=0.01, max_value=5.0),
    cap=st.floats(min_value=0.01, max_value=60.0),
)
def test_backoff_stays_within_its_ceiling(
    attempt: int, draw: float, base: float, cap: float
) -> None:
    wait = RetryPolicy(backoff_base=base, backoff_cap=cap).backoff(attempt, lambda: draw)
    assert 0.0 <= wait <= min(cap, base * 2**attempt) + 1e-9


@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "POST", "PATCH"]),
    keyed=st.booleans(),
    status=st.sampled_from([400, 404, 429, 500, 501, 502, 503, 504]),
    attempt=st.integers(min_value=0, max_value=5),
)
def test_retry_decisions_never_repeat_an_unsafe_request(
    method: str, keyed: bool, status: int, attempt: int
) -> None:
    policy = RetryPolicy(max_retries=3)
    headers = {"Idempotency-Key": "k"} if keyed else {}
    request = httpx.Request(method, "http://h/api/x", headers=headers)
    wait = policy.retry_wait(request, httpx.Response(status, request=request), attempt)
    safe = method in {"GET", "PUT", "DELETE"} or keyed
    retryable = (status in {502, 503, 504} and safe) or status == 429
    assert (wait is not None) == (retryable and attempt < 3)
