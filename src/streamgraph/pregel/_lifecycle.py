"""Graph lifecycle callbacks (``streamgraph.callbacks``): the loop notes resumes and the end
of an interrupted run; the drivers hand the notes to the handlers (awaiting async ones in
async runs). Nothing here runs unless the run's config has a ``GraphCallbackHandler``."""

from __future__ import annotations

import sys
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop

__all__ = ("aflush", "flush", "note_interrupt", "note_resume")


def _handlers(loop: Loop) -> list[Any]:
    found = loop.graph_handlers
    if found is None:
        module = sys.modules.get("streamgraph.callbacks")  # imported by whoever subclassed it
        callbacks = loop.config.get("callbacks")
        found = loop.graph_handlers = (
            module.graph_handlers(callbacks) if module is not None and callbacks else []
        )
    return found


def _run_id(loop: Loop) -> uuid.UUID:
    given = loop.config.get("run_id")
    if isinstance(given, uuid.UUID):
        return given
    if given is not None:
        try:
            return uuid.UUID(str(given))
        except ValueError:
            pass
    made: uuid.UUID = loop.lifecycle_run_id
    return made


def _namespace(loop: Loop) -> tuple[str, ...]:
    return tuple(loop.checkpoint_ns.split("|")) if loop.checkpoint_ns else ()


def note_resume(loop: Loop) -> None:
    """The level resumes from its checkpoint."""
    if not _handlers(loop) or loop.checkpoint is None:
        return
    from streamgraph.callbacks import GraphResumeEvent

    event = GraphResumeEvent(
        run_id=_run_id(loop),
        status="pending",
        checkpoint_id=str(loop.checkpoint["id"]),
        checkpoint_ns=_namespace(loop),
    )
    loop.lifecycle.append(event)


def note_interrupt(loop: Loop) -> None:
    """The run stopped with interrupts (the root level reports them all)."""
    if loop.ns or not loop.interrupted or not _handlers(loop):
        return
    from streamgraph.callbacks import GraphInterruptEvent

    checkpoint = getattr(loop, "checkpoint", None)
    event = GraphInterruptEvent(
        run_id=_run_id(loop),
        status=loop.interrupt_status,  # type: ignore[arg-type]
        checkpoint_id=str(checkpoint["id"]) if checkpoint is not None else "",
        checkpoint_ns=(),
        interrupts=tuple(loop.interrupts),
    )
    loop.lifecycle.append(event)


def flush(loop: Loop) -> None:
    """Hand the noted events to the handlers (sync run)."""
    from streamgraph.callbacks import dispatch

    events, loop.lifecycle = loop.lifecycle, []
    for event in events:
        dispatch(_handlers(loop), event)


async def aflush(loop: Loop) -> None:
    from streamgraph.callbacks import adispatch

    events, loop.lifecycle = loop.lifecycle, []
    for event in events:
        await adispatch(_handlers(loop), event)
