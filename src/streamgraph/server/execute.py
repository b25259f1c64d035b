"""Executing one run: the graph's stream, turned into the run's SSE events.

The graph runs once with every mode the request asked for (``messages-tuple`` is the
library's ``messages`` mode; ``events`` is ``astream_events``' internal mode), plus
``values`` for the run's result. Each chunk becomes one event in the run's log, named as
LangGraph's server names them (``<mode>`` or ``<mode>|<namespace>`` with
``stream_subgraphs``); chunks of modes nobody asked for are dropped. ``Outcome`` collects
what the run ends with: the last values, the interrupts, the error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from streamgraph.constants import INTERRUPT
from streamgraph.server.serialize import dumps, error_payload

__all__ = ("GRAPH_MODES", "Outcome", "graph_events", "wait_body")

# Request mode -> the library mode that produces it.
GRAPH_MODES = {
    "values": "values",
    "updates": "updates",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
    "messages": "messages",
    "messages-tuple": "messages",
    "events": "events",
}

Emit = Callable[[str, bytes], Any]


class Outcome:
    """What a run ended with, for its ``/wait`` body and its thread's row."""

    __slots__ = ("error", "interrupt_chunk", "interrupted", "values")

    def __init__(self) -> None:
        self.values: Any = None  # the last ``values`` chunk of the root graph
        self.interrupt_chunk: dict[str, Any] | None = None
        self.interrupted = False  # stopped by interrupt(): __interrupt__ was streamed
        self.error: BaseException | None = None


def wait_body(outcome: Outcome, fallback: Any) -> Any:
    """The ``/wait`` and ``/join`` body: LangGraph's rules (server-api.md §2.10)."""
    if outcome.error is not None:
        return {"__error__": error_payload(outcome.error)}
    if outcome.interrupt_chunk is not None:
        return outcome.interrupt_chunk
    return outcome.values if outcome.values is not None else fallback


async def graph_events(
    graph: Any,
    input: Any,
    config: dict[str, Any],
    *,
    graph_id: str,
    run_id: str,
    requested: list[str],
    subgraphs: bool,
    options: dict[str, Any],
    outcome: Outcome,
    emit: Emit,
) -> None:
    """Run ``graph`` and emit each requested chunk (see the module docstring)."""
    from streamgraph.pregel._adrive import adrive, astream_on_worker

    modes = frozenset({GRAPH_MODES[m] for m in requested} | {"values"})
    loop = graph._start_run(config, modes=modes, subgraphs=subgraphs, output_keys=None, **options)
    wanted = frozenset(requested)
    legacy = _LegacyMessages() if "messages" in wanted else None
    if loop.events is not None:  # the root run is the server's run, named after the graph
        loop.events.run_id = run_id
        loop.events.parents = (run_id,)
    root = _RootRun(graph_id, run_id, loop) if "events" in wanted else None
    if root is not None:
        emit("events", dumps(root.start(input)))
    # A graph of sync nodes runs on one worker thread, whole: one thread round trip per
    # run instead of one per step.
    events = astream_on_worker(loop, input, _same) if graph.all_sync else adrive(loop, input, _same)
    async for ns, mode, payload in events:
        if mode == "values" and not ns:
            _record_values(outcome, payload)
        if mode == "updates" and not ns and isinstance(payload, dict) and INTERRUPT in payload:
            outcome.interrupted = True
        suffix = "|" + "|".join(ns) if ns else ""
        if mode == "messages":
            if "messages-tuple" in wanted:
                emit("messages" + suffix, dumps(payload))
            if legacy is not None and not ns:
                for name, data in legacy.events(payload):
                    emit(name, data)
        elif mode == "events":
            emit("events", dumps(payload))
        elif mode in wanted:
            if mode == "debug" and payload.get("type") == "checkpoint":
                payload = _with_checkpoint_refs(payload)
            emit(mode + suffix, dumps(payload))
    if root is not None:
        emit("events", dumps(root.end(graph._invoke_result(loop, "v1"))))


def _same(event: Any) -> Any:
    return event


def _with_checkpoint_refs(event: dict[str, Any]) -> dict[str, Any]:
    """A debug checkpoint event with ``checkpoint``/``parent_checkpoint`` references next to
    its configs, as LangGraph's server adds them."""
    from streamgraph.server.state import checkpoint_ref

    payload = event["payload"]
    tasks = [_task_ref(task) for task in payload.get("tasks", ())]
    return {
        **event,
        "payload": {
            **payload,
            "tasks": tasks,
            "checkpoint": checkpoint_ref(payload.get("config")),
            "parent_checkpoint": checkpoint_ref(payload.get("parent_config")),
        },
    }


def _task_ref(task: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint's task with a subgraph's state config shown as ``checkpoint``."""
    state = task.get("state")
    if not isinstance(state, dict) or "configurable" not in state:
        return task
    shown = {k: v for k, v in task.items() if k != "state"}
    shown["checkpoint"] = state["configurable"]
    return shown


def _record_values(outcome: Outcome, payload: Any) -> None:
    if isinstance(payload, dict) and INTERRUPT in payload:
        outcome.interrupted = True
        merged = dict(payload)
        previous = outcome.interrupt_chunk
        if previous is not None:  # several interrupts: one __interrupt__ list
            merged[INTERRUPT] = [*previous[INTERRUPT], *payload[INTERRUPT]]
        else:
            merged[INTERRUPT] = list(payload[INTERRUPT])
        outcome.interrupt_chunk = merged
    else:
        outcome.values = payload


class _RootRun:
    """The graph's own start and end in ``events`` mode (its stream events are left out,
    as LangGraph's server leaves them out). The run is named after the graph id."""

    def __init__(self, graph_id: str, run_id: str, loop: Any) -> None:
        from streamgraph.pregel._messages import with_integration

        self.name = graph_id
        self.run_id = run_id
        self.tags = list(loop.config.get("tags", ()))
        self.metadata = with_integration(loop.config.get("metadata", {}), "langgraph")

    def start(self, input: Any) -> dict[str, Any]:
        return {
            "event": "on_chain_start",
            "data": {"input": input},
            "name": self.name,
            "tags": self.tags,
            "run_id": self.run_id,
            "metadata": self.metadata,
            "parent_ids": [],
        }

    def end(self, output: Any) -> dict[str, Any]:
        return {
            "event": "on_chain_end",
            "data": {"output": output},
            "run_id": self.run_id,
            "name": self.name,
            "tags": self.tags,
            "metadata": self.metadata,
            "parent_ids": [],
        }


class _LegacyMessages:
    """The legacy ``messages`` mode: ``messages/metadata`` once per message, then
    ``messages/partial`` with the text so far for streamed chunks, or
    ``messages/complete`` for a finished message."""

    def __init__(self) -> None:
        self.so_far: dict[Any, Any] = {}

    def events(self, payload: Any) -> list[tuple[str, bytes]]:
        message, metadata = payload
        message_id = getattr(message, "id", None)
        out = []
        if message_id not in self.so_far:
            out.append(("messages/metadata", dumps({message_id: {"metadata": metadata}})))
        if _is_chunk(message):
            previous = self.so_far.get(message_id)
            total = message if previous is None else previous + message
            self.so_far[message_id] = total
            out.append(("messages/partial", dumps([_as_message(total)])))
        else:
            self.so_far[message_id] = message
            out.append(("messages/complete", dumps([message])))
        return out


def _is_chunk(message: Any) -> bool:
    return type(message).__name__.endswith("Chunk")


def _as_message(chunk: Any) -> Any:
    """A chunk as the whole message it adds up to (type ``ai``, not ``AIMessageChunk``)."""
    module = sys.modules.get("langchain_core.messages")
    if module is not None and isinstance(chunk, module.BaseMessageChunk):
        return module.message_chunk_to_message(chunk)
    data = chunk.model_dump()  # streamgraph's own MessageChunk
    data["type"] = "ai"
    data.pop("tool_call_chunks", None)
    return data
