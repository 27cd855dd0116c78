"""`benchmarks/RESULTS.md`, shared by the benchmark scripts: each owns one `## <script>` section."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(heading: str, text: str) -> None:
    """Replace the section that starts at ``heading`` (up to the next ``## ``) with ``text``,
    or append ``text`` when the file has no such section yet.

    Example:
        >>> write_section("## quality.py", "## quality.py\\n\\nfigures")  # doctest: +SKIP
    """
    content = RESULTS.read_text(encoding="utf-8")
    start = content.find(heading)
    if start < 0:
        content = content.rstrip() + "\n\n" + text.rstrip() + "\n"
    else:
        following = content.find("\n## ", start + len(heading))
        rest = "" if following == -1 else "\n" + content[following + 1 :]
        content = content[:start] + text.rstrip() + "\n" + rest
    RESULTS.write_text(content, encoding="utf-8")
