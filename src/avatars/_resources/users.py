"""Facade of the ``users`` tag."""

from __future__ import annotations

from avatar_api_client.api.users import create_user, get_me, get_user, get_users
from avatar_api_client.models import UserCreate, UserList, UserResponse

from avatars._resources._base import Resource

__all__ = ["UsersResource"]


class UsersResource(Resource):
    """``client.users``: your account; accounts of others for administrators."""

    def get_me(self, *, timeout: float | None = None) -> UserResponse:
        """The account the client is authenticated as.

        Example:
            >>> client.users.get_me().username  # doctest: +SKIP
            'admin'
        """
        return self._call(get_me.sync_detailed, timeout=timeout)

    def create_user(
        self,
        username: str,
        password: str,
        email: str | None = None,
        is_admin: bool = False,
        *,
        timeout: float | None = None,
    ) -> UserResponse:
        """Create an account (administrators only).

        Example:
            >>> client.users.create_user(
            ...     "alice", "a-long-passw0rd", email="alice@example.com")  # doctest: +SKIP
        """
        body = UserCreate(username=username, password=password, email=email, is_admin=is_admin)
        return self._call(create_user.sync_detailed, body=body, timeout=timeout)

    def get_users(self, *, timeout: float | None = None) -> UserList:
        """All accounts (administrators only).

        Example:
            >>> [user.username for user in client.users.get_users().users]  # doctest: +SKIP
        """
        return self._call(get_users.sync_detailed, timeout=timeout)

    def get_user(self, user_id: str, *, timeout: float | None = None) -> UserResponse:
        """One account by id (administrators only).

        Example:
            >>> client.users.get_user(user_id).is_admin  # doctest: +SKIP
        """
        return self._call(get_user.sync_detailed, user_id=user_id, timeout=timeout)
