"""Every class, method, parameter and default of the users' docs (seeds) exists as written.

The reference sections of the seeds (the verbatim copy in ``tests/sdk/seeds``)
are parsed: ``class avatars.<module>.<Class>(<params>)[source]`` lines open a class, the
``name(<params>) <return>[source]`` lines under it are its methods, ``Bases: X`` its base class,
``name: type = default`` lines its attributes. Each is checked by introspection against the
SDK.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SEED_DIRS = [Path(__file__).parent / "seeds"]
CLASS_RE = re.compile(r"^class (avatars(?:\.\w+)+)\((.*)\)\[source\]$")
METHOD_RE = re.compile(r"^(\w+)\((.*)\)\s*(.*?)\[source\]$")
ATTRIBUTE_RE = re.compile(r"^([a-z_]\w*): ([\w\[\], |.]+?)(?: = (.+))?$")
BASES_RE = re.compile(r"^Bases: (\w+)$")
BARE_RE = re.compile(r"^([a-z_]\w*)$")


@dataclass
class SeedClass:
    path: str
    params: str
    bases: list[str] = field(default_factory=list)
    methods: dict[str, tuple[str, str]] = field(default_factory=dict)
    attributes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    bare_attributes: list[str] = field(default_factory=list)


def _seed_files() -> list[Path]:
    for folder in SEED_DIRS:
        files = sorted(folder.glob("00[02]_*.txt"))
        if files:
            return files
    return []


def parse_seeds(files: list[Path]) -> dict[str, SeedClass]:
    classes: dict[str, SeedClass] = {}
    current: SeedClass | None = None
    for file in files:
        in_reference = False
        previous = ""
        for raw in file.read_text(encoding="utf-8").splitlines():
            line, before = raw.strip(), previous
            if line:
                previous = line
            if line == "Detailed reference":
                in_reference = True
                continue
            if not in_reference:
                continue
            if match := CLASS_RE.match(line):
                current = classes[match[1]] = SeedClass(match[1], match[2])
            elif current is None:
                continue
            elif match := BASES_RE.match(line):
                current.bases.append(match[1])
            elif match := METHOD_RE.match(line):
                current.methods[match[1]] = (match[2], match[3])
            elif match := ATTRIBUTE_RE.match(line):
                current.attributes[match[1]] = (match[2].strip(), match[3])
            elif (match := BARE_RE.match(line)) and before != "See also":
                current.bare_attributes.append(match[1])
    return classes


SEEDS = parse_seeds(_seed_files())


def _normalize(annotation: str) -> str:
    """Annotation text without module prefixes (``httpx.Client`` -> ``Client``)."""

    class Strip(ast.NodeTransformer):
        def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
            if isinstance(node.ctx, ast.Load) and _is_dotted(node):
                return ast.Name(id=node.attr, ctx=ast.Load())
            return self.generic_visit(node)

    tree = Strip().visit(ast.parse(annotation, mode="eval"))
    return ast.unparse(tree)


def _is_dotted(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _parse_params(params: str, returns: str = "") -> ast.arguments:
    source = f"def f(self, {params}) -> {returns or 'None'}: pass" if params else (
        f"def f(self) -> {returns or 'None'}: pass"
    )
    fn = ast.parse(source).body[0]
    assert isinstance(fn, ast.FunctionDef)
    return fn.args


def _evaluate_default(node: ast.expr, namespace: dict[str, Any]) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return eval(compile(ast.Expression(node), "<seed>", "eval"), namespace)


def _expected_parameters(args: ast.arguments) -> list[tuple[str, str, str | None, ast.expr | None]]:
    """(name, kind, annotation, default node) of every parameter but ``self``."""
    positional = args.args[1:]
    pos_defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    pos_defaults += list(args.defaults)
    result = [
        (a.arg, "POSITIONAL_OR_KEYWORD", ast.unparse(a.annotation) if a.annotation else None, d)
        for a, d in zip(positional, pos_defaults, strict=True)
    ]
    result += [
        (a.arg, "KEYWORD_ONLY", ast.unparse(a.annotation) if a.annotation else None, d)
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    return result


def _check_signature(
    where: str, func: Any, params: str, returns: str, namespace: dict[str, Any], skip_self: bool
) -> None:
    signature = inspect.signature(func)
    actual = list(signature.parameters.values())
    if skip_self:
        actual = actual[1:]
    expected = _expected_parameters(_parse_params(params, returns))
    assert [p.name for p in actual] == [e[0] for e in expected], f"{where}: parameter names"
    for parameter, (name, kind, annotation, default) in zip(actual, expected, strict=True):
        assert parameter.kind.name == kind, f"{where}({name}): kind {parameter.kind.name}"
        if annotation is not None:
            assert parameter.annotation is not inspect.Parameter.empty, f"{where}({name})"
            assert _normalize(str(parameter.annotation)) == _normalize(annotation), (
                f"{where}({name}): annotation {parameter.annotation!r} != {annotation!r}"
            )
        if default is None:
            assert parameter.default is inspect.Parameter.empty, f"{where}({name}): has default"
        else:
            assert parameter.default is not inspect.Parameter.empty, f"{where}({name}): default"
            assert parameter.default == _evaluate_default(default, namespace), (
                f"{where}({name}): default {parameter.default!r} != {ast.unparse(default)}"
            )
    if returns:
        assert signature.return_annotation is not inspect.Signature.empty, f"{where}: return"
        assert _normalize(str(signature.return_annotation)) == _normalize(returns), (
            f"{where}: returns {signature.return_annotation!r}, the seed says {returns}"
        )


def _resolve(path: str) -> tuple[type, dict[str, Any]]:
    module_name, _, class_name = path.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, class_name), vars(module)


def test_the_seeds_name_the_three_classes_and_their_methods() -> None:
    assert set(SEEDS) == {
        "avatars.manager.Manager",
        "avatars.client.AuthTokens",
        "avatars.client.ApiClient",
    }
    assert len(SEEDS["avatars.manager.Manager"].methods) == 14
    assert set(SEEDS["avatars.client.ApiClient"].methods) == {
        "authenticate",
        "forgotten_password",
        "reset_password",
    }
    assert SEEDS["avatars.client.AuthTokens"].attributes["refresh"] == ("str | None", "None")


@pytest.mark.parametrize("path", sorted(SEEDS))
def test_class_constructor_and_bases(path: str) -> None:
    cls, namespace = _resolve(path)
    seed = SEEDS[path]
    _check_signature(f"{path}()", cls, seed.params, "", namespace, skip_self=False)
    for base in seed.bases:
        if base != "object":
            assert base in [b.__name__ for b in cls.__mro__[1:]], f"{path} must derive from {base}"


@pytest.mark.parametrize(
    ("path", "method"), sorted((p, m) for p, seed in SEEDS.items() for m in seed.methods)
)
def test_method_signature(path: str, method: str) -> None:
    cls, namespace = _resolve(path)
    assert hasattr(cls, method), f"{path}.{method} is missing"
    params, returns = SEEDS[path].methods[method]
    _check_signature(f"{path}.{method}", getattr(cls, method), params, returns, namespace, True)


@pytest.mark.parametrize(
    ("path", "attribute"),
    sorted((p, a) for p, seed in SEEDS.items() for a in seed.attributes),
)
def test_typed_attribute(path: str, attribute: str) -> None:
    cls, _ = _resolve(path)
    annotation, default = SEEDS[path].attributes[attribute]
    annotations = inspect.get_annotations(cls)
    assert attribute in annotations, f"{path}.{attribute} is not declared"
    assert _normalize(str(annotations[attribute])) == _normalize(annotation)
    parameter = inspect.signature(cls).parameters[attribute]
    if default is not None:
        assert parameter.default == ast.literal_eval(default)
    else:
        assert parameter.default is inspect.Parameter.empty


def test_manager_exposes_its_auth_client() -> None:
    from avatars.client import ApiClient
    from avatars.manager import Manager

    assert SEEDS["avatars.manager.Manager"].bare_attributes == ["auth_client"]
    client = ApiClient(base_url="http://127.0.0.1:9/api", api_key="k")
    manager = Manager(api_client=client, should_verify_compatibility=False)
    assert manager.auth_client is client


def test_a_drifting_signature_is_detected() -> None:
    """The checker itself fails on a wrong default, a missing parameter and a wrong kind."""

    def wrong_default(self: Any, count: int = 2) -> None: ...

    def missing(self: Any) -> None: ...

    def positional(self: Any, base_url: str | None = None, api_key: str | None = None) -> None: ...

    with pytest.raises(AssertionError, match="default"):
        _check_signature("x", wrong_default, "count: int = 1", "None", {}, True)
    with pytest.raises(AssertionError, match="parameter names"):
        _check_signature("x", missing, "count: int = 1", "None", {}, True)
    with pytest.raises(AssertionError, match="kind"):
        _check_signature(
            "x", positional, "base_url: str | None = None, *, api_key: str | None = None",
            "None", {}, True,
        )
