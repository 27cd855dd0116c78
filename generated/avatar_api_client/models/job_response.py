from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_kind import JobKind
from ..models.job_status import JobStatus

T = TypeVar("T", bound="JobResponse")


@_attrs_define
class JobResponse:
    """State of a job.

    Attributes:
        created_at (datetime.datetime):
        depends_on (list[str]):
        display_name (str):
        done (bool):
        exception (None | str):
        finished_at (datetime.datetime | None):
        kind (JobKind): What a job computes.
        name (str):
        parameters_name (str):
        phase (None | str):
        progress (float):
        set_name (str):
        started_at (datetime.datetime | None):
        status (JobStatus): Where a job is in its life.
    """

    created_at: datetime.datetime
    depends_on: list[str]
    display_name: str
    done: bool
    exception: None | str
    finished_at: datetime.datetime | None
    kind: JobKind
    name: str
    parameters_name: str
    phase: None | str
    progress: float
    set_name: str
    started_at: datetime.datetime | None
    status: JobStatus
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        depends_on = self.depends_on

        display_name = self.display_name

        done = self.done

        exception: None | str
        exception = self.exception

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        kind = self.kind.value

        name = self.name

        parameters_name = self.parameters_name

        phase: None | str
        phase = self.phase

        progress = self.progress

        set_name = self.set_name

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status = self.status.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "depends_on": depends_on,
                "display_name": display_name,
                "done": done,
                "exception": exception,
                "finished_at": finished_at,
                "kind": kind,
                "name": name,
                "parameters_name": parameters_name,
                "phase": phase,
                "progress": progress,
                "set_name": set_name,
                "started_at": started_at,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        depends_on = cast(list[str], d.pop("depends_on"))

        display_name = d.pop("display_name")

        done = d.pop("done")

        def _parse_exception(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        exception = _parse_exception(d.pop("exception"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        kind = JobKind(d.pop("kind"))

        name = d.pop("name")

        parameters_name = d.pop("parameters_name")

        def _parse_phase(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        phase = _parse_phase(d.pop("phase"))

        progress = d.pop("progress")

        set_name = d.pop("set_name")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = JobStatus(d.pop("status"))

        job_response = cls(
            created_at=created_at,
            depends_on=depends_on,
            display_name=display_name,
            done=done,
            exception=exception,
            finished_at=finished_at,
            kind=kind,
            name=name,
            parameters_name=parameters_name,
            phase=phase,
            progress=progress,
            set_name=set_name,
            started_at=started_at,
            status=status,
        )

        job_response.additional_properties = d
        return job_response

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
