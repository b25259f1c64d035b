"""Merging run configs: the graph's own, an enclosing run's, and the caller's."""

from __future__ import annotations

from typing import Any

__all__ = ("merge_configs",)

_MERGED_KEYS = ("metadata", "configurable")


def merge_configs(*configs: dict[str, Any] | None) -> dict[str, Any]:
    """Later configs win; ``metadata``/``configurable`` merge key by key, ``tags`` add up."""
    merged: dict[str, Any] = {}
    for config in configs:
        if not config:
            continue
        for key, value in config.items():
            if key in _MERGED_KEYS and key in merged:
                merged[key] = {**merged[key], **(value or {})}
            elif key == "tags" and key in merged:
                merged[key] = [*merged[key], *(t for t in value or () if t not in merged[key])]
            else:
                merged[key] = value
    return merged
