"""API keys of the calling user."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Response
from sqlalchemy import select

from avatar_server.accounts import create_api_key as store_api_key
from avatar_server.auth import CurrentUser, DbSession
from avatar_server.errors import ApiError, error_responses
from avatar_server.models import ApiKey
from avatar_server.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyResponse

router = APIRouter(prefix="/api/api-keys", tags=["api_keys"])


def _to_response(row: ApiKey) -> ApiKeyResponse:
    return ApiKeyResponse(
        id=row.id,
        name=row.name,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


@router.post("", status_code=201, response_model=ApiKeyCreated, responses=error_responses(401))
def create_api_key(body: ApiKeyCreate, user: CurrentUser, db: DbSession) -> ApiKeyCreated:
    """Create an API key. The plaintext key is in this answer only: store it safely."""
    row, key = store_api_key(db, user.id, body.name, body.expiration_days)
    return ApiKeyCreated(
        id=row.id, name=row.name, key=key, created_at=row.created_at, expires_at=row.expires_at
    )


@router.get("", response_model=ApiKeyList, responses=error_responses(401))
def get_api_keys(user: CurrentUser, db: DbSession) -> ApiKeyList:
    """List the caller's API keys (without their secrets)."""
    rows = db.scalars(
        select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at, ApiKey.id)
    )
    return ApiKeyList(api_keys=[_to_response(row) for row in rows])


@router.delete(
    "/{key_id}", status_code=204, response_class=Response, responses=error_responses(401, 404)
)
def revoke_api_key(key_id: str, user: CurrentUser, db: DbSession) -> Response:
    """Revoke one of the caller's API keys; it stops working at once."""
    row = db.get(ApiKey, key_id)
    if row is None or row.user_id != user.id:
        raise ApiError(404, "api_key_not_found", f"No API key with id {key_id[:40]!r}.")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        db.commit()
    return Response(status_code=204)
