"""Every error status maps to its exception, with a message that says what to do."""

from __future__ import annotations

import pickle

import httpx
import pytest

import avatars
from avatars import ApiClient, ClientConfig
from avatars.errors import ApiError, error_for_status

CASES = [
    (400, avatars.ValidationError),
    (401, avatars.AuthenticationError),
    (403, avatars.PermissionDeniedError),
    (404, avatars.NotFoundError),
    (409, avatars.ConflictError),
    (413, avatars.PayloadTooLargeError),
    (422, avatars.ValidationError),
    (429, avatars.RateLimitError),
    (500, avatars.ServerError),
    (502, avatars.ServerError),
    (503, avatars.ServerError),
    (504, avatars.ServerError),
    (418, avatars.ApiError),
]


def client_answering(response: httpx.Response) -> ApiClient:
    transport = httpx.MockTransport(lambda request: response)
    return ApiClient(
        "http://avatars.test",
        api_key="k",
        http_client=httpx.Client(transport=transport),
        config=ClientConfig(max_retries=0),
    )


@pytest.mark.parametrize(("status", "cls"), CASES)
def test_each_status_raises_its_exception(status: int, cls: type[ApiError]) -> None:
    response = httpx.Response(
        status,
        json={"detail": "Explain and fix.", "code": "some_code"},
        headers={"X-Request-ID": "req-42", "Retry-After": "5"},
    )
    client = client_answering(response)
    with pytest.raises(cls) as caught:
        client.jobs.get_job("job-1")
    error = caught.value
    assert type(error) is cls
    assert isinstance(error, avatars.ApiError)
    assert isinstance(error, avatars.AvatarsError)
    assert (error.status_code, error.code, error.detail, error.request_id) == (
        status,
        "some_code",
        "Explain and fix.",
        "req-42",
    )
    message = str(error)
    assert "Explain and fix." in message
    assert "GET http://avatars.test/api/jobs/job-1" in message
    assert "req-42" in message


def test_facades_never_return_none_for_errors() -> None:
    client = client_answering(httpx.Response(404, json={"detail": "No job.", "code": "x"}))
    for call in (
        lambda: client.jobs.get_jobs(),
        lambda: client.results.get_results("j"),
        lambda: client.health.get_health(),
        lambda: client.datasets.get_datasets(),
        lambda: client.users.get_me(),
        lambda: client.api_keys.get_api_keys(),
    ):
        with pytest.raises(avatars.NotFoundError):
            call()


def test_unparseable_success_is_an_error_not_none() -> None:
    client = client_answering(httpx.Response(200, json={"status": "ok", "version": "1"}))
    with pytest.raises(avatars.ApiError, match="cannot read"):
        client.api_keys.create_api_key("k")  # documented as 201 only


def test_non_json_error_body_is_summarised() -> None:
    html = httpx.Response(404, text="<html>Not here</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(avatars.NotFoundError, match="HTML page"):
        client_answering(html).users.get_me()
    text = httpx.Response(500, text="boom")
    with pytest.raises(avatars.ServerError, match="boom"):
        client_answering(text).users.get_me()


def test_messages_say_what_to_do() -> None:
    assert "API key" in str(error_for_status(401, "c", "d"))
    assert "Wait 3 seconds" in str(error_for_status(429, "c", "d", retry_after=3))
    assert "upload limit" in str(error_for_status(413, "c", "d"))
    assert "report it" in str(error_for_status(503, "c", "d"))


def test_errors_survive_pickling() -> None:
    error = error_for_status(429, "rate_limited", "Slow down.", "r1", retry_after=2.0)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is avatars.RateLimitError
    assert copy.retry_after == 2.0
    assert (copy.status_code, copy.code, copy.detail, copy.request_id) == (
        429,
        "rate_limited",
        "Slow down.",
        "r1",
    )
    failed = pickle.loads(pickle.dumps(avatars.JobFailedError("j1", "k too large")))
    assert (failed.job_name, failed.message) == ("j1", "k too large")


def test_job_errors_carry_the_server_reason() -> None:
    failed = avatars.JobFailedError("job-1", "Column 'age' has only missing values.")
    assert failed.job_name == "job-1"
    assert "Column 'age'" in str(failed)
    cancelled = avatars.JobCancelledError("job-2")
    assert "Run it again" in str(cancelled)
    assert not issubclass(avatars.JobCancelledError, avatars.ApiError)


def test_redirects_are_not_followed_and_say_where_to_go() -> None:
    moved = httpx.Response(301, headers={"Location": "https://avatars.test/api/users/me"})
    with pytest.raises(avatars.ApiError, match="use that address as base_url") as caught:
        client_answering(moved).users.get_me()
    assert caught.value.status_code == 301


def test_a_body_of_the_wrong_shape_is_a_typed_error() -> None:
    page = httpx.Response(200, text="<html>Welcome</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(avatars.IncompatibleClientError, match="avatars API"):
        client_answering(page).health.get_health()
    other_api = httpx.Response(201, json={"unexpected": True})
    with pytest.raises(avatars.IncompatibleClientError, match="cannot read"):
        client_answering(other_api).resources.put_resources("demo", "kind: AvatarMetadata\n")
