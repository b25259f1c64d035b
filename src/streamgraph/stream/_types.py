"""The protocol event envelope and the transformer extension point.

A ``ProtocolEvent`` is one record of a run (``(namespace, mode, payload)``) in the envelope of
the LangChain agent streaming protocol (``langchain_protocol.Event``): ``{"type": "event",
"method": <channel>, "params": {"namespace", "timestamp", "data"}}`` plus ``seq`` once the
run's main log numbers it. The payloads are the protocol's own TypedDicts (``MessagesData``,
``ToolsData``, ``LifecycleData``...) or, for the graph's channels, what ``stream()`` yields.
Plain dicts, lists and tuples: a server can serialize and filter them without knowing this
package.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from typing import Any, ClassVar, Literal, NotRequired

from typing_extensions import TypedDict

__all__ = ("ProtocolEvent", "ProtocolEventParams", "StreamTransformer", "requires_async")

_logger = logging.getLogger("streamgraph.stream")


class ProtocolEventParams(TypedDict):
    """``params`` of a protocol event. ``timestamp`` is wall-clock milliseconds (it can go
    backwards); order events by ``seq``."""

    namespace: list[str]
    timestamp: int
    data: Any
    interrupts: NotRequired[tuple[Any, ...]]


class ProtocolEvent(TypedDict):
    """One event of a v3 run: a ``langchain_protocol.Event`` whose ``params`` carry the
    namespace the event comes from, a timestamp and the payload (``values`` events also
    their ``interrupts``). ``seq`` is set by the run's main log."""

    type: Literal["event"]
    event_id: NotRequired[str]
    seq: NotRequired[int]
    method: str
    params: ProtocolEventParams


class StreamTransformer(ABC):
    """A projection of a run's events: it sees every event of the run (``process``) and
    exposes what it builds through ``init()``'s dict (``run.extensions``; also as attributes
    of the run when the class sets ``_native = True``).

    ``StreamChannel`` values in that dict are closed or failed with the run. A channel with a
    name also puts each item into the run's main event log, as method ``<name>`` for native
    transformers and ``custom:<name>`` otherwise.

    Class attributes:

    - ``required_stream_modes``: the graph stream modes the transformer needs; a v3 run asks
      the graph for the union over its transformers, nothing more.
    - ``requires_async``: it needs an event loop (it calls ``schedule()``). Overriding
      ``aprocess``/``afinalize``/``afail`` implies it, unless ``supports_sync`` is set.
    - ``before_builtins``: run before the built-in transformers (to rewrite events before
      they are projected, e.g. redaction).

    ``process`` returns whether the event stays in the main log. ``scope`` is the namespace
    the transformer works in: ``()`` for the run, a subgraph's namespace for the pipelines of
    subgraph handles (transformers are given as factories ``factory(scope)``; a class whose
    constructor takes ``scope`` is one).
    """

    requires_async: ClassVar[bool] = False
    supports_sync: ClassVar[bool] = False
    required_stream_modes: ClassVar[tuple[str, ...]] = ()
    before_builtins: ClassVar[bool] = False

    def __init__(self, scope: tuple[str, ...] = ()) -> None:
        self.scope: tuple[str, ...] = scope

    @abstractmethod
    def init(self) -> dict[str, Any]:
        """The projections this transformer exposes, by name."""

    def _on_register(self, mux: Any) -> None:
        """Called once the transformer is part of a run's pipeline (``mux``)."""
        return None

    def process(self, event: ProtocolEvent) -> bool:
        """See one event (sync runs, and async runs without ``aprocess``); return whether it
        stays in the main log."""
        raise NotImplementedError(f"{type(self).__name__} must override process() or aprocess()")

    async def aprocess(self, event: ProtocolEvent) -> bool:
        """The async twin of ``process``, awaited before the next transformer sees the
        event."""
        return self.process(event)

    def finalize(self) -> None:
        """The run ended normally."""
        return None

    async def afinalize(self) -> None:
        """The run ended normally (async runs; after every ``schedule()``d task ended)."""
        self.finalize()

    def fail(self, err: BaseException) -> None:
        """The run ended with ``err``."""
        return None

    async def afail(self, err: BaseException) -> None:
        """The run ended with ``err`` (async runs; ``schedule()``d tasks are cancelled
        first)."""
        self.fail(err)

    def schedule(
        self,
        coro: Coroutine[Any, Any, Any],
        *,
        on_error: Literal["log", "raise"] = "log",
    ) -> asyncio.Task[Any]:
        """Run ``coro`` alongside the run: awaited before ``afinalize``, cancelled before
        ``afail``. ``on_error="log"`` logs its exception; ``"raise"`` fails the run with it.
        Needs a running event loop (an ``astream_events`` run)."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                f"{type(self).__name__}.schedule() requires a running event loop: run the "
                "graph with astream_events(version='v3'), and set requires_async = True on "
                "the class so that a sync run refuses it when it starts"
            ) from None
        task = asyncio.create_task(_logged(coro) if on_error == "log" else coro)
        tasks = scheduled_tasks(self)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task


async def _logged(coro: Coroutine[Any, Any, Any]) -> Any:
    try:
        return await coro
    except asyncio.CancelledError:
        raise
    except BaseException:
        _logger.exception("a task scheduled by a StreamTransformer failed")


def scheduled_tasks(transformer: StreamTransformer) -> set[asyncio.Task[Any]]:
    """The transformer's unfinished ``schedule()``d tasks (kept on the instance, so that
    subclasses need not call ``super().__init__``)."""
    tasks: set[asyncio.Task[Any]] | None = transformer.__dict__.get("_streamgraph_scheduled")
    if tasks is None:
        tasks = transformer.__dict__["_streamgraph_scheduled"] = set()
    return tasks


_ASYNC_HOOKS = ("aprocess", "afinalize", "afail")


def requires_async(transformer: StreamTransformer) -> bool:
    """Whether the transformer can only run in an async run."""
    if transformer.requires_async:
        return True
    if transformer.supports_sync:
        return False
    cls = type(transformer)
    return any(getattr(cls, name) is not getattr(StreamTransformer, name) for name in _ASYNC_HOOKS)


def declared_methods(transformer: StreamTransformer) -> frozenset[str] | None:
    """The event methods a transformer looks at, when its class says so (``_methods``, on
    the class whose ``process`` runs or on a subclass of it); ``None``: all of them. Lets
    the pipeline skip calls. A subclass overriding ``process`` sees every event again."""
    declared = False
    for cls in type(transformer).__mro__:
        declared = declared or "_methods" in cls.__dict__
        if "process" in cls.__dict__ or "aprocess" in cls.__dict__:
            break
    if not declared:
        return None
    methods: frozenset[str] | None = getattr(transformer, "_methods", None)
    return methods
