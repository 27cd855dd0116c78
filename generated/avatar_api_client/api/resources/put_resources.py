from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.resource_set_response import ResourceSetResponse
from ...types import File, Response


def _get_kwargs(
    display_name: str,
    *,
    body: File,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/resources/{display_name}".format(
            display_name=quote(str(display_name), safe=""),
        ),
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ResourceSetResponse | None:
    if response.status_code == 201:
        response_201 = ResourceSetResponse.from_dict(response.json())

        return response_201

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

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
) -> Response[ErrorResponse | ResourceSetResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    display_name: str,
    *,
    client: AuthenticatedClient,
    body: File,
) -> Response[ErrorResponse | ResourceSetResponse]:
    """Put Resources

     Validate a resource-set YAML against the caller's datasets and store a new version.

    Args:
        display_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ResourceSetResponse]
    """

    kwargs = _get_kwargs(
        display_name=display_name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    display_name: str,
    *,
    client: AuthenticatedClient,
    body: File,
) -> ErrorResponse | ResourceSetResponse | None:
    """Put Resources

     Validate a resource-set YAML against the caller's datasets and store a new version.

    Args:
        display_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ResourceSetResponse
    """

    return sync_detailed(
        display_name=display_name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    display_name: str,
    *,
    client: AuthenticatedClient,
    body: File,
) -> Response[ErrorResponse | ResourceSetResponse]:
    """Put Resources

     Validate a resource-set YAML against the caller's datasets and store a new version.

    Args:
        display_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ResourceSetResponse]
    """

    kwargs = _get_kwargs(
        display_name=display_name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    display_name: str,
    *,
    client: AuthenticatedClient,
    body: File,
) -> ErrorResponse | ResourceSetResponse | None:
    """Put Resources

     Validate a resource-set YAML against the caller's datasets and store a new version.

    Args:
        display_name (str):
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ResourceSetResponse
    """

    return (
        await asyncio_detailed(
            display_name=display_name,
            client=client,
            body=body,
        )
    ).parsed
