"""Client settings shared by ``get_client`` and ``get_sync_client``: URL, API key, headers,
timeouts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import httpx

import streamgraph
from streamgraph.sdk._call import NOT_PROVIDED

__all__ = ("DEFAULT_URL", "client_options")

DEFAULT_URL = "http://127.0.0.1:2024"
"""Where ``streamgraph dev`` and ``langgraph dev`` listen by default."""

_API_KEY_VARIABLES = ("LANGGRAPH_API_KEY", "LANGSMITH_API_KEY", "LANGCHAIN_API_KEY")
_RESERVED_HEADERS = ("x-api-key",)


def resolve_api_key(api_key: str | None) -> str | None:
    """An explicit key; else (argument omitted) the first of the environment variables set;
    ``None`` means no key at all."""
    if isinstance(api_key, str):
        return api_key
    if api_key is NOT_PROVIDED:
        for variable in _API_KEY_VARIABLES:
            value = os.environ.get(variable)
            if value:
                return value.strip().strip("\"'")
    return None


def client_options(
    *,
    url: str | None,
    api_key: str | None,
    headers: Mapping[str, str] | None,
    timeout: Any,
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client``/``httpx.AsyncClient`` (minus the transport)."""
    custom = dict(headers or {})
    for name in custom:
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(
                f"Cannot set the reserved header {name!r}: pass the key as api_key=..."
            )
    all_headers = {"User-Agent": f"streamgraph-sdk-py/{streamgraph.__version__}", **custom}
    key = resolve_api_key(api_key)
    if key:
        all_headers["x-api-key"] = key
    return {
        "base_url": url or DEFAULT_URL,
        "headers": all_headers,
        # Reads may wait long: run streams send a heartbeat every few seconds, and /wait
        # whitespace, so 300 s of silence means the server is gone.
        "timeout": httpx.Timeout(timeout)
        if timeout is not None
        else httpx.Timeout(connect=5, read=300, write=300, pool=5),
    }
