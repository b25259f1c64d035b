"""Config helpers LangGraph-based libraries import (``patch_configurable``, ...)."""

from __future__ import annotations

from typing import Any

from streamgraph.pregel._configs import merge_configs

__all__ = ("merge_configs", "patch_configurable")


def patch_configurable(config: dict[str, Any] | None, patch: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` whose ``configurable`` has ``patch``'s keys set."""
    config = dict(config or {})
    config["configurable"] = {**config.get("configurable", {}), **patch}
    return config
