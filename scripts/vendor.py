"""Copy the SDK into another code base under a package name of its own.

``python scripts/vendor.py --into DIR --package NAME`` writes ``DIR/NAME/``: the SDK
(``src/avatars``) with the generated client inside it (``NAME/avatar_api_client``). Every
absolute import of ``avatars`` or ``avatar_api_client`` is rewritten to point inside ``NAME``
(relative imports already do), using the syntax tree and the token positions of each import
statement, so nothing else in the code or in strings is touched. The SDK version is frozen
into the copy, since the copy is not an installed ``avatars`` distribution.

The vendored SDK needs the SDK's third-party dependencies (httpx, attrs, python-dateutil,
pyyaml, pandas, pyarrow, tqdm), but not the ``avatars`` distribution.

Example:
    python scripts/vendor.py --into third_party --package acme_avatars
    # then, in the other code base:
    from acme_avatars import Manager
"""

from __future__ import annotations

import argparse
import ast
import io
import keyword
import shutil
import sys
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK_DIR = ROOT / "src" / "avatars"
CLIENT_DIR = ROOT / "generated" / "avatar_api_client"
SDK_PACKAGE = "avatars"
CLIENT_PACKAGE = "avatar_api_client"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


@dataclass(frozen=True)
class Edit:
    """Replace the source text between two (line, column) positions."""

    start: tuple[int, int]
    end: tuple[int, int]
    text: str


def map_module(module: str, package: str) -> str | None:
    """New absolute name of ``module`` inside ``package``, or None if it is not ours.

    Example:
        >>> map_module("avatars.client", "acme")
        'acme.client'
        >>> map_module("avatar_api_client.models", "acme")
        'acme.avatar_api_client.models'
        >>> map_module("avatarsx", "acme") is None
        True
    """
    head, _, rest = module.partition(".")
    if head == SDK_PACKAGE:
        return package + ("." + rest if rest else "")
    if head == CLIENT_PACKAGE:
        return f"{package}.{module}"
    return None


def _dotted_spans(tokens: list[tokenize.TokenInfo], start: int) -> tuple[str, int]:
    """The dotted name starting at ``tokens[start]`` and the index just after it."""
    parts = [tokens[start].string]
    index = start + 1
    while (
        index + 1 < len(tokens)
        and tokens[index].string == "."
        and tokens[index + 1].type == tokenize.NAME
    ):
        parts.append(tokens[index + 1].string)
        index += 2
    return ".".join(parts), index


def _char_position(lines: list[str], line: int, byte_column: int) -> tuple[int, int]:
    """ast columns count UTF-8 bytes; tokenize columns and edits count characters."""
    text = lines[line - 1].encode("utf-8")[:byte_column]
    return line, len(text.decode("utf-8", errors="ignore"))


Span = tuple[tuple[int, int], tuple[int, int]]


def _node_span(lines: list[str], node: ast.expr | ast.stmt) -> Span:
    end_line = node.end_lineno or node.lineno
    return (
        _char_position(lines, node.lineno, node.col_offset),
        _char_position(lines, end_line, node.end_col_offset or 0),
    )


_SKIPPED = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}


def _statement_tokens(
    tokens: dict[int, list[tokenize.TokenInfo]], lines: list[str], node: ast.Import | ast.ImportFrom
) -> list[tokenize.TokenInfo]:
    """The significant tokens of one import statement (``tokens`` by starting line)."""
    begin, end = _node_span(lines, node)
    return [
        t
        for line in range(begin[0], end[0] + 1)
        for t in tokens.get(line, [])
        if begin <= t.start and t.end <= end and t.type not in _SKIPPED
    ]


def _import_edits(
    tokens: dict[int, list[tokenize.TokenInfo]],
    lines: list[str],
    node: ast.Import | ast.ImportFrom,
    package: str,
) -> list[Edit]:
    stmt = _statement_tokens(tokens, lines, node)
    edits: list[Edit] = []
    if isinstance(node, ast.ImportFrom):
        if node.level or not node.module:
            return []
        assert stmt[0].string == "from", stmt[0]
        module, after = _dotted_spans(stmt, 1)
        new = map_module(module, package)
        if new is not None:
            edits.append(Edit(stmt[1].start, stmt[after - 1].end, new))
        return edits
    index = 1  # after "import"
    while index < len(stmt):
        module, after = _dotted_spans(stmt, index)
        has_alias = after < len(stmt) and stmt[after].string == "as"
        new = map_module(module, package)
        if new is not None:
            head = module.partition(".")[0]
            if has_alias or module == head:
                # "import avatars [as x]" -> "import NAME as avatars" / "import NAME as x"
                text = new if has_alias else f"{new} as {head}"
            else:
                raise ValueError(
                    f"line {node.lineno}: 'import {module}' binds the name {head!r}; write "
                    f"'from {module.rpartition('.')[0]} import {module.rpartition('.')[2]}' "
                    "or 'import ... as ...' so that the import can be vendored"
                )
            edits.append(Edit(stmt[index].start, stmt[after - 1].end, text))
        index = after + (2 if has_alias else 0)
        if index < len(stmt) and stmt[index].string == ",":
            index += 1
    return edits


def _version_edits(tree: ast.AST, lines: list[str], version: str) -> list[Edit]:
    """Replace ``version("avatars")`` (importlib.metadata) by the frozen version string."""
    edits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "version"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == SDK_PACKAGE
        ):
            start, end = _node_span(lines, node)
            edits.append(Edit(start, end, repr(version)))
    return edits


def _apply(lines: list[str], edits: list[Edit]) -> str:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    text = "".join(lines)
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        start = offsets[edit.start[0] - 1] + edit.start[1]
        end = offsets[edit.end[0] - 1] + edit.end[1]
        text = text[:start] + edit.text + text[end:]
    return text


def rewrite_source(source: str, package: str, version: str | None = None) -> str:
    """Rewrite the absolute imports of ``avatars``/``avatar_api_client`` in ``source``.

    Example:
        >>> rewrite_source("from avatars.errors import ApiError\\n", "acme")
        'from acme.errors import ApiError\\n'
        >>> rewrite_source("import avatar_api_client\\n", "acme")
        'import acme.avatar_api_client as avatar_api_client\\n'
    """
    if SDK_PACKAGE not in source and CLIENT_PACKAGE not in source:
        return source  # cannot import either package (both names are needed in the text)
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    tokens: dict[int, list[tokenize.TokenInfo]] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        tokens.setdefault(token.start[0], []).append(token)
    edits: list[Edit] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            edits.extend(_import_edits(tokens, lines, node, package))
    if version is not None and "version(" in source:
        edits.extend(_version_edits(tree, lines, version))
    if not edits:
        return source
    result = _apply(lines, edits)
    ast.parse(result)  # the rewrite must stay valid Python
    return result


def project_version() -> str:
    """The SDK version declared in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def check_package_name(name: str) -> None:
    """Refuse names that are not importable or that would shadow the originals."""
    if not name.isidentifier() or keyword.iskeyword(name):
        raise SystemExit(f"--package {name!r} is not a valid Python package name")
    if name in {SDK_PACKAGE, CLIENT_PACKAGE}:
        raise SystemExit(f"--package {name!r} would shadow the original package: pick another")


def vendor(into: Path, package: str, *, force: bool = False) -> Path:
    """Write the vendored SDK to ``into/package`` and return that folder."""
    check_package_name(package)
    if not (SDK_DIR / "__init__.py").is_file() or not (CLIENT_DIR / "__init__.py").is_file():
        raise SystemExit(f"{SDK_DIR} or {CLIENT_DIR} is missing: run from a full checkout")
    target = into / package
    if target.exists():
        if not force:
            raise SystemExit(f"{target} already exists: remove it or pass --force")
        shutil.rmtree(target)
    into.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SDK_DIR, target, ignore=IGNORED)
    shutil.copytree(CLIENT_DIR, target / CLIENT_PACKAGE, ignore=IGNORED)
    version = project_version()
    for path in sorted(target.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        rewritten = rewrite_source(source, package, version)
        if rewritten != source:
            path.write_text(rewritten, encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--into", type=Path, required=True, help="folder to write into")
    parser.add_argument("--package", required=True, help="name of the vendored package")
    parser.add_argument("--force", action="store_true", help="replace an existing copy")
    args = parser.parse_args(argv)
    target = vendor(args.into, args.package, force=args.force)
    print(f"vendored the avatars SDK into {target} (import it as {args.package})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
