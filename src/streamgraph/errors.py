"""Exceptions raised by streamgraph.

Errors share one root, so ``except StreamGraphError`` catches everything we raise on purpose.
LangGraph's names and builtin bases are kept, so code that catches ``RecursionError`` or
``ValueError`` keeps working::

    StreamGraphError
    ├── GraphSetupError(ValueError)          an invalid graph, at add_*/compile time
    ├── InvalidUpdateError                   a bad node return value or graph input, or two
    │                                        writes to a single-value key in one step
    ├── EmptyInputError                      no input for a fresh run
    ├── EmptyChannelError                    a channel read before its first write
    └── GraphRecursionError(RecursionError)  recursion_limit reached

    GraphBubbleUp                            control flow, not an error
    ├── GraphInterrupt                       interrupt(), interrupt_before/after
    ├── GraphDrained                         RunControl.request_drain(): stopped at a step
    └── ParentCommand                        Command(graph=Command.PARENT)

    NodeTimeoutError, NodeCancelledError     a node attempt timed out / cancelled itself
    NodeError                                (not an exception) what an error handler gets
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from streamgraph.types import Command, Interrupt

__all__ = (
    "EmptyChannelError",
    "EmptyInputError",
    "ErrorCode",
    "GraphBubbleUp",
    "GraphDrained",
    "GraphInterrupt",
    "GraphRecursionError",
    "GraphSetupError",
    "InvalidUpdateError",
    "NodeCancelledError",
    "NodeError",
    "NodeInterrupt",
    "NodeTimeoutError",
    "ParentCommand",
    "StreamGraphError",
    "create_error_message",
)


class ErrorCode(Enum):
    """Codes LangGraph attaches to some errors; kept so messages can be searched for."""

    GRAPH_RECURSION_LIMIT = "GRAPH_RECURSION_LIMIT"
    INVALID_CONCURRENT_GRAPH_UPDATE = "INVALID_CONCURRENT_GRAPH_UPDATE"
    INVALID_GRAPH_NODE_RETURN_VALUE = "INVALID_GRAPH_NODE_RETURN_VALUE"
    MULTIPLE_SUBGRAPHS = "MULTIPLE_SUBGRAPHS"
    INVALID_CHAT_HISTORY = "INVALID_CHAT_HISTORY"


def create_error_message(*, message: str, error_code: ErrorCode) -> str:
    """Append the error code to a message, the way LangGraph's messages end with one."""
    return f"{message}\n(error code: {error_code.value})"


class StreamGraphError(Exception):
    """Root of every error streamgraph raises on purpose."""


class GraphSetupError(StreamGraphError, ValueError):
    """The graph is invalid: raised by ``add_node``/``add_edge``/``compile``."""


class InvalidUpdateError(StreamGraphError):
    """A state update cannot be applied: wrong type, or two values for a one-value key."""


class EmptyInputError(StreamGraphError):
    """A fresh run received no input."""


class EmptyChannelError(StreamGraphError):
    """A channel was read before anything was written to it."""


class GraphRecursionError(StreamGraphError, RecursionError):
    """The run took ``recursion_limit`` super-steps without finishing."""


class GraphBubbleUp(Exception):
    """Control flow that travels up through nodes and graphs; never an error for the caller."""


class GraphDrained(GraphBubbleUp):
    """The run stopped at a step boundary because ``RunControl.request_drain()`` was called
    (a shutdown, say). Its checkpoint is saved: run the thread again with ``None`` to go on."""

    def __init__(self, reason: str = "shutdown") -> None:
        self.reason = reason
        super().__init__(f"Graph drained: {reason}")


class GraphInterrupt(GraphBubbleUp):
    """Raised inside a node by ``interrupt()``; the run stops after the current step."""

    def __init__(self, interrupts: Sequence[Interrupt] = ()) -> None:
        super().__init__(tuple(interrupts))
        self.interrupts: tuple[Interrupt, ...] = tuple(interrupts)


class NodeInterrupt(GraphInterrupt):
    """Deprecated LangGraph spelling: raise it in a node to interrupt with a value."""

    def __init__(self, value: Any, id: str | None = None) -> None:
        import warnings

        from streamgraph.types import Interrupt
        from streamgraph.warnings import LangGraphDeprecatedSinceV10

        warnings.warn(
            "NodeInterrupt is deprecated. Please use `langgraph.types.interrupt` instead.",
            LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )

        super().__init__([Interrupt(value=value, id=id or "")])


class ParentCommand(GraphBubbleUp):
    """Carries a ``Command(graph=Command.PARENT)`` from a subgraph to its parent graph."""

    def __init__(self, command: Command[Any]) -> None:
        super().__init__(command)
        self.command = command


class NodeError:
    """What an ``add_node(..., error_handler=handler)`` handler learns about the failure, given
    to a parameter annotated ``NodeError`` (``def handler(state, error: NodeError)``):
    ``node``, the node that failed, and ``error``, what it raised (after its retries ran
    out). Immutable."""

    __slots__ = ("error", "node")

    node: str
    error: BaseException

    def __init__(self, node: str, error: BaseException) -> None:
        object.__setattr__(self, "node", node)
        object.__setattr__(self, "error", error)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: NodeError is frozen")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NodeError) and (self.node, self.error) == (
            other.node,
            other.error,
        )

    def __hash__(self) -> int:
        return hash((self.node, id(self.error)))

    def __repr__(self) -> str:
        return f"NodeError(node={self.node!r}, error={self.error!r})"


class NodeCancelledError(Exception):
    """A node raised ``asyncio.CancelledError`` itself (not because its run was cancelled):
    reported as the node's failure instead of being taken for a quiet cancellation."""

    def __init__(self, node: str, message: str | None = None) -> None:
        super().__init__(message or f"Node {node!r} raised asyncio.CancelledError")
        self.node = node


class NodeTimeoutError(Exception):
    """A node attempt ran longer than its ``TimeoutPolicy`` allows (``kind="run"``) or made no
    progress for ``idle_timeout`` seconds (``kind="idle"``).

    Not a ``TimeoutError`` (an ``OSError``), so the default ``RetryPolicy`` retries it.
    """

    def __init__(
        self,
        node: str,
        elapsed: float,
        *,
        kind: Literal["idle", "run"],
        idle_timeout: float | None = None,
        run_timeout: float | None = None,
    ) -> None:
        if kind == "idle":
            if idle_timeout is None:
                raise ValueError("idle_timeout is required when kind='idle'")
            self.timeout: float = idle_timeout
            message = (
                f"Node '{node}' exceeded its idle timeout of {idle_timeout:.3f}s without "
                f"making progress (elapsed: {elapsed:.3f}s)."
            )
        elif kind == "run":
            if run_timeout is None:
                raise ValueError("run_timeout is required when kind='run'")
            self.timeout = run_timeout
            message = (
                f"Node '{node}' exceeded its run timeout of {run_timeout:.3f}s "
                f"(elapsed: {elapsed:.3f}s)."
            )
        else:
            raise ValueError(f"kind must be 'idle' or 'run', got {kind!r}")
        super().__init__(message)
        self.node = node
        self.elapsed = elapsed
        self.kind = kind
        self.idle_timeout = idle_timeout
        self.run_timeout = run_timeout
