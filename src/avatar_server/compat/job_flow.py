"""``POST /api/jobs/flow``: launch every parameters document of a set, in the order of the work.

Each parameters document is a job; the metrics wait on the avatarization, the reports on the
avatarization and both metrics, the advice on nothing. Every document is checked before the
first job is created, so a refused flow starts nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from avatar_server.auth import CurrentUser, DbSession, State
from avatar_server.compat import events
from avatar_server.errors import ApiError
from avatar_server.jobs import REQUIRED_PARENT_KINDS
from avatar_server.resource_sets import ResourceSetError, parse_resource_set
from avatar_server.routes import jobs as own_jobs
from avatar_server.routes.resources import find_resource_set
from avatar_server.schemas import JobCreate

router = APIRouter(prefix="/api")

ORDER = ("advice", "standard", "privacy_metrics", "signal_metrics", "report")


def plan_flow(kinds: dict[str, str]) -> list[tuple[str, list[str]]]:
    """Parameters name -> kind, to ``[(parameters name, names it waits on)]`` in launch order.

    Raises:
        ValueError: when a document needs a kind of job the set does not describe.

    Example:
        >>> plan_flow({"standard": "standard", "privacy_metrics": "privacy_metrics"})
        [('standard', []), ('privacy_metrics', ['standard'])]
    """
    ordered = sorted(kinds, key=lambda name: (ORDER.index(kinds[name]), name))
    by_kind: dict[str, list[str]] = {}
    for name in ordered:
        by_kind.setdefault(kinds[name], []).append(name)
    plan = []
    for name in ordered:
        needed = REQUIRED_PARENT_KINDS[kinds[name]]
        missing = sorted(kind for kind in needed if kind not in by_kind)
        if missing:
            raise ValueError(
                f"{name!r} ({kinds[name]}) needs a {' and a '.join(missing)} document in the set."
            )
        if any(len(by_kind[kind]) > 1 for kind in needed):
            raise ValueError(
                f"{name!r} could wait on several documents of one kind: launch its jobs one "
                "by one with POST /api/jobs and depends_on."
            )
        plan.append((name, [by_kind[kind][0] for kind in sorted(needed, key=ORDER.index)]))
    return plan


@router.post("/jobs/flow", status_code=201)
def create_job_flow(
    set_name: Annotated[str, Body(embed=True, max_length=64)],
    response: Response,
    user: CurrentUser,
    db: DbSession,
    state: State,
) -> dict[str, Any]:
    """Create the jobs of every parameters document of ``set_name``; answer them in order."""
    row = find_resource_set(db, user, set_name)
    try:
        resource_set = parse_resource_set(row.yaml_text, max_bytes=len(row.yaml_text.encode()) + 1)
    except ResourceSetError as exc:
        raise ApiError(422, exc.code, exc.detail) from exc
    kinds = {name: resource_set.job_kind(name) or "" for name in resource_set.parameter_names()}
    try:
        plan = plan_flow(kinds)
    except ValueError as exc:
        raise ApiError(422, "incomplete_flow", str(exc)) from exc
    created: dict[str, str] = {}
    jobs = []
    for name, parents in plan:
        body = JobCreate(
            set_name=row.set_name,
            parameters_name=name,
            depends_on=[created[parent] for parent in parents],
        )
        job = own_jobs.create_job(body, response, user, db, state)
        events.record(state, user.id, "create", "job", job.name)
        created[name] = job.name
        jobs.append({"name": job.name, "Location": f"/jobs/{job.name}"})
    if "Location" in response.headers:
        del response.headers["Location"]
    return {"jobs": jobs}
