"""Facade of the ``auth`` tag: login, token refresh, password reset."""

from __future__ import annotations

from uuid import UUID

from avatar_api_client.api.auth import forgotten_password, login, refresh, reset_password
from avatar_api_client.models import (
    ForgottenPasswordRequest,
    LoginForm,
    LoginResponse,
    RefreshRequest,
    ResetPasswordRequest,
)

from avatars._resources._base import Resource

__all__ = ["AuthResource"]


class AuthResource(Resource):
    """``client.auth``: the token exchange behind :meth:`ApiClient.authenticate`."""

    def login(self, username: str, password: str, *, timeout: float | None = None) -> LoginResponse:
        """Exchange a username and password for tokens (prefer ``ApiClient.authenticate``).

        Example:
            >>> tokens = client.auth.login("user", "pass")  # doctest: +SKIP
            >>> tokens.token_type  # doctest: +SKIP
            'bearer'
        """
        return self._call(
            login.sync_detailed,
            body=LoginForm(username=username, password=password),
            timeout=timeout,
        )

    def refresh(self, refresh_token: str, *, timeout: float | None = None) -> LoginResponse:
        """Exchange a refresh token for a new token pair (the old refresh token stops working).

        Example:
            >>> pair = client.auth.refresh(client.auth_tokens.refresh)  # doctest: +SKIP
        """
        return self._call(
            refresh.sync_detailed,
            body=RefreshRequest(refresh_token=refresh_token),
            timeout=timeout,
        )

    def forgotten_password(self, email: str, *, timeout: float | None = None) -> None:
        """Ask for a password-reset token by email (same answer whether the user exists or not).

        Example:
            >>> client.auth.forgotten_password("user@example.com")  # doctest: +SKIP
        """
        self._call(
            forgotten_password.sync_detailed,
            body=ForgottenPasswordRequest(email=email),
            timeout=timeout,
            allow_empty=True,
        )

    def reset_password(
        self,
        email: str,
        new_password: str,
        new_password_repeated: str,
        token: UUID | str,
        *,
        timeout: float | None = None,
    ) -> None:
        """Set a new password with the token received by email.

        Example:
            >>> client.auth.reset_password("user@example.com", "n3w-passw0rd!", "n3w-passw0rd!",
            ...                             token)  # doctest: +SKIP
        """
        self._call(
            reset_password.sync_detailed,
            body=ResetPasswordRequest(
                email=email,
                new_password=new_password,
                new_password_repeated=new_password_repeated,
                token=str(token),
            ),
            timeout=timeout,
            allow_empty=True,
        )
