"""Run streams: what ``stream_events(version="v3")`` returns.

A run stream owns the run's event source (the graph's driver, yielding protocol events) and
its pipeline (``StreamMux``). There is no background work: whoever reads a projection, the
raw events or ``output`` advances the run (``_pump_next``: one event from the source through
the pipeline) until what they wait for is there. A consumer reading one projection pulls the
run through; the others keep what arrives for them only if somebody subscribed to them.

Async runs have one pump at a time: a second reader waits for the current pump step and then
looks at its own buffer again. ``abort()`` stops the run: the driver is closed (async: the
step in flight is cancelled first), which cancels running nodes and nested graphs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any, NoReturn

from streamgraph.stream._convert import convert_to_protocol_event
from streamgraph.stream._types import ProtocolEvent
from streamgraph.stream.stream_channel import StreamChannel

if TYPE_CHECKING:
    from streamgraph.stream._mux import StreamMux

__all__ = ("AsyncGraphRunStream", "AsyncSubgraphRunStream", "GraphRunStream", "SubgraphRunStream")


_UNKNOWN: Any = object()

# asyncio.current_task() is pure Python on 3.11 (a dict lookup behind get_running_loop()); a
# run stream asks for it once per event.
_CURRENT_TASKS: dict[Any, Any] | None = getattr(asyncio.tasks, "_current_tasks", None)


def _current_task() -> asyncio.Task[Any] | None:
    if _CURRENT_TASKS is None:
        return asyncio.current_task()
    task: asyncio.Task[Any] | None = _CURRENT_TASKS.get(asyncio.get_running_loop())
    return task


class RunCancelledError(RuntimeError):
    """The task advancing an async run was cancelled: the run stopped there."""


def _no_projection(run: object, name: str) -> NoReturn:
    mux = run.__dict__.get("_mux")  # not via getattr: a half-built run would recurse here
    names = ", ".join(sorted(mux.native_keys)) if mux is not None else ""
    raise AttributeError(
        f"{type(run).__name__!r} object has no attribute {name!r} "
        f"(registered projections: {names or 'none'})"
    )


class _RunState:
    """What sync and async run streams share: projections as attributes, and the run's own
    ``values`` (for ``output``, ``interrupted``, ``interrupts``, whatever is registered)."""

    _mux: StreamMux
    _exhausted: bool

    def _setup(
        self,
        mux: StreamMux,
        shape: Callable[[Any], ProtocolEvent] | None,
        prefix: tuple[str, ...],
    ) -> None:
        # With ``shape``, the source yields the graph's records (namespaces relative to
        # ``prefix``) and events are built here, only when something will look at them.
        self._shape = shape
        self._prefix = prefix
        self._mux = mux
        self.extensions: Mapping[str, Any] = MappingProxyType(mux.extensions)
        self._exhausted = False
        self._latest: Any = None
        self._interrupted = False
        self._interrupts: list[Any] = []
        self._scope = list(mux.scope)
        for key in mux.native_keys:
            setattr(self, key, mux.extensions[key])

    def __getattr__(self, name: str) -> Any:
        _no_projection(self, name)

    def _observe(self, event: ProtocolEvent) -> None:
        """Keep the run's own state (a ``values`` event of its scope) for ``output``."""
        if event["method"] != "values":
            return
        params = event["params"]
        if params["namespace"] != self._scope:
            return
        self._latest = params["data"]
        interrupts = params.get("interrupts")
        if interrupts:
            self._interrupted = True
            self._interrupts.extend(interrupts)

    def _taken(self, item: Any) -> bool:
        """Whether a record went to built-in projections without building its event: its
        mode is one they can take as records (``StreamMux.fast_route``) and nobody reads
        the main log. Saves most of an event's cost for high-volume modes."""
        mux = self._mux
        if mux._events._subscribed:
            return False
        mode = item[1]
        takes = mux._fast_routes.get(mode, _UNKNOWN)
        if takes is _UNKNOWN:
            takes = mux.fast_route(mode)
        if takes is None:
            return False
        prefix = self._prefix
        namespace = prefix + item[0] if prefix else item[0]
        data = item[2]
        for take in takes:
            take(namespace, data)
        mux._seq += 1  # the number the event would have had in the main log
        return True

    def _event(self, item: Any) -> ProtocolEvent:
        if self._shape is not None:
            event = self._shape(item)
        else:  # a source of protocol events, or of v2 parts
            event = item if "method" in item else convert_to_protocol_event(item)
        if event["method"] == "values":
            self._observe(event)
        return event

    def _raise_run_error(self) -> None:
        error = self._mux._events._error
        if error is not None:
            raise error


class GraphRunStream(_RunState):
    """A sync v3 run. Iterate it for raw protocol events, or read its projections:
    ``values``, ``messages`` (one ``ChatModelStream`` per message), ``lifecycle``,
    ``subgraphs`` (a ``SubgraphRunStream`` per child graph), and those of registered
    transformers (``updates``, ``custom``, ``tool_calls``...; all in ``extensions``).
    Each projection has one reader; ``interleave(*names)`` reads several in arrival order.
    Use it as a context manager to stop the run when leaving the block."""

    values: StreamChannel[Any]
    messages: StreamChannel[Any]
    lifecycle: StreamChannel[Any]
    subgraphs: StreamChannel[SubgraphRunStream]
    updates: StreamChannel[Any]
    custom: StreamChannel[Any]
    checkpoints: StreamChannel[Any]
    debug: StreamChannel[Any]
    tasks: StreamChannel[Any]

    def __init__(
        self,
        source: Iterator[Any] | None,
        mux: StreamMux,
        *,
        wire_pump: bool = True,
        shape: Callable[[Any], ProtocolEvent] | None = None,
        prefix: tuple[str, ...] = (),
    ) -> None:
        self._source = source
        self._setup(mux, shape, prefix)
        self._push = mux.push
        if wire_pump:
            mux.bind_pump(self._pump_next)

    def _pump_next(self) -> bool:
        """Advance the run by one event; ``False`` once it is over."""
        source = self._source
        if source is None or self._exhausted:
            return False
        try:
            item = next(source)
            mux = self._mux
            if self._shape is not None and not mux._events._subscribed:
                # ``_taken``, inlined: the path most events of a busy run take
                takes = mux._fast_routes.get(item[1], _UNKNOWN)
                if takes is _UNKNOWN:
                    takes = mux.fast_route(item[1])
                if takes is not None:
                    prefix, data = self._prefix, item[2]
                    namespace = prefix + item[0] if prefix else item[0]
                    for take in takes:
                        take(namespace, data)
                    mux._seq += 1
                    return True
            self._push(self._event(item))
            return True
        except StopIteration:
            self._exhausted = True
            self._mux.close()
            return False
        except Exception as error:  # the run's, or a transformer's: the run fails
            self._exhausted = True
            self._source = None
            _close_quietly(source)
            self._mux.fail(error)
            return False

    def abort(self) -> None:
        """Stop the run now (closing the driver stops what it runs). Idempotent."""
        if self._exhausted:
            return
        self._exhausted = True
        source, self._source = self._source, None
        _close_quietly(source)
        try:
            self._mux.close()
        except Exception:
            pass

    def __enter__(self) -> GraphRunStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()

    def _finish(self) -> None:
        pump = self._pump_next
        while pump():
            pass
        self._raise_run_error()

    @property
    def output(self) -> Any:
        """Run to the end; the last ``values`` of this run (raises the run's error)."""
        self._finish()
        return self._latest

    @property
    def interrupted(self) -> bool:
        """Run to the end; whether it stopped on an interrupt."""
        self._finish()
        return self._interrupted

    @property
    def interrupts(self) -> list[Any]:
        """Run to the end; the interrupts it stopped on."""
        self._finish()
        return self._interrupts

    def __iter__(self) -> Iterator[ProtocolEvent]:
        """The raw protocol events (the main log), each once, in order."""
        return iter(self._mux._events)

    def interleave(self, *names: str) -> Iterator[tuple[str, Any]]:
        """Read several projections at once: ``(name, item)`` pairs in the order the items
        arrived. The projections are subscribed while it runs."""
        channels = _subscribe_all(self.extensions, names, is_async=False)
        try:
            while channels:
                name = _earliest(channels)
                if name is not None:
                    yield name, channels[name]._items.popleft()[1]
                elif not (self._mux._pump_fn or self._pump_next)() and not _any_items(channels):
                    _drop_closed(channels)
                    if channels:
                        return
        finally:
            _release(self.extensions, names)


class AsyncGraphRunStream(_RunState):
    """An async v3 run (``await graph.astream_events(..., version="v3")``); see
    ``GraphRunStream``. ``output()``, ``interrupted()`` and ``interrupts()`` are coroutines.
    Any task may read any projection; one advances the run at a time."""

    values: StreamChannel[Any]
    messages: StreamChannel[Any]
    lifecycle: StreamChannel[Any]
    subgraphs: StreamChannel[AsyncSubgraphRunStream]
    updates: StreamChannel[Any]
    custom: StreamChannel[Any]
    checkpoints: StreamChannel[Any]
    debug: StreamChannel[Any]
    tasks: StreamChannel[Any]

    def __init__(
        self,
        source: AsyncIterator[Any] | None,
        mux: StreamMux,
        *,
        wire_pump: bool = True,
        shape: Callable[[Any], ProtocolEvent] | None = None,
        prefix: tuple[str, ...] = (),
    ) -> None:
        self._source = source
        self._setup(mux, shape, prefix)
        self._pumping = False
        self._pump_task: asyncio.Task[Any] | None = None
        self._abort_cancelled = False  # abort() cancelled the task pumping
        self._waiters: list[asyncio.Future[None]] = []
        if wire_pump:
            mux.bind_apump(self._apump_next)

    async def _apump_next(self) -> bool:
        """Advance the run by one event (or wait for the task doing it); ``False`` once
        the run is over."""
        source = self._source
        if source is None or self._exhausted:
            return False
        if self._pumping:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
            return not self._exhausted
        self._pumping = True
        task = self._pump_task = _current_task()
        try:
            item = await source.__anext__()
            if self._shape is None or not self._taken(item):
                await self._mux.apush(self._event(item))
            return True
        except StopAsyncIteration:
            self._exhausted = True
            try:
                await self._mux.aclose()
            except Exception as error:
                await self._mux.afail(error)
            return False
        except asyncio.CancelledError:
            if self._abort_cancelled and task is not None:
                self._abort_cancelled = False
                if task.uncancel() == 0:  # only abort() asked: the run just ends
                    return False
                raise
            await self._stopped()
            raise
        except Exception as error:  # the run's, or a transformer's: the run fails
            self._exhausted = True
            self._source = None
            await _aclose_quietly(source)
            await self._mux.afail(error)
            return False
        finally:
            self._pumping = False
            self._pump_task = None
            if self._abort_cancelled and task is not None:  # the cancellation got lost
                self._abort_cancelled = False
                task.uncancel()
            if self._waiters:
                self._wake_waiters()

    async def _stopped(self) -> None:
        """The task pumping was cancelled (not by ``abort()``): the run is over."""
        self._exhausted = True
        self._source = None
        stopped = RunCancelledError("the run stopped: the task advancing it was cancelled")
        await asyncio.shield(self._mux.afail(stopped))

    def _wake_waiters(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def abort(self) -> None:
        """Stop the run now: the step in flight is cancelled (nodes and nested graphs
        with it) and the driver closed. Idempotent."""
        if self._exhausted:
            return
        self._exhausted = True
        source, self._source = self._source, None
        task = self._pump_task
        if self._pumping and task is not None and task is not asyncio.current_task():
            finished = asyncio.get_running_loop().create_future()
            self._waiters.append(finished)
            self._abort_cancelled = True
            task.cancel()
            await asyncio.shield(finished)
        if not self._pumping:
            await _aclose_quietly(source)
        self._wake_waiters()
        try:
            await self._mux.aclose()
        except Exception:
            pass

    async def __aenter__(self) -> AsyncGraphRunStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.abort()

    async def _finish(self) -> None:
        pump = self._apump_next
        while await pump():
            pass
        self._raise_run_error()

    async def output(self) -> Any:
        """Run to the end; the last ``values`` of this run (raises the run's error)."""
        await self._finish()
        return self._latest

    async def interrupted(self) -> bool:
        """Run to the end; whether it stopped on an interrupt."""
        await self._finish()
        return self._interrupted

    async def interrupts(self) -> list[Any]:
        """Run to the end; the interrupts it stopped on."""
        await self._finish()
        return self._interrupts

    def __aiter__(self) -> AsyncIterator[ProtocolEvent]:
        """The raw protocol events (the main log), each once, in order."""
        return aiter(self._mux._events)

    async def interleave(self, *names: str) -> AsyncIterator[tuple[str, Any]]:
        """The async twin of ``GraphRunStream.interleave``."""
        channels = _subscribe_all(self.extensions, names, is_async=True)
        try:
            while channels:
                name = _earliest(channels)
                if name is not None:
                    yield name, channels[name]._items.popleft()[1]
                elif not await (self._mux._apump_fn or self._apump_next)() and not _any_items(
                    channels
                ):
                    _drop_closed(channels)
                    if channels:
                        return
        finally:
            _release(self.extensions, names)


class SubgraphRunStream(GraphRunStream):
    """A child graph of a sync run (from ``run.subgraphs``): the same projections, scoped
    to the child; reading them advances the whole run, up to the child's end.

    ``path`` is its namespace, ``graph_name`` its node's name, ``trigger_call_id`` the task
    id that started it; ``status`` goes from ``"started"`` to ``"completed"``,
    ``"failed"`` (``error`` says why) or ``"interrupted"``."""

    def __init__(
        self,
        mux: StreamMux,
        *,
        path: tuple[str, ...],
        graph_name: str | None = None,
        trigger_call_id: str | None = None,
    ) -> None:
        self._parent_pump = mux._pump_fn
        super().__init__(None, mux, wire_pump=False)
        self.path = path
        self.graph_name = graph_name
        self.trigger_call_id = trigger_call_id
        self.status = "started"
        self.error: str | None = None
        self._seen_terminal = False

    def _pump_next(self) -> bool:
        pump = self._parent_pump
        if pump is None or self._exhausted or self._seen_terminal or self._mux._events._closed:
            return False
        return pump()

    def __repr__(self) -> str:
        return f"SubgraphRunStream(path={self.path!r}, status={self.status!r})"


class AsyncSubgraphRunStream(AsyncGraphRunStream):
    """A child graph of an async run; see ``SubgraphRunStream``."""

    def __init__(
        self,
        mux: StreamMux,
        *,
        path: tuple[str, ...],
        graph_name: str | None = None,
        trigger_call_id: str | None = None,
    ) -> None:
        self._parent_apump = mux._apump_fn
        super().__init__(None, mux, wire_pump=False)
        self.path = path
        self.graph_name = graph_name
        self.trigger_call_id = trigger_call_id
        self.status = "started"
        self.error: str | None = None
        self._seen_terminal = False

    async def _apump_next(self) -> bool:
        pump = self._parent_apump
        if pump is None or self._exhausted or self._seen_terminal or self._mux._events._closed:
            return False
        return await pump()

    def __repr__(self) -> str:
        return f"AsyncSubgraphRunStream(path={self.path!r}, status={self.status!r})"


def _close_quietly(source: Any) -> None:
    close = getattr(source, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            pass


async def _aclose_quietly(source: Any) -> None:
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:
            pass


# -- interleave ------------------------------------------------------------------------------


def _subscribe_all(
    extensions: Mapping[str, Any], names: tuple[str, ...], *, is_async: bool
) -> dict[str, StreamChannel[Any]]:
    """Subscribe to each named projection (all or none: a failure releases the others)."""
    channels: dict[str, StreamChannel[Any]] = {}
    try:
        for name in names:
            if name not in extensions:
                raise KeyError(
                    f"no projection named {name!r}; registered: {', '.join(sorted(extensions))}"
                )
            channel = extensions[name]
            if not isinstance(channel, StreamChannel):
                raise TypeError(
                    f"interleave() reads StreamChannel projections; {name!r} is a "
                    f"{type(channel).__name__}"
                )
            channel._subscribe(is_async)
            channels[name] = channel
    except BaseException:
        for channel in channels.values():
            channel._subscribed = False
        raise
    return channels


def _earliest(channels: dict[str, StreamChannel[Any]]) -> str | None:
    """The projection holding the item that arrived first, or ``None`` (raises the error of
    a failed projection once it is drained)."""
    best: str | None = None
    best_stamp = 0
    for name, channel in channels.items():
        items = channel._items
        if items:
            stamp = items[0][0]
            if best is None or stamp < best_stamp:
                best, best_stamp = name, stamp
        elif channel._error is not None:
            raise channel._error
    return best


def _any_items(channels: dict[str, StreamChannel[Any]]) -> bool:
    return any(channel._items for channel in channels.values())


def _drop_closed(channels: dict[str, StreamChannel[Any]]) -> None:
    """Forget the projections that are over (raising the error of a failed one)."""
    for name in [name for name, channel in channels.items() if channel._closed]:
        error = channels[name]._error
        if error is not None:
            raise error
        del channels[name]


def _release(extensions: Mapping[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        channel = extensions.get(name)
        if isinstance(channel, StreamChannel):
            channel._subscribed = False
