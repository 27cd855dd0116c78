from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="BulkDeleteResponse")


@_attrs_define
class BulkDeleteResponse:
    """Which jobs were deleted and which could not be.

    Attributes:
        deleted_jobs (list[str]):
        failed_jobs (list[str]):
    """

    deleted_jobs: list[str]
    failed_jobs: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deleted_jobs = self.deleted_jobs

        failed_jobs = self.failed_jobs

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deleted_jobs": deleted_jobs,
                "failed_jobs": failed_jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        deleted_jobs = cast(list[str], d.pop("deleted_jobs"))

        failed_jobs = cast(list[str], d.pop("failed_jobs"))

        bulk_delete_response = cls(
            deleted_jobs=deleted_jobs,
            failed_jobs=failed_jobs,
        )

        bulk_delete_response.additional_properties = d
        return bulk_delete_response

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
