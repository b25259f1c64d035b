"""``langgraph.json``'s ``store`` entry: vector search and TTLs for the server's store.

::

    "store": {
        "index": {"dims": 1536, "embed": "openai:text-embedding-3-small", "fields": ["$"]},
        "ttl": {"default_ttl": 10080, "refresh_on_read": true, "sweep_interval_minutes": 60}
    }

``embed`` is a ``"provider:model"`` string (LangChain's ``init_embeddings``) or the location of
a function or ``Embeddings`` object (``"./embed.py:embed"``, ``"package.module:embed"``).
Every problem is a one-line ``ConfigError``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from streamgraph.server.graphs import ConfigError, _import_file
from streamgraph.store._engine import RowStore

__all__ = ("configure_store",)

TTL_KEYS = {
    "default_ttl": "number",
    "refresh_on_read": "boolean",
    "sweep_interval_minutes": "integer",
}
_TYPES: dict[str, type | tuple[type, ...]] = {
    "number": (int, float),
    "boolean": bool,
    "integer": int,
}


def configure_store(store: Any, entry: Any, base: Path) -> None:
    """Give the server's store the entry's index and TTL settings."""
    if entry is None:
        return
    if not isinstance(entry, dict):
        raise ConfigError(f'"store" must be an object with "index" and/or "ttl", not {entry!r}')
    unknown = set(entry) - {"index", "ttl"}
    if unknown:
        raise ConfigError(f'"store" has unknown keys {sorted(unknown)} (known: index, ttl)')
    if not isinstance(store, RowStore):
        raise ConfigError(f'"store" settings need a streamgraph store, not {type(store).__name__}')
    index = _index(entry["index"], base) if entry.get("index") is not None else None
    ttl = _ttl(entry["ttl"]) if entry.get("ttl") is not None else None
    try:
        store.configure(index=index, ttl=ttl)  # type: ignore[arg-type]  # (checked above)
    except ValueError as error:
        raise ConfigError(f'"store.index": {error}') from None


def _index(value: Any, base: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f'"store.index" must be an object, not {value!r}')
    dims, embed, fields = value.get("dims"), value.get("embed"), value.get("fields")
    if not isinstance(dims, int) or isinstance(dims, bool) or dims <= 0:
        raise ConfigError(f'"store.index.dims" must be a positive integer, not {dims!r}')
    if not isinstance(embed, str) or ":" not in embed:
        raise ConfigError(
            f'"store.index.embed" must be "provider:model" or "./file.py:function", not {embed!r}'
        )
    if fields is not None and (
        not isinstance(fields, list) or not all(isinstance(f, str) for f in fields)
    ):
        raise ConfigError(f'"store.index.fields" must be a list of paths, not {fields!r}')
    return {"dims": dims, "embed": _embedder(embed, base), "fields": fields}


def _embedder(spec: str, base: Path) -> Any:
    location, _, attribute = spec.rpartition(":")
    if location.endswith(".py") or "/" in location:
        module = _import_file("store.index.embed", (base / location).resolve())
    else:
        try:
            module = importlib.import_module(location)
        except ImportError:
            return spec  # a provider: LangChain's init_embeddings loads it
    if not hasattr(module, attribute):
        if not location.endswith(".py") and "/" not in location:
            return spec  # e.g. "openai:text-embedding-3-small" with openai installed
        raise ConfigError(f'"store.index.embed": {location} has no attribute {attribute!r}')
    return getattr(module, attribute)


def _ttl(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f'"store.ttl" must be an object, not {value!r}')
    for key, given in value.items():
        if key not in TTL_KEYS:
            known = ", ".join(TTL_KEYS)
            raise ConfigError(f'"store.ttl" has an unknown key "{key}" (known: {known})')
        wanted = TTL_KEYS[key]
        is_bool = isinstance(given, bool)
        if given is not None and (
            (wanted == "boolean") != is_bool or not isinstance(given, _TYPES[wanted])
        ):
            raise ConfigError(f'"store.ttl.{key}" must be a {wanted}, not {given!r}')
    return dict(value)
