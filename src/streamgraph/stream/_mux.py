"""StreamMux: a run's transformer pipeline and its main event log.

Every event of a v3 run goes through ``push`` (``apush`` in async runs): each transformer
that looks at its method sees it, in registration order, then it enters the main log
(``for event in run``) unless a transformer returned ``False``. Only the run's root pipeline
numbers events (``seq``); the pipelines of subgraph handles (``_make_child``) share the
root's event objects.

The pipeline calls only the transformers that look at an event's method: built-in
transformers declare theirs (``_methods``), user transformers see everything. The list per
method is computed once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from streamgraph.pregel._stream import MESSAGE_EVENTS
from streamgraph.stream._types import (
    ProtocolEvent,
    StreamTransformer,
    declared_methods,
    requires_async,
    scheduled_tasks,
)
from streamgraph.stream.stream_channel import StreamChannel

__all__ = ("StreamMux", "TransformerFactory")

TransformerFactory = Callable[[tuple[str, ...]], StreamTransformer]
"""Builds a transformer for a pipeline scope: a ``StreamTransformer`` subclass whose
constructor takes ``scope``, or any callable doing the same."""

_Route = list[tuple[Callable[[ProtocolEvent], Any], bool]]  # (process, awaitable?)
_Take = Callable[[tuple[str, ...], Any], None]

_FAST_METHODS = frozenset({"custom", "messages", "updates", "tools"})
"""Methods whose events built-in projections can take as records (see ``fast_route``)."""


class StreamMux:
    """A run's pipeline. ``factories`` build fresh transformers per scope (and for subgraph
    handles); ``transformers`` are instances for this pipeline only."""

    def __init__(
        self,
        transformers: Sequence[StreamTransformer] | None = None,
        *,
        is_async: bool = False,
        factories: Sequence[TransformerFactory] | None = None,
        scope: tuple[str, ...] = (),
        _assign_seq: bool = True,
    ) -> None:
        self.is_async = is_async
        self.scope = scope
        self._assign_seq = _assign_seq
        self._events: StreamChannel[ProtocolEvent] = StreamChannel()
        self._events._bind(is_async=is_async)
        self._events._bind_mux(self)
        self._transformers: list[StreamTransformer] = []
        self._channels: list[StreamChannel[Any]] = []
        self._seq = 0
        self._stamp = 0
        self._routes: dict[str, _Route] = {}
        self._sync_routes: dict[str, tuple[Callable[[ProtocolEvent], Any], ...]] = {}
        self._fast_routes: dict[str, tuple[_Take, ...] | None] = {}
        self.extensions: dict[str, Any] = {}
        self.native_keys: set[str] = set()
        self._owners: dict[str, StreamTransformer] = {}
        self._factories = list(factories) if factories is not None else None
        self._pump_fn: Callable[[], bool] | None = None
        self._apump_fn: Callable[[], Awaitable[bool]] | None = None
        built = [_build(factory, scope) for factory in self._factories or ()]
        for group in (built, list(transformers or ())):
            # before_builtins transformers first, each group keeping its order
            for transformer in sorted(group, key=lambda t: not t.before_builtins):
                self._register(transformer)

    # -- registration ------------------------------------------------------------------------

    def _register(self, transformer: StreamTransformer) -> None:
        if not isinstance(transformer, StreamTransformer):
            raise TypeError(
                f"v3 stream transformers must be StreamTransformer instances, got "
                f"{type(transformer).__name__}: {transformer!r}"
            )
        if not self.is_async and requires_async(transformer):
            raise RuntimeError(
                f"{type(transformer).__name__} requires an async run (it sets requires_async "
                "or overrides aprocess/afinalize/afail): use astream_events(version='v3')"
            )
        projection = transformer.init()
        if not isinstance(projection, dict):
            raise TypeError(
                f"{type(transformer).__name__}.init() must return a dict of projections, got "
                f"{type(projection).__name__}"
            )
        taken = sorted(set(projection) & set(self.extensions))
        if taken:
            owners = ", ".join(
                f"{key!r} (owned by {type(self._owners[key]).__name__})" for key in taken
            )
            raise ValueError(
                f"{type(transformer).__name__} returned projection keys that conflict with "
                f"keys already registered: {owners}"
            )
        native = bool(getattr(transformer, "_native", False))
        self._transformers.append(transformer)
        for value in projection.values():
            if isinstance(value, StreamChannel):
                self._adopt(value, native)
        self.extensions.update(projection)
        for key in projection:
            self._owners[key] = transformer
        if native:
            self.native_keys.update(projection)
        self.reroute()
        transformer._on_register(self)

    def _adopt(self, channel: StreamChannel[Any], native: bool) -> None:
        channel._bind(is_async=self.is_async)
        channel._bind_mux(self)
        self._channels.append(channel)
        if self._pump_fn is not None:
            channel._request_more = self._pump_fn
        if self._apump_fn is not None:
            channel._arequest_more = self._apump_fn
        if channel.name is not None:
            method = channel.name if native else f"custom:{channel.name}"
            channel._wire(lambda item: self._forward(method, item))

    def reroute(self) -> None:
        """Forget which transformers see which methods (a transformer changed its
        ``_methods``)."""
        self._routes.clear()
        self._sync_routes.clear()
        self._fast_routes.clear()

    def transformer_by_key(self, key: str) -> StreamTransformer | None:
        """The transformer that registered projection ``key``."""
        return self._owners.get(key)

    def _next_stamp(self) -> int:
        self._stamp += 1
        return self._stamp

    # -- pumps and subgraph pipelines --------------------------------------------------------

    def bind_pump(self, pump: Callable[[], bool]) -> None:
        """Let every cursor of this pipeline advance the run with ``pump`` (sync runs)."""
        self._pump_fn = pump
        self._events._request_more = pump
        for channel in self._channels:
            channel._request_more = pump
        for transformer in self._transformers:
            bind = getattr(transformer, "_bind_pump", None)
            if bind is not None:
                bind(pump)

    def bind_apump(self, apump: Callable[[], Awaitable[bool]]) -> None:
        """The async twin of ``bind_pump``."""
        self._apump_fn = apump
        self._events._arequest_more = apump
        for channel in self._channels:
            channel._arequest_more = apump
        for transformer in self._transformers:
            bind = getattr(transformer, "_bind_apump", None)
            if bind is not None:
                bind(apump)

    def _make_child(self, scope: tuple[str, ...]) -> StreamMux:
        """A pipeline for a subgraph handle: fresh transformers from the same factories,
        scoped to ``scope``, driven by this run's pump."""
        if self._factories is None:
            raise RuntimeError(
                "StreamMux._make_child needs a pipeline built from factories: transformer "
                "instances cannot be copied into a subgraph's scope"
            )
        child = StreamMux(
            factories=self._factories, is_async=self.is_async, scope=scope, _assign_seq=False
        )
        if self._pump_fn is not None:
            child.bind_pump(self._pump_fn)
        if self._apump_fn is not None:
            child.bind_apump(self._apump_fn)
        return child

    # -- events ------------------------------------------------------------------------------

    def _route(self, method: str) -> _Route:
        route = self._routes.get(method)
        if route is None:
            route = []
            for transformer in self._transformers:
                methods = declared_methods(transformer)
                if methods is not None and method not in methods:
                    continue
                overridden = type(transformer).aprocess is not StreamTransformer.aprocess
                if self.is_async and overridden:
                    route.append((transformer.aprocess, True))
                else:
                    route.append((transformer.process, False))
            self._routes[method] = route
        return route

    def _sync_route(self, method: str) -> tuple[Callable[[ProtocolEvent], Any], ...]:
        route = self._sync_routes[method] = tuple(process for process, _ in self._route(method))
        return route

    def fast_route(self, mode: str) -> tuple[_Take, ...] | None:
        """For a record of ``mode``: the ``_take(namespace, payload)`` hooks of the
        transformers that would see its event, when they are all built-in projections that
        can take the record as it is; else ``None`` (the event must be built). Lets a run
        whose main log nobody reads skip building events for high-volume modes."""
        try:
            return self._fast_routes[mode]
        except KeyError:
            pass
        method = "messages" if mode == MESSAGE_EVENTS else mode
        takes: tuple[_Take, ...] | None = None
        if method in _FAST_METHODS:
            found = [_take_of(process, awaitable) for process, awaitable in self._route(method)]
            takes = None if None in found else tuple(t for t in found if t is not None)
        self._fast_routes[mode] = takes
        return takes

    def push(self, event: ProtocolEvent) -> None:
        """Show ``event`` to the transformers, then put it in the main log."""
        method = event["method"]
        route = self._sync_routes.get(method)
        if route is None:
            route = self._sync_route(method)
        keep = True
        for process in route:
            if not process(event):
                keep = False
        if keep:
            if self._assign_seq:
                self._seq += 1
                event["seq"] = self._seq
            if self._events._subscribed:  # the main log keeps nothing for nobody
                self._events.push(event)

    async def apush(self, event: ProtocolEvent) -> None:
        """The async twin of ``push``: ``aprocess`` hooks are awaited in turn."""
        keep = True
        for process, awaitable in self._route(event["method"]):
            kept = (await process(event)) if awaitable else process(event)
            if not kept:
                keep = False
        if keep:
            self._log(event)

    def _log(self, event: ProtocolEvent) -> None:
        if self._assign_seq:
            self._seq += 1
            event["seq"] = self._seq
        self._events.push(event)

    def _forward(self, method: str, item: Any) -> None:
        """A named channel's item, as an event of the main log (transformers do not see it:
        one pushing while processing would see its own output)."""
        self._log(
            {
                "type": "event",
                "method": method,
                "params": {"namespace": [], "timestamp": int(time.time() * 1000), "data": item},
            }
        )

    # -- end of the run ----------------------------------------------------------------------

    def close(self) -> None:
        """The run ended: finalize the transformers, close every channel. The first
        ``finalize`` error is raised once everything is closed."""
        first: BaseException | None = None
        for transformer in self._transformers:
            try:
                transformer.finalize()
            except BaseException as error:
                first = first or error
        self._close_channels()
        if first is not None:
            raise first

    def fail(self, err: BaseException) -> None:
        """The run failed with ``err``: tell the transformers, fail every channel."""
        for transformer in self._transformers:
            try:
                transformer.fail(err)
            except BaseException:
                pass
        self._fail_channels(err)

    async def aclose(self) -> None:
        """The async twin of ``close``; ``schedule()``d tasks are awaited first (one that
        raised with ``on_error="raise"`` makes this raise)."""
        pending = self._scheduled()
        if pending:
            results = await asyncio.gather(*pending, return_exceptions=True)
            for result in results:
                if isinstance(result, BaseException) and not isinstance(
                    result, asyncio.CancelledError
                ):
                    raise result
        first: BaseException | None = None
        for transformer in self._transformers:
            try:
                await transformer.afinalize()
            except BaseException as error:
                first = first or error
        self._close_channels()
        if first is not None:
            raise first

    async def afail(self, err: BaseException) -> None:
        """The async twin of ``fail``; ``schedule()``d tasks are cancelled first."""
        pending = self._scheduled()
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        for transformer in self._transformers:
            try:
                await transformer.afail(err)
            except BaseException:
                pass
        self._fail_channels(err)

    def _scheduled(self) -> list[asyncio.Task[Any]]:
        return [
            task
            for transformer in self._transformers
            for task in scheduled_tasks(transformer)
            if not task.done()
        ]

    def _close_channels(self) -> None:
        for channel in self._channels:
            if not channel._closed:
                channel.close()
        self._events.close()

    def _fail_channels(self, err: BaseException) -> None:
        for channel in self._channels:
            if not channel._closed:
                channel.fail(err)
        if not self._events._closed:
            self._events.fail(err)


def _take_of(process: Callable[..., Any], awaitable: bool) -> _Take | None:
    """The transformer's ``_take``, if the class whose ``process`` runs defines one."""
    transformer = getattr(process, "__self__", None)
    if awaitable or transformer is None:
        return None
    for cls in type(transformer).__mro__:
        if "process" in cls.__dict__:
            take: _Take | None = transformer._take if "_take" in cls.__dict__ else None
            return take
    return None


def _build(factory: TransformerFactory, scope: tuple[str, ...]) -> StreamTransformer:
    transformer = factory(scope)
    if not isinstance(transformer, StreamTransformer):
        name = getattr(factory, "__qualname__", type(factory).__name__)
        raise TypeError(
            f"v3 stream transformer factory {name} returned {type(transformer).__name__}, "
            "not a StreamTransformer"
        )
    return transformer
