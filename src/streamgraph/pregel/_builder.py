"""``NodeBuilder``: declare a low-level ``Pregel`` node step by step.

Example::

    node = NodeBuilder().subscribe_only("input").do(lambda x: x + 1).write_to("output")
    app = Pregel(
        nodes={"add_one": node},
        channels={"input": LastValue(int), "output": LastValue(int)},
        input_channels="input",
        output_channels="output",
    )
    app.invoke(1)  # 2
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from datetime import timedelta

from streamgraph.pregel._read import PregelNode
from streamgraph.pregel._write import ChannelWrite, ChannelWriteEntry
from streamgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

__all__ = ("NodeBuilder",)


class NodeBuilder:
    """Builds a ``PregelNode``: what it subscribes to and reads, what it runs, where it
    writes."""

    __slots__ = (
        "_bound",
        "_cache_policy",
        "_channels",
        "_metadata",
        "_retry_policy",
        "_tags",
        "_timeout",
        "_triggers",
        "_writes",
    )

    def __init__(self) -> None:
        self._channels: str | list[str] = []
        self._triggers: list[str] = []
        self._tags: list[str] = []
        self._metadata: dict[str, Any] = {}
        self._writes: list[ChannelWriteEntry] = []
        self._bound: list[Any] = []
        self._retry_policy: list[RetryPolicy] = []
        self._cache_policy: CachePolicy | None = None
        self._timeout: TimeoutPolicy | None = None

    def subscribe_only(self, channel: str) -> Self:
        """Run on updates of ``channel`` and receive its value alone."""
        if self._channels:
            raise ValueError(
                "Cannot subscribe to single channels when other channels are already subscribed to"
            )
        self._channels = channel
        self._triggers.append(channel)
        return self

    def subscribe_to(self, *channels: str, read: bool = True) -> Self:
        """Run on updates of any of ``channels``, receiving a dict of their values (unless
        ``read=False``: then they only trigger)."""
        if isinstance(self._channels, str):
            raise ValueError("Cannot subscribe to channels when subscribed to a single channel")
        if read:
            self._channels = [*self._channels, *channels]
        self._triggers.extend(channels)
        return self

    def read_from(self, *channels: str) -> Self:
        """Also receive these channels' values, without being triggered by them."""
        if not isinstance(self._channels, list):
            raise ValueError("Cannot read additional channels when subscribed to single channels")
        self._channels.extend(channels)
        return self

    def do(self, node: Any) -> Self:
        """Run ``node`` (a function, a runnable, a graph) on the input; several ``do()`` run
        one after another, each on the previous one's output."""
        self._bound.append(node)
        return self

    def write_to(self, *channels: str | ChannelWriteEntry, **kwargs: Any) -> Self:
        """Write the output to ``channels``; ``name=value`` writes a fixed value, or what a
        function given as the value makes of the output."""
        self._writes.extend(ChannelWriteEntry(c) if isinstance(c, str) else c for c in channels)
        self._writes.extend(
            ChannelWriteEntry(k, mapper=v) if callable(v) else ChannelWriteEntry(k, value=v)
            for k, v in kwargs.items()
        )
        return self

    def meta(self, *tags: str, **metadata: Any) -> Self:
        """Add tags and metadata to the node's tasks."""
        self._tags.extend(tags)
        self._metadata.update(metadata)
        return self

    def add_retry_policies(self, *policies: RetryPolicy) -> Self:
        self._retry_policy.extend(policies)
        return self

    def add_cache_policy(self, policy: CachePolicy) -> Self:
        self._cache_policy = policy
        return self

    def set_timeout(self, timeout: float | timedelta | TimeoutPolicy | None) -> Self:
        """A ``TimeoutPolicy`` (or seconds) for each attempt (async nodes only)."""
        self._timeout = TimeoutPolicy.coerce(timeout)
        return self

    def build(self) -> PregelNode:
        from streamgraph.pregel._lowlevel import steps

        return PregelNode(
            channels=self._channels,
            triggers=self._triggers,
            tags=self._tags,
            metadata=self._metadata,
            writers=[ChannelWrite(self._writes)],
            bound=steps(self._bound),
            retry_policy=self._retry_policy,
            cache_policy=self._cache_policy,
            timeout=self._timeout,
        )
