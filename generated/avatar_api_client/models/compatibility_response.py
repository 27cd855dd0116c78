from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.compatibility_status import CompatibilityStatus

T = TypeVar("T", bound="CompatibilityResponse")


@_attrs_define
class CompatibilityResponse:
    """Answer of the client compatibility check.

    Attributes:
        message (str):
        most_recent_compatible_client (str):
        status (CompatibilityStatus): Whether a client version can talk to this server.
    """

    message: str
    most_recent_compatible_client: str
    status: CompatibilityStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        message = self.message

        most_recent_compatible_client = self.most_recent_compatible_client

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message": message,
                "most_recent_compatible_client": most_recent_compatible_client,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        message = d.pop("message")

        most_recent_compatible_client = d.pop("most_recent_compatible_client")

        status = CompatibilityStatus(d.pop("status"))

        compatibility_response = cls(
            message=message,
            most_recent_compatible_client=most_recent_compatible_client,
            status=status,
        )

        compatibility_response.additional_properties = d
        return compatibility_response

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
