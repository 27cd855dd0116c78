"""Every recorded exchange in ``cassettes/`` conforms to ``openapi.json``.

For each request/response pair: the path matches a path template of the contract, the method
is declared on it, the query parameters are declared, the status is a declared response, and
JSON bodies (request and response) validate against their schemas. So cassettes cannot drift
silently from the contract: re-export the schema or re-record the cassettes.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema
import pytest
import yaml
from cassette_support import cassette_files

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.json"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$")


def match_operation(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The (template, operation) of the contract serving ``method path``.

    Among matching templates, the one with the most literal characters wins
    (``/api/users/me`` over ``/api/users/{user_id}``).
    """
    candidates = []
    for template, item in spec()["paths"].items():
        if _template_regex(template).match(path) and method.lower() in item:
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            candidates.append((literal, template, item[method.lower()]))
    if not candidates:
        raise AssertionError(f"{method} {path} matches no operation of openapi.json")
    _, template, operation = max(candidates, key=lambda c: c[0])
    return template, operation


def _validate(instance: Any, schema: dict[str, Any], where: str) -> None:
    document = dict(schema)
    document["components"] = spec().get("components", {})
    validator = jsonschema.Draft202012Validator(document)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}"


def _header(headers: dict[str, Any], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else str(value)
    return ""


def _text(body: Any) -> str | None:
    if isinstance(body, dict):
        body = body.get("string")
    if body is None:
        return None
    if isinstance(body, bytes):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return str(body)


def _json_schema(content: dict[str, Any] | None) -> dict[str, Any] | None:
    for media_type, entry in (content or {}).items():
        if "json" in media_type and "schema" in entry:
            return entry["schema"]
    return None


def _is_file_download(content: dict[str, Any]) -> bool:
    """A response declared as raw bytes (``format: binary``) only."""
    return bool(content) and all(
        (entry.get("schema") or {}).get("format") == "binary" for entry in content.values()
    )


def check_interaction(interaction: dict[str, Any], where: str) -> str:
    """Assert that one recorded exchange conforms; return its ``METHOD template status``."""
    request, response = interaction["request"], interaction["response"]
    method = request["method"]
    url = urlsplit(request["uri"])
    template, operation = match_operation(method, url.path)
    label = f"{where}: {method} {template}"
    declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
    for name, _ in parse_qsl(url.query, keep_blank_values=True):
        assert name in declared, f"{label}: query parameter {name!r} is not declared"
    request_text = _text(request.get("body"))
    schema = _json_schema((operation.get("requestBody") or {}).get("content"))
    is_json = "json" in _header(request["headers"], "content-type")
    if schema is not None and request_text and is_json:
        _validate(json.loads(request_text), schema, f"{label} request body")
    status = str(response["status"]["code"])
    responses = operation.get("responses", {})
    assert status in responses or "default" in responses, (
        f"{label}: status {status} is not declared (declared: {sorted(responses)})"
    )
    content_type = _header(response["headers"], "content-type")
    body = _text(response.get("body"))
    declared_content = responses.get(status, responses.get("default", {})).get("content") or {}
    schema = _json_schema(declared_content)
    if _is_file_download(declared_content):
        return f"{method} {template} {status}"  # a stored file, served with its own media type
    if "json" in content_type and body:
        assert schema is not None, f"{label}: a JSON answer ({status}) has no declared schema"
        _validate(json.loads(body), schema, f"{label} -> {status}")
    return f"{method} {template} {status}"


def load_cassette(path: Path) -> list[dict[str, Any]]:
    """The interactions of a vcrpy cassette (``!!binary`` bodies become bytes)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data.get("interactions", []))


CASSETTES = cassette_files()


def test_the_checker_refuses_a_drifting_exchange() -> None:
    ok = {
        "request": {"method": "GET", "uri": "http://h/api/health", "body": None, "headers": {}},
        "response": {
            "status": {"code": 200},
            "headers": {"content-type": ["application/json"]},
            "body": {"string": '{"status": "ok", "version": "1.0.0"}'},
        },
    }
    assert check_interaction(ok, "example") == "GET /api/health 200"
    wrong_body = json.loads(json.dumps(ok))
    wrong_body["response"]["body"]["string"] = '{"status": 3}'
    with pytest.raises(AssertionError, match=r"response|status|version"):
        check_interaction(wrong_body, "example")
    unknown_path = json.loads(json.dumps(ok))
    unknown_path["request"]["uri"] = "http://h/api/nowhere"
    with pytest.raises(AssertionError, match="matches no operation"):
        check_interaction(unknown_path, "example")
    undeclared = json.loads(json.dumps(ok))
    undeclared["response"]["status"]["code"] = 418
    with pytest.raises(AssertionError, match="418 is not declared"):
        check_interaction(undeclared, "example")
    literal, _ = match_operation("GET", "/api/users/me")
    assert literal == "/api/users/me"


@pytest.mark.skipif(
    not CASSETTES,
    reason="cassettes/ is empty: record them with scripts/record_cassettes.py against a working "
    "reference server",
)
@pytest.mark.parametrize("path", CASSETTES, ids=[p.stem for p in CASSETTES])
def test_every_recorded_exchange_follows_the_contract(path: Path) -> None:
    interactions = load_cassette(path)
    assert interactions, f"{path.name} records no exchange"
    seen = {check_interaction(i, f"{path.name}#{n}") for n, i in enumerate(interactions)}
    assert seen


SECRET_PATTERNS = {
    "a JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "an API key": re.compile(r"avk_[0-9a-f]{8,}\.[A-Za-z0-9_-]{8,}"),
}


@pytest.mark.skipif(not CASSETTES, reason="cassettes/ is empty")
@pytest.mark.parametrize("path", CASSETTES, ids=[p.stem for p in CASSETTES])
def test_no_credential_is_recorded(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for what, pattern in SECRET_PATTERNS.items():
        assert not pattern.search(text), f"{path.name} holds {what}"
    for interaction in load_cassette(path):
        for part in ("request", "response"):
            headers = {k.lower() for k in interaction[part].get("headers", {})}
            assert not headers & {"authorization", "cookie", "set-cookie"}, path.name
