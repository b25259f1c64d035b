"""InMemoryCache: node results cached in this process's memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from streamgraph.cache.base import BaseCache, FullKey, Namespace, ValueT
from streamgraph.checkpoint.serde import Serializer

__all__ = ("InMemoryCache",)


class InMemoryCache(BaseCache[ValueT]):
    """A cache in a dict (values serialized, so a hit is a copy). Thread-safe."""

    def __init__(self, *, serde: Serializer | None = None) -> None:
        super().__init__(serde=serde)
        self._data: dict[Namespace, dict[str, tuple[tuple[str, bytes], float | None]]] = {}
        self._lock = threading.RLock()

    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, ValueT]:
        now = time.time()
        found: dict[FullKey, ValueT] = {}
        with self._lock:
            for namespace, key in keys:
                entry = self._data.get(tuple(namespace), {}).get(key)
                if entry is None:
                    continue
                data, expires = entry
                if expires is not None and expires <= now:
                    del self._data[tuple(namespace)][key]
                    continue
                found[tuple(namespace), key] = self.serde.loads_typed(data)
        return found

    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, ValueT]:
        return self.get(keys)

    def set(self, pairs: Mapping[FullKey, tuple[ValueT, int | None]]) -> None:
        now = time.time()
        with self._lock:
            for (namespace, key), (value, ttl) in pairs.items():
                entry: Any = (self.serde.dumps_typed(value), now + ttl if ttl is not None else None)
                self._data.setdefault(tuple(namespace), {})[key] = entry

    async def aset(self, pairs: Mapping[FullKey, tuple[ValueT, int | None]]) -> None:
        self.set(pairs)

    def clear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        with self._lock:
            if namespaces is None:
                self._data.clear()
            for namespace in namespaces or ():
                self._data.pop(tuple(namespace), None)

    async def aclear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        self.clear(namespaces)
