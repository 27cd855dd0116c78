from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dataset_response import DatasetResponse
from ...models.error_response import ErrorResponse
from ...types import UNSET, File, Response, Unset


def _get_kwargs(
    name: str,
    *,
    body: File,
    content_digest: None | str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(content_digest, Unset):
        headers["content-digest"] = content_digest

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api/datasets/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["content"] = body.payload
    headers["Content-Type"] = "application/octet-stream"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DatasetResponse | ErrorResponse | None:
    if response.status_code == 201:
        response_201 = DatasetResponse.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

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
) -> Response[DatasetResponse | ErrorResponse]:
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
    body: File,
    content_digest: None | str | Unset = UNSET,
) -> Response[DatasetResponse | ErrorResponse]:
    """Upload Dataset

     Upload (or replace) a CSV or Parquet dataset, streamed to disk.

    An optional ``Content-Digest: sha-256=:<base64>:`` header is checked; a failed upload
    never replaces the stored file.

    Args:
        name (str):
        content_digest (None | str | Unset): Optional 'sha-256=:<base64 SHA-256 of the body>:'
            (RFC 9530).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
        content_digest=content_digest,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: File,
    content_digest: None | str | Unset = UNSET,
) -> DatasetResponse | ErrorResponse | None:
    """Upload Dataset

     Upload (or replace) a CSV or Parquet dataset, streamed to disk.

    An optional ``Content-Digest: sha-256=:<base64>:`` header is checked; a failed upload
    never replaces the stored file.

    Args:
        name (str):
        content_digest (None | str | Unset): Optional 'sha-256=:<base64 SHA-256 of the body>:'
            (RFC 9530).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetResponse | ErrorResponse
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
        content_digest=content_digest,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: File,
    content_digest: None | str | Unset = UNSET,
) -> Response[DatasetResponse | ErrorResponse]:
    """Upload Dataset

     Upload (or replace) a CSV or Parquet dataset, streamed to disk.

    An optional ``Content-Digest: sha-256=:<base64>:`` header is checked; a failed upload
    never replaces the stored file.

    Args:
        name (str):
        content_digest (None | str | Unset): Optional 'sha-256=:<base64 SHA-256 of the body>:'
            (RFC 9530).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DatasetResponse | ErrorResponse]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
        content_digest=content_digest,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: File,
    content_digest: None | str | Unset = UNSET,
) -> DatasetResponse | ErrorResponse | None:
    """Upload Dataset

     Upload (or replace) a CSV or Parquet dataset, streamed to disk.

    An optional ``Content-Digest: sha-256=:<base64>:`` header is checked; a failed upload
    never replaces the stored file.

    Args:
        name (str):
        content_digest (None | str | Unset): Optional 'sha-256=:<base64 SHA-256 of the body>:'
            (RFC 9530).
        body (File):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DatasetResponse | ErrorResponse
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
            content_digest=content_digest,
        )
    ).parsed
