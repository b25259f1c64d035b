"""The LangChain handler of levels with v3 listeners (``message_events`` mode).

It declares itself a v2 streaming handler (langchain-core's ``_V2StreamingCallbackHandler``
marker), which makes a chat model's ``.invoke()`` run through langchain-core's content-block
event path: each protocol event (``message-start``, ``content-block-*``, ``message-finish``)
arrives in ``on_stream_event`` and is delivered with the run's metadata plus its ``run_id``
(what groups one message's events). As in LangGraph, the model then returns its message in
v1 content blocks. v1 tokens (``on_llm_new_token``, which models' ``_stream`` still calls)
still reach ``messages`` listeners of the same level, if any.

Imported only once a v3 run has a chat model called in it (langchain-core is loaded then).
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ("define_protocol_handler",)


def _v2_marker() -> type | None:
    try:
        from langchain_core.tracers._streaming import _V2StreamingCallbackHandler
    except ImportError:  # an older langchain-core: models stream v1 chunks only
        return None
    return _V2StreamingCallbackHandler


def define_protocol_handler(base: type) -> type:
    """The v3 handler class, built on the ``messages`` handler class ``base``."""
    marker = _v2_marker()
    bases = (base,) if marker is None else (base, marker)

    class StreamProtocolHandler(*bases):  # type: ignore[misc]
        """``messages`` handler that also turns protocol events into ``message_events``."""

        # Kept in the config of graphs run inside a task (unlike the v1 handler): their
        # protocol streams and the parent's seen messages go through it.
        streamgraph_level_handler = False
        streamgraph_handler = True  # (not a user's tracer: see _tracing.user_callbacks)

        def __init__(self, messages: Any) -> None:
            super().__init__(messages)
            self.protocol_runs: dict[Any, dict[str, Any]] = {}  # run id -> event metadata

        def on_stream_event(self, event: dict[str, Any], *, run_id: Any, **kwargs: Any) -> None:
            metadata = self.protocol_runs.get(run_id)
            if metadata is None:
                run_metadata = self.runs.get(run_id)
                if run_metadata is None:
                    return
                metadata = self.protocol_runs[run_id] = {**run_metadata, "run_id": str(run_id)}
            self.messages.emit_event(event, metadata)

        def on_llm_end(self, response: Any, *, run_id: Any, **kwargs: Any) -> None:
            streamed = self.protocol_runs.pop(run_id, None) is not None
            metadata = self.runs.get(run_id)
            seen = self.messages.seen
            finals = [
                (message, message.id not in seen)
                for generations in response.generations
                for generation in generations
                if (message := getattr(generation, "message", None)) is not None
            ]
            super().on_llm_end(response, run_id=run_id, **kwargs)  # v1 listeners
            if metadata is None:
                return
            for message, unseen in finals:
                if streamed:  # its events went out: the message it returns is not new
                    if message.id is None:
                        message.id = str(uuid.uuid4())
                    seen.add(message.id)
                elif unseen:
                    self.messages.emit_event(message, metadata)

        def on_llm_error(self, error: BaseException, *, run_id: Any, **kwargs: Any) -> None:
            self.protocol_runs.pop(run_id, None)
            super().on_llm_error(error, run_id=run_id, **kwargs)

    return StreamProtocolHandler
