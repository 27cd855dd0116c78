from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ResetPasswordRequest")


@_attrs_define
class ResetPasswordRequest:
    """Set a new password with a reset token.

    Attributes:
        email (str):
        new_password (str):
        new_password_repeated (str):
        token (str):
    """

    email: str
    new_password: str
    new_password_repeated: str
    token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        new_password = self.new_password

        new_password_repeated = self.new_password_repeated

        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "email": email,
                "new_password": new_password,
                "new_password_repeated": new_password_repeated,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        new_password = d.pop("new_password")

        new_password_repeated = d.pop("new_password_repeated")

        token = d.pop("token")

        reset_password_request = cls(
            email=email,
            new_password=new_password,
            new_password_repeated=new_password_repeated,
            token=token,
        )

        reset_password_request.additional_properties = d
        return reset_password_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
