"""The LangChain callback handlers behind ``astream_events()`` (``EventsHandler``) and the
``tools`` stream mode (``ToolEventsHandler``).

``_events.py`` imports this module only when a run asks for either, so that graphs which
never touch LangChain never import it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextvars import Token
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from streamgraph._context import TOOL_CALL_WRITER
from streamgraph.errors import GraphBubbleUp
from streamgraph.pregel._events import _END, _START, _TAPPED, _ordered
from streamgraph.pregel._messages import streaming_handler_base

if TYPE_CHECKING:
    from streamgraph.pregel._events import Events
    from streamgraph.pregel._loop import Loop

__all__ = ("EventsHandler", "ToolEventsHandler")


def _name(serialized: Any, kwargs: dict[str, Any]) -> str:
    if kwargs.get("name"):
        return str(kwargs["name"])
    if isinstance(serialized, dict):
        if serialized.get("name"):
            return str(serialized["name"])
        if serialized.get("id"):
            return str(serialized["id"][-1])
    return "Unnamed"


class EventsHandler(BaseCallbackHandler, streaming_handler_base()):  # type: ignore[misc]
    """LangChain callbacks of the runs inside tasks, as v2 events."""

    run_inline = True

    def __init__(self, events: Events) -> None:
        self.events = events
        self.lineage: dict[str, list[str]] = {}  # run id -> parent ids, root first
        self.runs: dict[str, dict[str, Any]] = {}  # open runs: type, name, tags, ...

    # -- bookkeeping -------------------------------------------------------------------

    def _open(
        self,
        run_type: str,
        serialized: Any,
        run_id: Any,
        parent_run_id: Any,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
        inputs: Any,
        kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        run, parent = str(run_id), str(parent_run_id) if parent_run_id else None
        parents = [*self.lineage.get(parent, ()), parent] if parent else []
        self.lineage[run] = parents
        info = {
            "type": run_type,
            "name": _name(serialized, kwargs),
            "tags": tags or [],
            "metadata": metadata or {},
            "parent_ids": parents,
            "inputs": inputs,
        }
        self.runs[run] = info
        return info

    def _event(
        self,
        phase: str,
        run_id: Any,
        data: dict[str, Any],
        info: dict[str, Any] | None = None,
        order: tuple[str, ...] = _END,
    ) -> None:
        run = str(run_id)
        info = info or self.runs.get(run)
        if info is None:
            return
        self.events.put(
            _ordered(
                order,
                {
                    "event": f"on_{info['type']}_{phase}",
                    "data": data,
                    "name": info["name"],
                    "tags": info["tags"],
                    "run_id": run,
                    "metadata": info["metadata"],
                    "parent_ids": info["parent_ids"],
                },
            )
        )

    def _start(self, run_id: Any, data: dict[str, Any]) -> None:
        self._event("start", run_id, data, order=_START)

    def _close(self, run_id: Any, output: Any, key: str = "output", inputs: Any = None) -> None:
        info = self.runs.pop(str(run_id), None)
        self.lineage.pop(str(run_id), None)
        if info is not None:
            given = inputs if inputs is not None else info["inputs"]
            self._event("end", run_id, {key: output, "input": given}, info)

    # -- chat models and LLMs ------------------------------------------------------------

    def on_chat_model_start(
        self,
        serialized: Any,
        messages: Any,
        *,
        run_id: Any,
        parent_run_id: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._open(
            "chat_model",
            serialized,
            run_id,
            parent_run_id,
            tags,
            metadata,
            {"messages": messages},
            kwargs,
        )
        self._start(run_id, {"input": {"messages": messages}})

    def on_llm_start(
        self,
        serialized: Any,
        prompts: list[str],
        *,
        run_id: Any,
        parent_run_id: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._open(
            "llm", serialized, run_id, parent_run_id, tags, metadata, {"prompts": prompts}, kwargs
        )
        self._start(run_id, {"input": {"prompts": prompts}})

    def on_llm_new_token(  # type: ignore[override]
        self, token: str, *, chunk: Any = None, run_id: Any, **kwargs: Any
    ) -> None:
        info = self.runs.get(str(run_id))
        if info is None:
            return
        if info["type"] == "chat_model":
            message = chunk.message if isinstance(chunk, ChatGenerationChunk) else None
            if message is None:
                message = AIMessageChunk(content=token)
            self._event("stream", run_id, {"chunk": message}, info)
        else:
            self._event("stream", run_id, {"chunk": chunk if chunk is not None else token}, info)

    def on_llm_end(self, response: Any, *, run_id: Any, **kwargs: Any) -> None:
        info = self.runs.get(str(run_id))
        if info is None:
            return
        if info["type"] == "chat_model":
            generations = [g for batch in response.generations for g in batch]
            output = (
                getattr(generations[0], "message", None)
                if len(generations) == 1
                else {"generations": response.generations}
            )
        else:
            output = response
        self._close(run_id, output)

    def on_llm_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
        self.runs.pop(str(run_id), None)

    # -- chains, tools, retrievers ------------------------------------------------------

    def on_chain_start(
        self,
        serialized: Any,
        inputs: Any,
        *,
        run_id: Any,
        parent_run_id: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run_type = kwargs.get("run_type") or "chain"
        self._open(run_type, serialized, run_id, parent_run_id, tags, metadata, inputs, kwargs)
        # A streamed runnable starts before its input is known: LangChain sends a
        # placeholder then, and its events leave the input out.
        self._start(run_id, {} if inputs == {"input": ""} else {"input": inputs})

    def on_chain_end(self, outputs: Any, *, run_id: Any, inputs: Any = None, **kwargs: Any) -> None:
        self._close(run_id, outputs, inputs=inputs)

    def on_chain_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
        self.runs.pop(str(run_id), None)

    def on_tool_start(
        self,
        serialized: Any,
        input_str: str,
        *,
        run_id: Any,
        parent_run_id: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: Any = None,
        **kwargs: Any,
    ) -> None:
        given = inputs if inputs is not None else input_str
        self._open("tool", serialized, run_id, parent_run_id, tags, metadata, given, kwargs)
        self._start(run_id, {"input": given})

    def on_tool_end(self, output: Any, *, run_id: Any, **kwargs: Any) -> None:
        self._close(run_id, output)

    def on_tool_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
        self._close(run_id, error, key="error")

    def on_retriever_start(
        self,
        serialized: Any,
        query: str,
        *,
        run_id: Any,
        parent_run_id: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._open(
            "retriever", serialized, run_id, parent_run_id, tags, metadata, {"query": query}, kwargs
        )
        self._start(run_id, {"input": {"query": query}})

    def on_retriever_end(self, documents: Any, *, run_id: Any, **kwargs: Any) -> None:
        self._close(run_id, documents)

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: Any,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run = str(run_id)
        self.events.put(
            {
                "event": "on_custom_event",
                "run_id": run,
                "name": name,
                "tags": tags or [],
                "metadata": metadata or {},
                "data": data,
                "parent_ids": self.lineage.get(run, []),
            }
        )

    # -- streamed output of runnables ---------------------------------------------------

    def tap_output_iter(self, run_id: Any, output: Iterator[Any]) -> Iterator[Any]:
        for chunk in output:
            self._stream_chunk(run_id, chunk)
            yield chunk

    async def tap_output_aiter(self, run_id: Any, output: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for chunk in output:
            self._stream_chunk(run_id, chunk)
            yield chunk

    def _stream_chunk(self, run_id: Any, chunk: Any) -> None:
        info = self.runs.get(str(run_id))
        if info is not None and info["type"] not in ("chat_model", "llm"):
            self._event("stream", run_id, {"chunk": chunk}, info, order=_TAPPED)


class ToolEventsHandler(BaseCallbackHandler):
    """``tools`` mode (LangGraph's undocumented one): the lifecycle of every LangChain tool
    a task runs, as ``tool-started``/``tool-finished``/``tool-error`` dicts, and the
    ``tool-output-delta`` events the tool writes (``ToolRuntime.emit_output_delta``)."""

    streamgraph_level_handler = True  # a graph run inside the task adds its own

    run_inline = True

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.calls: dict[Any, str] = {}  # run id -> tool call id
        self.writers: dict[Any, Token[Any]] = {}  # run id -> the writer's context token

    def _set_writer(self, run_id: Any, call: str) -> None:
        # LangChain runs the tool in a copy of this context, made after on_tool_start.
        put_live = self.loop.put_live

        def write(delta: Any) -> None:
            put_live("tools", {"event": "tool-output-delta", "tool_call_id": call, "delta": delta})

        self.writers[run_id] = TOOL_CALL_WRITER.set(write)

    def _reset_writer(self, run_id: Any) -> None:
        token = self.writers.pop(run_id, None)
        if token is not None:
            try:
                TOOL_CALL_WRITER.reset(token)
            except ValueError:  # ended in another context than it started: nothing to undo
                pass

    def on_tool_start(
        self,
        serialized: Any,
        input_str: str,
        *,
        run_id: Any,
        inputs: Any = None,
        tool_call_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        call = self.calls[run_id] = tool_call_id or str(run_id)
        self._set_writer(run_id, call)
        name = (serialized or {}).get("name") or kwargs.get("name") or ""
        started = {"event": "tool-started", "tool_call_id": call, "tool_name": name}
        if inputs is not None:  # (LangChain passes none for a tool called with a string)
            started["input"] = inputs
        self.loop.put_live("tools", started)

    def on_tool_end(self, output: Any, *, run_id: Any, **kwargs: Any) -> None:
        self._reset_writer(run_id)
        call = self.calls.pop(run_id, str(run_id))
        self.loop.put_live(
            "tools", {"event": "tool-finished", "tool_call_id": call, "output": output}
        )

    def on_tool_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
        self._reset_writer(run_id)
        call = self.calls.pop(run_id, str(run_id))
        if not isinstance(error, GraphBubbleUp):  # an interrupt is not a failure
            self.loop.put_live(
                "tools", {"event": "tool-error", "tool_call_id": call, "message": str(error)}
            )
