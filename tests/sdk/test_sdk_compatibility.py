"""The compatibility check fails clearly when the SDK is too old or the URL is wrong."""

from __future__ import annotations

import httpx
import pytest
from fake_avatars_api import FakeAvatarsApi

import avatars
from avatars import ApiClient
from avatars._version import __version__


def client_for(handler: httpx.MockTransport) -> ApiClient:
    return ApiClient("http://avatars.test", http_client=httpx.Client(transport=handler))


def test_compatible_server() -> None:
    api = FakeAvatarsApi()
    client = client_for(api.transport)
    client.verify_compatibility()
    request = api.requests[-1]
    assert request.url.path == "/api/check_client"
    assert request.url.params["client_version"] == __version__
    assert request.headers["User-Agent"] == f"avatars-python/{__version__}"


def test_too_old_sdk_says_how_to_upgrade() -> None:
    api = FakeAvatarsApi(compatibility="incompatible")
    with pytest.raises(avatars.IncompatibleClientError) as caught:
        client_for(api.transport).verify_compatibility()
    message = str(caught.value)
    assert "too old" in message
    assert "pip install --upgrade 'avatars>=9.9.9'" in message


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(404, text="<html>Not Found</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(200, text="<html>Welcome</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(405, text="Method Not Allowed"),
    ],
)
def test_url_that_is_not_an_avatars_api(response: httpx.Response) -> None:
    client = client_for(httpx.MockTransport(lambda request: response))
    with pytest.raises(avatars.IncompatibleClientError, match="does not serve the avatars API"):
        client.verify_compatibility()


def test_server_errors_are_not_mistaken_for_a_wrong_url() -> None:
    client = client_for(httpx.MockTransport(lambda request: httpx.Response(500)))
    client._session.sleep = lambda seconds: None
    with pytest.raises(avatars.ServerError):
        client.verify_compatibility()
