"""Property-based API testing with schemathesis over every operation of the app's OpenAPI.

The app runs in-process (ASGI), authenticated with the first admin's API key (the admin can
reach every operation, the admin-only ones included). Every operation gets at least
``EXAMPLES`` generated requests (valid and invalid ones); every answer must be a non-5xx that
conforms to the declared status codes, content types and response schemas.

Budget: about 2-3 minutes on 2 cores with ``EXAMPLES = 100`` (phases: explicit examples and
generation only; no shrinking, no database, no deadline).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.core.parameters import ParameterLocation
from server_support import (
    WBCD_CSV,
    WBCD_YAML,
    ServerHarness,
    TestClient,
    make_settings,
    put_resource_set,
    upload_dataset,
)

from avatar_server import create_app

pytestmark = [pytest.mark.slow, pytest.mark.server]  # workers are processes

# Excluded on purpose:
# - positive_data_acceptance: a schema-valid request is not always acceptable here (random job
#   names are unknown -> 404, random credentials -> 401, random reset tokens -> 400/422).
EXCLUDED_CHECKS = [
    schemathesis.checks.positive_data_acceptance,
]
# allow_header_conformance compares ``Allow`` with the methods of one path template, but the
# contract gives one URL two templates: PUT /api/resources/{display_name} and
# GET /api/resources/{set_name}; the server rightly answers ``Allow: GET, HEAD, PUT`` there.
SHARED_URL_PREFIXES = ("/api/resources/",)
_CALLS: Counter[str] = Counter()
_STATUSES: Counter[int] = Counter()
EXAMPLES = int(os.environ.get("AVATAR_SCHEMATHESIS_EXAMPLES", "100"))


# The app is built at collection time (building touches no disk: storage, database and
# credentials are created when it starts), so that every generated case is bound to it. Its
# folder is created by the ``harness`` fixture's startup and removed at teardown.
_FOLDER = Path(tempfile.gettempdir()) / f"avatars-schemathesis-{uuid.uuid4().hex}"
_SETTINGS = make_settings(_FOLDER, login_max_failures=10_000, max_upload_bytes=1_000_000)
_APP = create_app(_SETTINGS)
_DOCUMENT = _APP.openapi()
schema = schemathesis.openapi.from_dict(_DOCUMENT)
schema.app = _APP


@pytest.fixture(scope="module")
def harness() -> Iterator[ServerHarness]:
    try:
        with ExitStack() as stack:
            stack.enter_context(TestClient(_APP))  # lifespan: storage, admin, workers
            server = ServerHarness(app=_APP, settings=_SETTINGS, stack=stack)
            admin = server.admin()
            upload_dataset(admin, WBCD_CSV, "wbcd.csv")
            put_resource_set(admin, WBCD_YAML)
            yield server
    finally:
        shutil.rmtree(_FOLDER, ignore_errors=True)


@pytest.fixture(scope="module")
def auth_headers(harness: ServerHarness) -> dict[str, str]:
    return {"Authorization": f"api-key-v1 {harness.credentials['api_key']}"}


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
    derandomize=True,
)
def test_every_operation_conforms_and_never_fails(
    case: Any, harness: ServerHarness, auth_headers: dict[str, str]
) -> None:
    headers = dict(case.headers or {})
    if "Authorization" not in headers and not _negative_headers(case):
        headers.update(auth_headers)
    response = case.call(headers=headers)
    label = f"{case.method.upper()} {case.path}"
    _CALLS[label] += 1
    _STATUSES[response.status_code // 100] += 1
    assert response.status_code < 500, (case.method, case.path, response.status_code)
    excluded = list(EXCLUDED_CHECKS)
    if case.path.startswith(SHARED_URL_PREFIXES):
        excluded.append(schemathesis.checks.allow_header_conformance)
    case.validate_response(
        response,
        excluded_checks=excluded,
        transport_kwargs={"headers": headers},
    )


def _negative_headers(case: Any) -> bool:
    """Whether the case was generated with deliberately invalid headers (e.g. no credentials)."""
    meta = case.meta
    if meta is None:
        return False
    info = meta.components.get(ParameterLocation.HEADER)
    return info is not None and not info.mode.is_positive


def test_openapi_lists_every_contract_operation(harness: ServerHarness) -> None:
    document = harness.app.openapi()
    assert document == _DOCUMENT
    operation_ids = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    expected = {
        "login", "refresh", "forgotten_password", "reset_password",
        "create_api_key", "get_api_keys", "revoke_api_key",
        "get_health", "get_health_db", "check_client",
        "upload_dataset", "get_datasets", "get_dataset", "download_dataset", "delete_dataset",
        "put_resources", "get_resources",
        "create_job", "get_jobs", "get_job", "cancel_job", "bulk_delete_jobs",
        "get_results", "get_result_file",
        "get_me", "create_user", "get_users", "get_user",
    }  # fmt: skip
    assert expected <= operation_ids, sorted(expected - operation_ids)
    assert json.dumps(document)


def test_summary_every_operation_was_exercised(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last: every operation got generated requests; prints the figures."""
    if not _CALLS:
        pytest.skip("the schemathesis test did not run in this session")
    operations = {
        f"{method.upper()} {path}"
        for path, item in _DOCUMENT["paths"].items()
        for method in item
        if method in {"get", "put", "post", "delete", "patch"}
    }
    assert operations <= set(_CALLS), sorted(operations - set(_CALLS))
    with capsys.disabled():
        print(
            f"\nschemathesis: {len(operations)} operations, {sum(_CALLS.values())} requests "
            f"(incl. undeclared methods), per declared operation min "
            f"{min(_CALLS[op] for op in operations)}, max {max(_CALLS[op] for op in operations)}; "
            f"status classes {dict(sorted(_STATUSES.items()))}; fewer than {EXAMPLES}: "
            f"{ {op: _CALLS[op] for op in sorted(operations) if _CALLS[op] < EXAMPLES} }"
        )
    assert _STATUSES.get(5, 0) == 0
