"""Graph lifecycle callbacks: be told when a run pauses for interrupts and when it resumes.

Subclass ``GraphCallbackHandler`` and pass an instance in ``config["callbacks"]`` (a list or a
LangChain callback manager, next to any other handlers)::

    class Audit(GraphCallbackHandler):
        def on_interrupt(self, event: GraphInterruptEvent) -> None:
            print("paused at", event.checkpoint_id, event.interrupts)

        def on_resume(self, event: GraphResumeEvent) -> None:
            print("resumed from", event.checkpoint_id)

    graph.invoke(inputs, {"configurable": {"thread_id": "1"}, "callbacks": [Audit()]})

``on_interrupt`` runs once when a run stops with interrupts (the root graph's, with every
interrupt of the run); ``on_resume`` when a graph level resumes from a checkpoint. Handlers may
be ``async def`` (awaited by async runs). A handler's exception is logged and ignored unless
the handler sets ``raise_error = True``. Other handlers in the config never see these events.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler, BaseCallbackManager

from streamgraph.types import Interrupt

__all__ = (
    "GraphCallbackHandler",
    "GraphInterruptEvent",
    "GraphLifecycleEvent",
    "GraphLifecycleStatus",
    "GraphResumeEvent",
    "get_async_graph_callback_manager_for_config",
    "get_sync_graph_callback_manager_for_config",
)

logger = logging.getLogger(__name__)

GraphLifecycleStatus: TypeAlias = Literal[
    "input", "pending", "done", "interrupt_before", "interrupt_after", "out_of_steps"
]
"""The loop's status when a lifecycle event happened."""


@dataclass(frozen=True)
class GraphInterruptEvent:
    """A run paused: ``interrupts`` (empty for ``interrupt_before``/``after`` stops)."""

    run_id: UUID | None
    status: GraphLifecycleStatus
    checkpoint_id: str
    checkpoint_ns: tuple[str, ...]
    interrupts: tuple[Interrupt, ...]


@dataclass(frozen=True)
class GraphResumeEvent:
    """A graph level resumed from checkpoint ``checkpoint_id``."""

    run_id: UUID | None
    status: GraphLifecycleStatus
    checkpoint_id: str
    checkpoint_ns: tuple[str, ...]


GraphLifecycleEvent: TypeAlias = GraphInterruptEvent | GraphResumeEvent


class GraphCallbackHandler(BaseCallbackHandler):
    """Base class of graph lifecycle handlers (see the module docstring)."""

    def on_interrupt(self, event: GraphInterruptEvent) -> Any:
        """The run paused for interrupts."""

    def on_resume(self, event: GraphResumeEvent) -> Any:
        """A graph level resumed from a checkpoint."""


def graph_handlers(callbacks: Any) -> list[GraphCallbackHandler]:
    """The lifecycle handlers among ``config["callbacks"]``."""
    if callbacks is None:
        return []
    if isinstance(callbacks, GraphCallbackHandler):
        return [callbacks]
    if isinstance(callbacks, BaseCallbackManager):
        found = [*callbacks.handlers, *callbacks.inheritable_handlers]
    elif isinstance(callbacks, Sequence) and not isinstance(callbacks, str | bytes):
        found = list(callbacks)
    else:
        return []
    unique: list[GraphCallbackHandler] = []
    for handler in found:
        if isinstance(handler, GraphCallbackHandler) and handler not in unique:
            unique.append(handler)
    return unique


def _failed(handler: GraphCallbackHandler, error: BaseException) -> None:
    if getattr(handler, "raise_error", False):
        raise error
    logger.warning("Error in %s lifecycle callback: %r", type(handler).__name__, error)


def dispatch(handlers: Sequence[GraphCallbackHandler], event: GraphLifecycleEvent) -> None:
    """Call every handler (sync run: an ``async def`` handler runs on its own loop)."""
    name = "on_interrupt" if isinstance(event, GraphInterruptEvent) else "on_resume"
    for handler in handlers:
        try:
            result = getattr(handler, name)(event)
            if inspect.isawaitable(result):
                asyncio.run(_awaited(result))
        except Exception as error:
            _failed(handler, error)


async def adispatch(handlers: Sequence[GraphCallbackHandler], event: GraphLifecycleEvent) -> None:
    """Call every handler, awaiting ``async def`` ones."""
    name = "on_interrupt" if isinstance(event, GraphInterruptEvent) else "on_resume"
    for handler in handlers:
        try:
            result = getattr(handler, name)(event)
            if inspect.isawaitable(result):
                await result
        except Exception as error:
            _failed(handler, error)


async def _awaited(result: Any) -> Any:
    return await result


class _GraphCallbackManager(BaseCallbackManager):
    """A callback manager that dispatches graph lifecycle events to its graph handlers (other
    handlers may be added; they are simply not told)."""

    def __init__(
        self,
        handlers: Sequence[BaseCallbackHandler] | None = None,
        inheritable_handlers: Sequence[BaseCallbackHandler] | None = None,
        parent_run_id: UUID | None = None,
        *,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            handlers=list(handlers or ()),
            inheritable_handlers=list(inheritable_handlers or ()),
            parent_run_id=parent_run_id,
            **kwargs,
        )
        self.run_id = run_id

    def on_interrupt(self, event: GraphInterruptEvent) -> None:
        dispatch(graph_handlers(self), event)

    def on_resume(self, event: GraphResumeEvent) -> None:
        dispatch(graph_handlers(self), event)


class _AsyncGraphCallbackManager(_GraphCallbackManager):
    """The async twin of ``_GraphCallbackManager``."""

    async def on_interrupt(self, event: GraphInterruptEvent) -> None:  # type: ignore[override]
        await adispatch(graph_handlers(self), event)

    async def on_resume(self, event: GraphResumeEvent) -> None:  # type: ignore[override]
        await adispatch(graph_handlers(self), event)


def get_sync_graph_callback_manager_for_config(
    config: Any, run_id: UUID | None = None
) -> _GraphCallbackManager:
    """A manager for the lifecycle handlers of ``config["callbacks"]``."""
    return _GraphCallbackManager(graph_handlers((config or {}).get("callbacks")), run_id=run_id)


def get_async_graph_callback_manager_for_config(
    config: Any, run_id: UUID | None = None
) -> _AsyncGraphCallbackManager:
    return _AsyncGraphCallbackManager(
        graph_handlers((config or {}).get("callbacks")), run_id=run_id
    )
