"""Accounts: the caller, and user management for admins."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from avatar_server.accounts import create_user as store_user
from avatar_server.auth import AdminUser, CurrentUser, DbSession
from avatar_server.errors import ApiError, error_responses
from avatar_server.models import User
from avatar_server.schemas import UserCreate, UserList, UserResponse

router = APIRouter(prefix="/api/users", tags=["users"])


def to_user_response(user: User) -> UserResponse:
    """The public view of an account."""
    return UserResponse(
        id=user.id,
        username=user.username,
        email=user.email,
        is_admin=user.is_admin,
        created_at=user.created_at,
    )


@router.get("/me", response_model=UserResponse, responses=error_responses(401))
def get_me(user: CurrentUser) -> UserResponse:
    """The authenticated caller."""
    return to_user_response(user)


@router.post(
    "", status_code=201, response_model=UserResponse, responses=error_responses(401, 403, 409)
)
def create_user(body: UserCreate, _admin: AdminUser, db: DbSession) -> UserResponse:
    """Create an account (admins only)."""
    user = store_user(db, body.username, body.password, email=body.email, is_admin=body.is_admin)
    return to_user_response(user)


@router.get("", response_model=UserList, responses=error_responses(401, 403))
def get_users(_admin: AdminUser, db: DbSession) -> UserList:
    """List all accounts (admins only)."""
    users = db.scalars(select(User).order_by(User.created_at, User.username))
    return UserList(users=[to_user_response(user) for user in users])


@router.get("/{user_id}", response_model=UserResponse, responses=error_responses(401, 403, 404))
def get_user(user_id: str, _admin: AdminUser, db: DbSession) -> UserResponse:
    """One account by id (admins only)."""
    user = db.get(User, user_id)
    if user is None:
        raise ApiError(404, "user_not_found", f"No user with id {user_id[:40]!r}.")
    return to_user_response(user)
