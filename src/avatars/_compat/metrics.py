"""Metrics in the established client's shape: a list with one flat dict per table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["metrics_records"]


def metrics_records(stored: Mapping[str, Any], table: str) -> list[dict[str, Any]]:
    """``[{metric: value, ..., "targets", "passed", "metadata"}]`` of one table's metrics.

    Example:
        >>> metrics_records({"metrics": {"hidden_rate": {"value": 95.0, "target": 90.0,
        ...     "passed": True}}}, "wbcd")[0]["hidden_rate"]
        95.0
    """
    metrics = stored.get("metrics") or {}
    entry: dict[str, Any] = {name: item.get("value") for name, item in metrics.items()}
    entry["targets"] = {name: item.get("target") for name, item in metrics.items()}
    entry["passed"] = {name: item.get("passed") for name, item in metrics.items()}
    entry["metadata"] = {"table_name": table, "computation_type": "standalone"}
    return [entry]
