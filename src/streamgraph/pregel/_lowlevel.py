"""Low-level ``Pregel`` graphs (nodes subscribed to channels) on the same loop as StateGraphs.

A ``PregelNode`` becomes a ``ChannelNode``: its task reads its channels (``reader``), runs its
``bound`` steps and writes its output through its ``ChannelWrite``s. A node runs in the step
after one of its trigger channels was updated (and holds a value): the loop asks
``graph.trigger_map`` which nodes a channel triggers. The input is written straight to the
input channels (no ``__start__`` task), so the first nodes run at step 0, as in LangGraph.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from streamgraph._context import SCOPE
from streamgraph.channels.base import MISSING, BaseChannel
from streamgraph.constants import RESERVED_NAMES, START
from streamgraph.errors import InvalidUpdateError
from streamgraph.pregel._node import (
    DualNode,
    Node,
    StartNode,
    _is_runnable,
    adapt_callable,
    has_native_async,
)
from streamgraph.pregel._read import PregelNode
from streamgraph.pregel._write import ChannelWrite

if TYPE_CHECKING:
    from streamgraph.pregel.main import Pregel

__all__ = ("ChannelNode", "ChannelsSpec", "Steps", "assemble", "steps")


def _identity(value: Any) -> Any:
    return value


class Steps(DualNode):
    """Several ``NodeBuilder.do()`` steps run one after another, each on the previous
    output (functions get the injections they ask for, like node functions)."""

    def __init__(self, items: Sequence[Any]) -> None:
        self.items = list(items)
        self.name = "RunnableSequence"
        self._calls = [_step_call(item) for item in self.items]

    def native_async(self) -> bool:
        return all(has_native_async(item) for item in self.items)

    def invoke(self, input: Any, config: Any = None) -> Any:
        task = SCOPE.get()
        for item, call in zip(self.items, self._calls, strict=True):
            if call is None:
                input = item.invoke(input) if _is_graph(item) else item.invoke(input, config)
            else:
                input = call(input, task)
        return input

    async def ainvoke(self, input: Any, config: Any = None) -> Any:
        import inspect

        task = SCOPE.get()
        for item, call in zip(self.items, self._calls, strict=True):
            if call is None:
                input = await (
                    item.ainvoke(input) if _is_graph(item) else item.ainvoke(input, config)
                )
            else:
                input = call(input, task)
                if inspect.isawaitable(input):
                    input = await input
        return input


def _step_call(item: Any) -> Any:
    """How ``Steps`` calls one item: ``None`` for graphs and runnables (``invoke``)."""
    if _is_graph(item) or _is_runnable(item):
        return None
    if not callable(item):
        raise TypeError(f"NodeBuilder.do() needs a function or a runnable, got {item!r}")
    return adapt_callable(item)


def _is_graph(item: Any) -> bool:
    from streamgraph.pregel.main import Pregel

    return isinstance(item, Pregel)


def steps(items: Sequence[Any]) -> Any:
    """What a node built from ``items`` runs (``None``: it passes its input on)."""
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return Steps(items)


class ChannelsSpec:
    """The input/output side of a low-level graph, shaped like a state schema for the loop:
    one channel (the value itself) or several (a dict)."""

    kind = "channels"

    def __init__(self, keys: str | Sequence[str], channels: dict[str, BaseChannel]) -> None:
        self.keys = keys
        self.stored_keys: tuple[str, ...] = (keys,) if isinstance(keys, str) else tuple(keys)
        self.managed: dict[str, Any] = {}
        self.hints = {key: channels[key].typ for key in self.stored_keys}

    def input_writes(self, value: Any, allowed: frozenset[str]) -> list[tuple[str, Any]]:
        if isinstance(self.keys, str):
            return [(self.keys, value)]
        if not isinstance(value, dict):
            raise InvalidUpdateError(
                f"Expected dict, got {value!r}: this graph's input channels are "
                f"{list(self.stored_keys)}, so its input is a dict of them"
            )
        return [(k, v) for k, v in value.items() if k in self.stored_keys]

    def coerce(self, values: dict[str, Any]) -> Any:
        return values

    def to_output(self, values: Any) -> Any:
        return values

    def writes_from_object(self, obj: Any) -> None:
        return None


def _read(spec: str | list[str], mapper: Any, channels: dict[str, BaseChannel]) -> Any:
    if isinstance(spec, str):
        channel = channels[spec]
        value = channel.value if channel.is_available() else None
    else:
        value = {k: channels[k].value for k in spec if channels[k].is_available()}
    return mapper(value) if mapper is not None else value


class ChannelNode(Node):
    """A low-level node: reads channels, runs ``bound``, writes through ``ChannelWrite``s."""

    __slots__ = ("spec", "writers")

    def __init__(self, name: str, spec: PregelNode, channels: dict[str, BaseChannel]) -> None:
        keys = ChannelsSpec(spec.channels, channels)
        super().__init__(
            name,
            spec.bound,
            input_schema=keys,  # type: ignore[arg-type]
            state_schema=keys,  # type: ignore[arg-type]
            writable=frozenset(channels),
            triggers=tuple(spec.triggers),
            metadata=spec.metadata,
            retry_policy=spec.retry_policy,
            timeout=spec.timeout,
            cache_policy=spec.cache_policy,
        )
        self.spec = spec
        self.tags = list(spec.tags or ())
        self.reader = functools.partial(_read, spec.channels, spec.mapper)
        self.writers = [w for w in spec.writers if isinstance(w, ChannelWrite)]

    def writes_for(self, value: Any) -> list[tuple[str, Any]]:
        writes: list[tuple[str, Any]] = []
        for writer in self.writers:
            writes.extend(writer.writes_for(value))
        return writes


def validate(
    nodes: dict[str, PregelNode],
    channels: dict[str, BaseChannel],
    input_channels: str | Sequence[str],
    output_channels: str | Sequence[str],
    stream_channels: str | Sequence[str] | None,
) -> None:
    """LangGraph's checks of a low-level graph, with its messages."""
    known = repr(sorted(channels))[:100]
    for chan in channels:
        if chan in RESERVED_NAMES:
            raise ValueError(f"Channel name '{chan}' is reserved")
    subscribed: set[str] = set()
    for name, node in nodes.items():
        if name in RESERVED_NAMES:
            raise ValueError(f"Node name '{name}' is reserved")
        if not isinstance(node, PregelNode):
            raise TypeError(f"Invalid node type {type(node)}, expected PregelNode or NodeBuilder")
        subscribed.update(node.triggers)
        for chan in (node.channels,) if isinstance(node.channels, str) else node.channels:
            if chan not in channels:
                raise ValueError(
                    f"Node {name} reads channel '{chan}' not in known channels: '{known}'"
                )
    for chan in subscribed:
        if chan not in channels:
            raise ValueError(f"Subscribed channel '{chan}' not in known channels: '{known}'")
    inputs = (input_channels,) if isinstance(input_channels, str) else tuple(input_channels)
    for chan in inputs:
        if chan not in channels:
            raise ValueError(f"Input channel '{chan}' not in known channels: '{known}'")
    if isinstance(input_channels, str) and input_channels not in subscribed:
        raise ValueError(f"Input channel {input_channels} is not subscribed to by any node")
    if not isinstance(input_channels, str) and all(c not in subscribed for c in inputs):
        raise ValueError(f"None of the input channels {list(inputs)} are subscribed to by any node")
    outputs = [output_channels] if isinstance(output_channels, str) else list(output_channels)
    if stream_channels is not None:
        outputs += [stream_channels] if isinstance(stream_channels, str) else stream_channels
    for chan in outputs:
        if chan not in channels:
            raise ValueError(f"Output channel '{chan}' not in known channels: '{known}'")


def assemble(
    graph: Pregel,
    *,
    nodes: dict[str, Any],
    channels: dict[str, BaseChannel] | None,
    input_channels: str | Sequence[str],
    output_channels: str | Sequence[str],
    stream_channels: str | Sequence[str] | None,
    auto_validate: bool,
    **options: Any,
) -> None:
    """Set ``graph`` up from LangGraph's low-level declaration."""
    from streamgraph.pregel._builder import NodeBuilder

    specs = {k: v.build() if isinstance(v, NodeBuilder) else v for k, v in nodes.items()}
    declared = dict(channels or {})
    if auto_validate:
        validate(specs, declared, input_channels, output_channels, stream_channels)
    protos: dict[str, BaseChannel] = {}
    for key, channel in declared.items():
        proto = channel.copy_empty()
        proto.key = key
        protos[key] = proto
    built: dict[str, Node] = {name: ChannelNode(name, spec, protos) for name, spec in specs.items()}
    known = frozenset(built)
    triggers: dict[str, list[str]] = {}
    cache_policy = options.pop("cache_policy", None)  # the graph's: for nodes without one
    for name, node in built.items():
        node.known = known
        if node.cache_policy is None:
            node.cache_policy = cache_policy
        if node.timeout is not None and not has_native_async(node.fn):
            from streamgraph.pregel._node import SYNC_TIMEOUT

            raise ValueError(f"{SYNC_TIMEOUT} Node {name!r} is sync.")
        for trigger in node.triggers:
            triggers.setdefault(trigger, []).append(name)
    output_keys = output_channels if isinstance(output_channels, str) else tuple(output_channels)
    if stream_channels is None:
        stream_keys: str | tuple[str, ...] = tuple(protos)
    else:
        stream_keys = (
            stream_channels if isinstance(stream_channels, str) else tuple(stream_channels)
        )
    inputs = ChannelsSpec(input_channels, protos)
    start = StartNode(
        START,
        _identity,
        input_schema=inputs,  # type: ignore[arg-type]
        state_schema=inputs,  # type: ignore[arg-type]
        writable=frozenset(protos),
        triggers=(START,),
    )
    graph._setup(
        nodes=built,
        start_node=start,
        channel_protos=protos,
        barrier_protos={},
        barrier_targets={},
        state_schema=ChannelsSpec(tuple(protos), protos),  # type: ignore[arg-type]
        input_schema=inputs,  # type: ignore[arg-type]
        output_schema=ChannelsSpec(output_keys, protos),  # type: ignore[arg-type]
        stream_keys=stream_keys,  # type: ignore[arg-type]
        output_keys=output_keys,  # type: ignore[arg-type]
        **options,
    )
    graph.low_level = True
    graph.trigger_map = {k: tuple(v) for k, v in triggers.items()}
    graph.channels = declared
    graph.input_channels = input_channels
    graph.output_channels = output_channels
    graph.stream_channels = stream_channels
    graph.specs = specs


def channel_values(channels: dict[str, BaseChannel], keys: str | Sequence[str]) -> Any:
    """The values of ``keys`` (one key: its value or ``None``), skipping empty channels."""
    if isinstance(keys, str):
        channel = channels[keys]
        return channel.value if channel.value is not MISSING else None
    return {k: channels[k].value for k in keys if channels[k].is_available()}
