from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.compatibility_response import CompatibilityResponse
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    client_version: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_client_version: None | str | Unset
    if isinstance(client_version, Unset):
        json_client_version = UNSET
    else:
        json_client_version = client_version
    params["client_version"] = json_client_version

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/check_client",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CompatibilityResponse | ErrorResponse | None:
    if response.status_code == 200:
        response_200 = CompatibilityResponse.from_dict(response.json())

        return response_200

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[CompatibilityResponse | ErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    client_version: None | str | Unset = UNSET,
) -> Response[CompatibilityResponse | ErrorResponse]:
    """Check Client

     Check an SDK version, given as ``client_version`` or in the User-Agent.

    Args:
        client_version (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompatibilityResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        client_version=client_version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    client_version: None | str | Unset = UNSET,
) -> CompatibilityResponse | ErrorResponse | None:
    """Check Client

     Check an SDK version, given as ``client_version`` or in the User-Agent.

    Args:
        client_version (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompatibilityResponse | ErrorResponse
    """

    return sync_detailed(
        client=client,
        client_version=client_version,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    client_version: None | str | Unset = UNSET,
) -> Response[CompatibilityResponse | ErrorResponse]:
    """Check Client

     Check an SDK version, given as ``client_version`` or in the User-Agent.

    Args:
        client_version (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CompatibilityResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        client_version=client_version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    client_version: None | str | Unset = UNSET,
) -> CompatibilityResponse | ErrorResponse | None:
    """Check Client

     Check an SDK version, given as ``client_version`` or in the User-Agent.

    Args:
        client_version (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CompatibilityResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            client_version=client_version,
        )
    ).parsed
