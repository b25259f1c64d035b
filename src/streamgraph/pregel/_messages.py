"""``messages`` mode: LLM tokens and messages found in node outputs, as (message, metadata).

Three sources feed it, all through ``Messages.emit``:

- LangChain chat models called inside a task: a callback handler placed in the task's config
  (``callbacks``) and in LangChain's context variable. It claims to be a streaming handler,
  which makes chat models stream internally even when the node calls ``.invoke()``; each
  token arrives in ``on_llm_new_token`` while the model generates.
- ``get_message_writer()`` (``streamgraph.messages``): node code pushing chunks itself, from
  any client, with no callback framework in the path.
- Node outputs: messages a node returns that were not streamed already are emitted whole
  when the node finishes, just before its ``updates`` chunk.

Message ids seen once (streamed, emitted, or in a node's input) are not emitted again; the set
is shared by every level of a run, so a subgraph's streamed message is not repeated by its
parent.

Nothing here imports langchain-core: it is looked up in ``sys.modules``, where it is only if
the user's code imported it.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from streamgraph.constants import TAG_HIDDEN, TAG_NOSTREAM
from streamgraph.pregel._stream import MESSAGE_EVENTS

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel._scope import Task

__all__ = ("Messages", "base_message_class", "node_metadata")

_INTERNAL_TAG = "seq:step:"


def base_message_class() -> type | None:
    """LangChain's ``BaseMessage``, if the process has imported langchain-core."""
    module = sys.modules.get("langchain_core.messages.base")
    return None if module is None else module.BaseMessage


def node_metadata(task: Task) -> dict[str, Any]:
    """The metadata of messages a node emits itself (not from a chat model)."""
    return with_integration(task.config["metadata"], "langgraph")


def with_integration(metadata: dict[str, Any], integration: str) -> dict[str, Any]:
    """``metadata`` with ``ls_integration`` placed where LangGraph has it: after the user's
    keys, before the ``langgraph_*`` ones."""
    ordered: dict[str, Any] = {}
    for key, value in metadata.items():
        if key.startswith("langgraph_") and "ls_integration" not in ordered:
            ordered["ls_integration"] = integration
        if key != "ls_integration":
            ordered[key] = value
    ordered.setdefault("ls_integration", integration)
    return ordered


class Messages:
    """One run level's ``messages`` events (and, for v3 runs, ``message_events``: the same
    messages as content-block protocol events)."""

    __slots__ = ("_handler", "loop", "seen", "writers")

    def __init__(self, loop: Loop, seen: set[str]) -> None:
        self.loop = loop
        self.seen = seen
        self._handler: Any = None
        self.writers: dict[str, list[Any]] = {}  # task id -> its open v3 message writers

    def emit(self, message: Any, metadata: dict[str, Any]) -> None:
        """Deliver a message event from a running task. A level nobody listens to (a
        subgraph of a stream without ``subgraphs=True``) delivers nothing and leaves the id
        unseen, so the enclosing node emits the message whole when it returns it."""
        delivered = self.loop.put_live("messages", (message, metadata))
        event_id = getattr(message, "id", None)
        if delivered and event_id is not None:
            self.seen.add(event_id)

    def targets(self, message_id: str | None) -> list[tuple[Callable[[Any], None], Any]]:
        """Where one message's chunks go (``[]`` when nobody listens), looked up once; the
        id is marked seen when somebody does."""
        loop = self.loop
        targets = list(loop.forward.get("messages", ()))
        if "messages" in loop.own_modes and loop.own_put is not None:
            targets.insert(0, (loop.own_put, ()))
        if targets and message_id is not None:
            self.seen.add(message_id)
        return targets

    def emitter(self, message_id: str | None) -> Callable[[Any, dict[str, Any]], None] | None:
        """A fast ``emit`` for one message's chunks (``None`` when nobody listens)."""
        targets = self.targets(message_id)
        if not targets:
            return None
        if len(targets) == 1:
            put, ns = targets[0]

            def emit_one(message: Any, metadata: dict[str, Any]) -> None:
                put((ns, "messages", (message, metadata)))

            return emit_one

        def emit_all(message: Any, metadata: dict[str, Any]) -> None:
            for put, ns in targets:
                put((ns, "messages", (message, metadata)))

        return emit_all

    def emit_now(self, message: Any, metadata: dict[str, Any]) -> None:
        """Emit on the loop's own thread (between tasks): straight into ``loop.out``."""
        loop = self.loop
        v1 = "messages" in loop.modes
        v3 = MESSAGE_EVENTS in loop.modes and type(message).__name__ != "ToolMessage"
        if not (v1 or v3):
            return
        event_id = getattr(message, "id", None)
        if event_id is not None:
            self.seen.add(event_id)
        if v1:
            loop.emit("messages", (message, metadata))
        if v3:  # tool results are not chat messages in v3 (they are on the tools channel)
            loop.emit(MESSAGE_EVENTS, (message, metadata))

    def event_targets(self) -> list[tuple[Callable[[Any], None], Any]]:
        """Where v3 protocol events of this level's messages go (``[]``: nobody)."""
        loop = self.loop
        targets = list(loop.forward.get(MESSAGE_EVENTS, ()))
        if MESSAGE_EVENTS in loop.own_modes and loop.own_put is not None:
            targets.insert(0, (loop.own_put, ()))
        return targets

    def emit_event(self, payload: Any, metadata: dict[str, Any]) -> None:
        """Deliver a v3 ``(event, metadata)`` (or a whole message) from a running task."""
        delivered = self.loop.put_live(MESSAGE_EVENTS, (payload, metadata))
        event_id = getattr(payload, "id", None)
        if delivered and event_id is not None:
            self.seen.add(event_id)

    def track_writer(self, task: Task, writer: Any) -> None:
        """A v3 message writer of ``task``: finished when the task ends, if it has not been."""
        self.writers.setdefault(task.id, []).append(writer)

    def close_writers(self, task: Task) -> None:
        """End the task's open v3 message writers (on the loop's thread, before the task's
        other events): finished, or failed with the task's error."""
        writers = self.writers.pop(task.id, None)
        if not writers:
            return
        error = task.error
        failed = error is not None and not task.interrupts
        for writer in writers:
            for event in writer.closing_events(str(error) if failed else None):
                self.loop.emit(MESSAGE_EVENTS, (event, writer.event_metadata))

    def mark_input(self, task: Task) -> None:
        """Messages a node receives are never emitted again."""
        base = base_message_class()
        if base is None or TAG_HIDDEN in task.node.tags:
            return
        for message in _messages_in(task.input, base):
            if message.id is not None:
                self.seen.add(message.id)

    def emit_output(self, task: Task) -> None:
        """Messages a node returned that nobody streamed: emitted whole, once."""
        base = base_message_class()
        if base is None or TAG_HIDDEN in task.node.tags:
            return
        metadata: dict[str, Any] | None = None
        for _, value in task.writes:
            for message in _messages_in_value(value, base):
                if message.id is None:
                    message.id = str(uuid.uuid4())
                elif message.id in self.seen:
                    continue
                if type(message).__name__ == "RemoveMessage":
                    continue
                metadata = metadata or node_metadata(task)
                self.emit_now(message, metadata)

    def handler(self) -> Any:
        """The LangChain callback handler of this level (created on first use); for a level
        with v3 listeners, one that makes chat models stream protocol events."""
        if self._handler is None:
            v3 = MESSAGE_EVENTS in self.loop.modes
            self._handler = (_protocol_handler_class() if v3 else _handler_class())(self)
        return self._handler


def _messages_in_value(value: Any, base: type) -> Iterable[Any]:
    if isinstance(value, base):
        yield value
    elif isinstance(value, list | tuple):
        yield from (item for item in value if isinstance(item, base))


def _messages_in(state: Any, base: type) -> Iterable[Any]:
    """Messages among a state's top-level values (and in lists one level down)."""
    if isinstance(state, dict):
        values: Iterable[Any] = state.values()
    elif hasattr(state, "__dict__"):
        values = vars(state).values()
    else:
        return
    for value in values:
        yield from _messages_in_value(value, base)


_HANDLER: type | None = None
_PROTOCOL_HANDLER: type | None = None


def _handler_class() -> type:
    """Build the LangChain handler class once (langchain-core is loaded by then)."""
    global _HANDLER
    if _HANDLER is None:
        _HANDLER = _define_handler()
    return _HANDLER


def _protocol_handler_class() -> type:
    global _PROTOCOL_HANDLER
    if _PROTOCOL_HANDLER is None:
        from streamgraph.pregel._message_events import define_protocol_handler

        _PROTOCOL_HANDLER = define_protocol_handler(_handler_class())
    return _PROTOCOL_HANDLER


def streaming_handler_base() -> type:
    """LangChain's base for handlers that make chat models stream inside ``.invoke()`` and
    that tap streamed output (a private class of LangChain's, kept for this very use)."""
    try:
        from langchain_core.tracers._streaming import _StreamingCallbackHandler
    except ImportError:  # another layout: LangChain's check is duck-typed on the tap methods
        return object
    return _StreamingCallbackHandler


def _define_handler() -> type:
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.outputs import ChatGenerationChunk

    Marker = streaming_handler_base()

    class StreamMessagesHandler(BaseCallbackHandler, Marker):  # type: ignore[misc,valid-type]
        """Turns chat model callbacks into ``messages`` events."""

        run_inline = True
        streamgraph_level_handler = True  # a graph run inside the task adds its own

        def __init__(self, messages: Messages) -> None:
            self.messages = messages
            self.runs: dict[Any, dict[str, Any]] = {}
            # (run id, message id, emit, metadata) of the last token: the tokens of one
            # run come one after another, so most skip the lookups (one tuple: thread-safe).
            self.last: tuple[Any, Any, Any, Any] = (None, None, None, None)

        def tap_output_iter(self, run_id: Any, output: Any) -> Any:
            return output

        def tap_output_aiter(self, run_id: Any, output: Any) -> Any:
            return output

        def on_chat_model_start(
            self,
            serialized: Any,
            messages: Any,
            *,
            run_id: Any,
            tags: list[str] | None = None,
            metadata: dict[str, Any] | None = None,
            **kwargs: Any,
        ) -> None:
            tags = [t for t in tags or () if not t.startswith(_INTERNAL_TAG)]
            if TAG_NOSTREAM in tags or metadata is None:
                return
            ordered = with_integration(metadata, metadata.get("ls_integration", "langgraph"))
            self.runs[run_id] = {**ordered, "tags": tags} if tags else ordered

        def on_llm_new_token(  # type: ignore[override]
            self, token: str, *, chunk: Any = None, run_id: Any, **kwargs: Any
        ) -> None:
            if not isinstance(chunk, ChatGenerationChunk):
                return
            message = chunk.message
            last = self.last
            if last[0] is run_id and last[1] == message.id:
                emit, metadata = last[2], last[3]
            else:
                metadata = self.runs.get(run_id)
                if metadata is None:
                    return
                emit = self.messages.emitter(message.id)
                self.last = (run_id, message.id, emit, metadata)
            if emit is not None:
                emit(message, metadata)

        def on_llm_end(self, response: Any, *, run_id: Any, **kwargs: Any) -> None:
            if self.last[0] is run_id:
                self.last = (None, None, None, None)
            metadata = self.runs.pop(run_id, None)
            if metadata is None:
                return
            seen = self.messages.seen
            for generations in response.generations:
                for generation in generations:
                    message = getattr(generation, "message", None)
                    if message is not None and message.id not in seen:
                        self.messages.emit(message, metadata)

        def on_llm_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
            self.runs.pop(run_id, None)

    return StreamMessagesHandler


def without_level_handlers(callbacks: Any) -> Any:
    """A task's callbacks without the handlers that feed its own level's stream (``messages``
    and ``tools`` modes): a graph run inside the task, handed the task's config, has its own,
    and its events reach enclosing streams through listeners."""
    if not callbacks:
        return callbacks
    if isinstance(callbacks, list):
        kept = [h for h in callbacks if not getattr(h, "streamgraph_level_handler", False)]
        return kept if len(kept) != len(callbacks) else callbacks
    handlers = getattr(callbacks, "handlers", None)
    if handlers is None or not any(
        getattr(h, "streamgraph_level_handler", False) for h in handlers
    ):
        return callbacks
    manager = callbacks.copy()
    for handler in list(manager.handlers):
        if getattr(handler, "streamgraph_level_handler", False):
            manager.remove_handler(handler)
    return manager


def with_callbacks(config: dict[str, Any], handler: Any) -> None:
    """Add ``handler`` to a task config's callbacks (keeping the user's: tracers etc.)."""
    callbacks = config.get("callbacks")
    if callbacks is None:
        config["callbacks"] = [handler]
    elif isinstance(callbacks, list):
        config["callbacks"] = [*callbacks, handler]
    else:  # a callback manager
        manager = callbacks.copy()
        manager.add_handler(handler, inherit=True)
        config["callbacks"] = manager


def set_langchain_context(task: Task) -> Callable[[], None] | None:
    """Make LangChain runnables called inside the task see its config (callbacks, metadata,
    tags), the way they see a parent runnable's. Call inside the task's context."""
    module = sys.modules.get("langchain_core.runnables.config")
    if module is None:
        return None
    if task.trace_run is not None:  # traced: also the task's run as LangSmith's current run
        module._set_config_context(task.config)
        return None
    config_var = getattr(module, "var_child_runnable_config", None)
    if config_var is not None:  # (None: another thread is still importing the module)
        config_var.set(task.config)
    return None
