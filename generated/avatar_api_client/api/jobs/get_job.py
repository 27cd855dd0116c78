from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.job_response import JobResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    name: str,
    *,
    wait: float | None | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_wait: float | None | Unset
    if isinstance(wait, Unset):
        json_wait = UNSET
    else:
        json_wait = wait
    params["wait"] = json_wait

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/jobs/{name}".format(
            name=quote(str(name), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | JobResponse | None:
    if response.status_code == 200:
        response_200 = JobResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

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
) -> Response[ErrorResponse | JobResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    wait: float | None | Unset = UNSET,
) -> Response[ErrorResponse | JobResponse]:
    """Get Job

     A job's state; with ``wait=<seconds>`` (capped at 60) answers as soon as it is done.

    Args:
        name (str):
        wait (float | None | Unset): Seconds to wait for the job to be done (capped at 60).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        wait=wait,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    wait: float | None | Unset = UNSET,
) -> ErrorResponse | JobResponse | None:
    """Get Job

     A job's state; with ``wait=<seconds>`` (capped at 60) answers as soon as it is done.

    Args:
        name (str):
        wait (float | None | Unset): Seconds to wait for the job to be done (capped at 60).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobResponse
    """

    return sync_detailed(
        name=name,
        client=client,
        wait=wait,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    wait: float | None | Unset = UNSET,
) -> Response[ErrorResponse | JobResponse]:
    """Get Job

     A job's state; with ``wait=<seconds>`` (capped at 60) answers as soon as it is done.

    Args:
        name (str):
        wait (float | None | Unset): Seconds to wait for the job to be done (capped at 60).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        wait=wait,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    wait: float | None | Unset = UNSET,
) -> ErrorResponse | JobResponse | None:
    """Get Job

     A job's state; with ``wait=<seconds>`` (capped at 60) answers as soon as it is done.

    Args:
        name (str):
        wait (float | None | Unset): Seconds to wait for the job to be done (capped at 60).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobResponse
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            wait=wait,
        )
    ).parsed
