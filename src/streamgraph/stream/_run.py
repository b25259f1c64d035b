"""Starting v3 runs: ``Pregel.stream_events``/``astream_events(version="v3")`` land here.

A v3 run is an ordinary run of the graph (the same loop and drivers as ``stream()``), asked
for the union of the modes its transformers need, with nested graphs' events, and with a
shape function that builds protocol events directly. The run stream pulls from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from streamgraph._context import SCOPE
from streamgraph.constants import NS_SEP
from streamgraph.pregel._stream import Event
from streamgraph.stream._messages import MessagesTransformer
from streamgraph.stream._mux import StreamMux, TransformerFactory
from streamgraph.stream._protocol import CHANNELS, ProtocolEncoder, event_shape, graph_modes
from streamgraph.stream._types import ProtocolEvent, StreamTransformer
from streamgraph.stream.run_stream import AsyncGraphRunStream, GraphRunStream
from streamgraph.stream.transformers import (
    LifecycleTransformer,
    SubgraphTransformer,
    ValuesTransformer,
)

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel.main import Pregel

__all__ = ("astream_protocol_events", "normalize_factories", "start_v3", "start_v3_async")

BUILTIN_FACTORIES: tuple[TransformerFactory, ...] = (
    ValuesTransformer,
    MessagesTransformer,
    LifecycleTransformer,
    SubgraphTransformer,
)

_RUN_OPTIONS = (
    "context",
    "output_keys",
    "interrupt_before",
    "interrupt_after",
    "durability",
    "control",
)
_OWNED = ("stream_mode", "subgraphs")


def normalize_factories(specs: Sequence[Any] | None, *, where: str) -> list[TransformerFactory]:
    """Check transformer specs: ``StreamTransformer`` subclasses or callables
    ``factory(scope) -> StreamTransformer`` (instances cannot be copied into subgraph
    scopes)."""
    if specs is None:
        return []
    if isinstance(specs, (str, bytes)) or not isinstance(specs, Sequence):
        raise TypeError(f"{where} must be a list of transformer classes or factories")
    factories: list[TransformerFactory] = []
    for spec in specs:
        if isinstance(spec, StreamTransformer):
            raise TypeError(
                f"{where}: stream_events(version='v3') transformers must be scope-aware "
                f"callables, got pre-built instance {type(spec).__name__}; pass the class, or "
                f"a factory such as `lambda scope: {type(spec).__name__}(scope, ...)`"
            )
        if isinstance(spec, type) and not issubclass(spec, StreamTransformer):
            raise TypeError(
                f"{where}: {spec.__name__} is not a StreamTransformer subclass (transformers "
                "are StreamTransformer classes or factories `factory(scope)` returning one)"
            )
        if not callable(spec):
            raise TypeError(
                f"{where}: stream_events(version='v3') transformers must be scope-aware "
                f"callables, got {type(spec).__name__}: {spec!r}"
            )
        factories.append(spec)
    return factories


def _options(kwargs: dict[str, Any]) -> dict[str, Any]:
    owned = [key for key in _OWNED if key in kwargs]
    if owned:
        raise TypeError(
            f"stream_events(version='v3') does not accept {', '.join(owned)}: a v3 run asks "
            "the graph for the stream modes its transformers need (stream_mode), and for "
            "nested graphs' events, which its subgraph projections need (subgraphs)"
        )
    unknown = sorted(set(kwargs) - set(_RUN_OPTIONS))
    if unknown:
        raise TypeError(
            f"stream_events(version='v3') got unexpected keyword arguments: {', '.join(unknown)}"
            f" (run options it passes on: {', '.join(_RUN_OPTIONS)})"
        )
    return {key: kwargs.get(key) for key in _RUN_OPTIONS}


def _scope(config: dict[str, Any] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(scope, prefix): the namespace the run's projections look at, and the one its
    records are relative to. Inside a node both are the task's namespace; at the root the
    scope is the caller's ``checkpoint_ns``, if any (as in LangGraph)."""
    parent = SCOPE.get()
    if parent is not None:
        return parent.ns_path, parent.ns_path
    checkpoint_ns = ((config or {}).get("configurable") or {}).get("checkpoint_ns")
    return (tuple(checkpoint_ns.split(NS_SEP)) if checkpoint_ns else ()), ()


def _setup(
    graph: Pregel,
    config: dict[str, Any] | None,
    transformers: Sequence[Any] | None,
    kwargs: dict[str, Any],
    is_async: bool,
) -> tuple[StreamMux, Loop, tuple[str, ...]]:
    options = _options(kwargs)
    factories = [
        *BUILTIN_FACTORIES,
        *normalize_factories(graph.stream_transformers, where="compile(transformers=...)"),
        *normalize_factories(transformers, where="transformers="),
    ]
    scope, prefix = _scope(config)
    mux = StreamMux(factories=factories, scope=scope, is_async=is_async)
    required = [mode for t in mux._transformers for mode in t.required_stream_modes]
    loop = graph._start_run(config, modes=graph_modes(required), subgraphs=True, **options)
    return mux, loop, prefix


def start_v3(
    graph: Pregel,
    input: Any,
    config: dict[str, Any] | None,
    transformers: Sequence[Any] | None,
    kwargs: dict[str, Any],
) -> GraphRunStream:
    """``graph.stream_events(input, config, version="v3", ...)``."""
    from streamgraph.pregel._drive import drive
    from streamgraph.pregel.main import _bubble

    mux, loop, prefix = _setup(graph, config, transformers, kwargs, is_async=False)
    source: Iterator[Event] = _bubble(loop, drive(loop, input, _record))
    shape = event_shape(prefix, graph.output_spec, graph.state_spec)
    return GraphRunStream(source, mux, shape=shape, prefix=prefix)


async def start_v3_async(
    graph: Pregel,
    input: Any,
    config: dict[str, Any] | None,
    transformers: Sequence[Any] | None,
    kwargs: dict[str, Any],
) -> AsyncGraphRunStream:
    """``await graph.astream_events(input, config, version="v3", ...)``."""
    from streamgraph.pregel._adrive import adrive
    from streamgraph.pregel.main import _abubble

    mux, loop, prefix = _setup(graph, config, transformers, kwargs, is_async=True)
    source: AsyncIterator[Event] = _abubble(loop, adrive(loop, input, _record))
    shape = event_shape(prefix, graph.output_spec, graph.state_spec)
    return AsyncGraphRunStream(source, mux, shape=shape, prefix=prefix)


def _record(record: Event) -> Event:
    """The driver's shape for run streams: records as they are (run streams build events
    only when something looks at them)."""
    return record


async def astream_protocol_events(
    graph: Pregel,
    input: Any,
    config: dict[str, Any] | None = None,
    *,
    channels: Sequence[str] = ("values", "messages", "lifecycle"),
    **kwargs: Any,
) -> AsyncIterator[ProtocolEvent]:
    """Run ``graph`` and yield the protocol events of the given channels, as a v3 run's
    main log shows them but without run streams or projections (for servers: plain dicts,
    unnumbered, each namespace full). The run is driven by this iterator: it stops when the
    iterator is closed. A failed run yields its lifecycle ends, then raises."""
    from streamgraph.pregel._adrive import adrive

    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        raise ValueError(f"unknown channels {unknown}; channels are: {', '.join(CHANNELS)}")
    options = _options(kwargs)
    wanted = {"tasks" if c == "lifecycle" else c for c in channels}
    scope, prefix = _scope(config)
    loop = graph._start_run(config, modes=graph_modes(wanted), subgraphs=True, **options)
    encoder = ProtocolEncoder(channels, scope=scope)
    shape = event_shape(prefix, graph.output_spec, graph.state_spec)
    try:
        async for event in adrive(loop, input, shape):
            for out in encoder.encode_event(event):
                yield out
    except Exception as error:
        for out in encoder.fail(error):
            yield out
        raise
    for out in encoder.close():
        yield out
