"""The cache interface: values by ``(namespace, key)``, each with an optional TTL in seconds.

The graph keeps a cached node's writes here (namespace ``("__pregel_ns_writes", node)``, key a
hash of the node's input, see ``streamgraph.pregel._cache``). Values pass through ``serde``
(the checkpoint serializer by default), so a cache holds what a checkpoint can hold.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Generic, TypeAlias, TypeVar

from streamgraph.checkpoint.serde import PackSerializer, Serializer

__all__ = ("BaseCache", "FullKey", "Namespace")

ValueT = TypeVar("ValueT")
Namespace: TypeAlias = tuple[str, ...]
FullKey: TypeAlias = tuple[Namespace, str]


class BaseCache(ABC, Generic[ValueT]):
    """A cache: implement the six methods (sync and async ``get``, ``set``, ``clear``)."""

    serde: Serializer

    def __init__(self, *, serde: Serializer | None = None) -> None:
        self.serde = serde or PackSerializer()

    @abstractmethod
    def get(self, keys: Sequence[FullKey]) -> dict[FullKey, ValueT]:
        """The values found for ``keys`` (expired or missing ones left out)."""

    @abstractmethod
    async def aget(self, keys: Sequence[FullKey]) -> dict[FullKey, ValueT]:
        """``get`` for async code."""

    @abstractmethod
    def set(self, pairs: Mapping[FullKey, tuple[ValueT, int | None]]) -> None:
        """Store each value with its TTL in seconds (``None``: kept until cleared)."""

    @abstractmethod
    async def aset(self, pairs: Mapping[FullKey, tuple[ValueT, int | None]]) -> None:
        """``set`` for async code."""

    @abstractmethod
    def clear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        """Delete the values of ``namespaces`` (all values when ``None``)."""

    @abstractmethod
    async def aclear(self, namespaces: Sequence[Namespace] | None = None) -> None:
        """``clear`` for async code."""
