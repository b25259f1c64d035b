"""``PregelNode``: a node of a low-level ``Pregel`` graph, as declared (``NodeBuilder.build()``
makes one). ``channels`` are what it reads (one name: that channel's value; a list: a dict of
the available ones), ``triggers`` the channels whose update runs it, ``bound`` what it runs,
``writers`` where its output goes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import timedelta

from streamgraph.pregel._write import ChannelWrite
from streamgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

__all__ = ("PregelNode",)


def _identity(value: Any) -> Any:
    return value


class PregelNode:
    """A low-level node declaration (see the module docstring)."""

    def __init__(
        self,
        *,
        channels: str | list[str],
        triggers: Sequence[str],
        mapper: Callable[[Any], Any] | None = None,
        writers: list[Any] | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        bound: Any = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        cache_policy: CachePolicy | None = None,
        timeout: float | timedelta | TimeoutPolicy | None = None,
        subgraphs: Sequence[Any] | None = None,
    ) -> None:
        self.channels = channels
        self.triggers = list(triggers)
        self.mapper = mapper
        self.writers = writers or []
        self.tags = tags
        self.metadata = metadata
        self.bound = bound if bound is not None else _identity
        if isinstance(retry_policy, RetryPolicy):
            retry_policy = (retry_policy,)
        self.retry_policy = tuple(retry_policy or ())
        self.cache_policy = cache_policy
        self.timeout = TimeoutPolicy.coerce(timeout)
        self.subgraphs = list(subgraphs or ())

    def __repr__(self) -> str:
        return f"PregelNode(channels={self.channels!r}, triggers={self.triggers!r})"

    def copy(self, update: dict[str, Any]) -> PregelNode:
        """A copy with the given attributes replaced."""
        clone = object.__new__(PregelNode)
        clone.__dict__.update({**self.__dict__, **update})
        return clone

    @property
    def flat_writers(self) -> list[ChannelWrite]:
        return [w for w in self.writers if isinstance(w, ChannelWrite)]
