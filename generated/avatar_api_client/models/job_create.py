from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobCreate")


@_attrs_define
class JobCreate:
    """Run one parameters document of a stored resource set.

    Attributes:
        parameters_name (str):
        set_name (str):
        depends_on (list[str] | Unset):
    """

    parameters_name: str
    set_name: str
    depends_on: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        parameters_name = self.parameters_name

        set_name = self.set_name

        depends_on: list[str] | Unset = UNSET
        if not isinstance(self.depends_on, Unset):
            depends_on = self.depends_on

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "parameters_name": parameters_name,
                "set_name": set_name,
            }
        )
        if depends_on is not UNSET:
            field_dict["depends_on"] = depends_on

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        parameters_name = d.pop("parameters_name")

        set_name = d.pop("set_name")

        depends_on = cast(list[str], d.pop("depends_on", UNSET))

        job_create = cls(
            parameters_name=parameters_name,
            set_name=set_name,
            depends_on=depends_on,
        )

        job_create.additional_properties = d
        return job_create

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
