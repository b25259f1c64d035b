"""Chat message state: the ``add_messages`` reducer and ``MessagesState``.

Importing this module imports langchain-core (messages are LangChain messages);
``streamgraph.graph`` exposes these names lazily, so graphs that do not use them never pay for
that import.
"""

from __future__ import annotations

import functools
import uuid
import warnings
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from langchain_core.messages import (
    AnyMessage,
    BaseMessage,
    BaseMessageChunk,
    RemoveMessage,
    convert_to_messages,
    message_chunk_to_message,
)
from typing_extensions import TypedDict, deprecated

from streamgraph.graph.state import StateGraph

__all__ = (
    "REMOVE_ALL_MESSAGES",
    "AnyMessage",
    "MessageGraph",
    "MessagesState",
    "add_messages",
    "push_message",
)

REMOVE_ALL_MESSAGES = "__remove_all__"
"""``RemoveMessage(id=REMOVE_ALL_MESSAGES)`` clears every message before it."""

Messages = Any
"""One message-like value (a message, a dict, a ``(role, content)`` tuple, a string) or a
list of them."""


def _as_messages(value: Messages | None) -> list[BaseMessage]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) and not _is_tuple_message(value) else [value]
    converted: list[BaseMessage] = convert_to_messages(items)
    messages = [
        message_chunk_to_message(m) if isinstance(m, BaseMessageChunk) else m for m in converted
    ]
    for message in messages:
        if message.id is None:
            message.id = str(uuid.uuid4())
    return messages


def _is_tuple_message(value: Any) -> bool:
    """``("user", "hi")`` is one message, not a list of two."""
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and isinstance(value[1], str)
    )


def add_messages(
    left: Messages | None = None,
    right: Messages | None = None,
    *,
    format: str | None = None,
) -> Messages | Callable[[Messages, Messages], Messages]:
    """Merge two lists of messages: a message whose id is already on the left replaces it,
    ``RemoveMessage(id)`` deletes one (``REMOVE_ALL_MESSAGES``: all before it), the rest is
    appended. Dicts, ``(role, content)`` tuples and strings become messages; messages without
    an id get one. ``add_messages(format="langchain-openai")`` is a reducer whose messages
    have their content in OpenAI's format (strings, ``text`` and ``image_url`` blocks).

    Example::

        class State(TypedDict):
            messages: Annotated[list, add_messages]
    """
    if format not in (None, "langchain-openai"):
        raise ValueError(f"Unrecognized {format=}. Expected one of 'langchain-openai', None.")
    if left is None and right is None and format is not None:
        reducer = functools.partial(add_messages, format=format)
        reducer.prepare = _give_ids  # type: ignore[attr-defined]
        return reducer
    merged = _as_messages(left)
    updates = _as_messages(right)
    for index in range(len(updates) - 1, -1, -1):
        update = updates[index]
        if isinstance(update, RemoveMessage) and update.id == REMOVE_ALL_MESSAGES:
            merged, updates = [], updates[index + 1 :]
            break
    position = {message.id: i for i, message in enumerate(merged)}
    removed: set[int] = set()
    for update in updates:
        at = position.get(update.id)
        if isinstance(update, RemoveMessage):
            if at is None:
                raise ValueError(
                    f"Attempting to delete a message with an ID that doesn't exist ({update.id!r})"
                )
            removed.add(at)
        elif at is None:
            position[update.id] = len(merged)
            merged.append(update)
        else:
            merged[at] = update
            removed.discard(at)
    kept = [message for i, message in enumerate(merged) if i not in removed]
    if format == "langchain-openai":
        from langchain_core.messages import convert_to_openai_messages

        return convert_to_messages(convert_to_openai_messages(kept))
    return kept


def _give_ids(value: Any) -> None:
    """Give the messages in a write their ids as soon as the node returns them, so the
    ``updates`` chunk, the saved writes and the state all show the same id."""
    items = value if isinstance(value, list | tuple) else (value,)
    for item in items:
        if isinstance(item, BaseMessage) and item.id is None:
            item.id = str(uuid.uuid4())


add_messages.prepare = _give_ids  # type: ignore[attr-defined]


def _messages_delta_reducer(state: Any, writes: Sequence[Any]) -> Any:
    """``add_messages`` for a ``DeltaChannel``: a step's writes folded in order."""
    for write in writes:
        state = add_messages(state, write)
    return state


@deprecated(
    "MessageGraph is deprecated in langgraph 1.0.0, to be removed in 2.0.0. Please use "
    "StateGraph with a `messages` key instead.",
    category=None,
)
class MessageGraph(StateGraph):
    """A graph whose whole state is one list of messages, merged with ``add_messages``
    (deprecated: use ``StateGraph`` with a ``messages`` key)."""

    def __init__(self) -> None:
        from streamgraph.warnings import LangGraphDeprecatedSinceV10

        warnings.warn(
            "MessageGraph is deprecated in LangGraph v1.0.0, to be removed in v2.0.0. Please "
            "use StateGraph with a `messages` key instead.",
            category=LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
        super().__init__(Annotated[list[AnyMessage], add_messages])


class MessagesState(TypedDict):
    """State with one key, ``messages``, merged with ``add_messages``."""

    messages: Annotated[list[AnyMessage], add_messages]


def push_message(message: Any, *, state_key: str | None = "messages") -> Any:
    """Stream ``message`` in ``messages`` mode from the node that is running (it must have an
    id), and add it to the state key ``state_key`` (``None``: stream it only)."""
    from streamgraph._context import current_scope
    from streamgraph.pregel._messages import node_metadata

    task = current_scope()
    pushed: BaseMessage = convert_to_messages([message])[0]
    if pushed.id is None:
        raise ValueError("Message ID is required")
    messages = task.loop.messages
    if messages is not None:
        messages.emit(pushed, node_metadata(task))
    if state_key:
        task.pushed.append((state_key, pushed))
    return pushed
