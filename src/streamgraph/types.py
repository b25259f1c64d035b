"""Public value types: what nodes return, what streams carry, what snapshots hold."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, NamedTuple, TypeVar

if TYPE_CHECKING:
    from datetime import timedelta

__all__ = (
    "All",
    "CachePolicy",
    "Command",
    "Durability",
    "GraphOutput",
    "Interrupt",
    "Overwrite",
    "PregelTask",
    "RetryPolicy",
    "Send",
    "StateSnapshot",
    "StateUpdate",
    "StreamMode",
    "StreamWriter",
    "TimeoutPolicy",
    "TracePolicy",
    "default_retry_on",
    "interrupt",
    "omit_payload",
)

N = TypeVar("N", bound=Hashable)

StreamMode = Literal["values", "updates", "checkpoints", "tasks", "debug", "messages", "custom"]
"""How ``stream()`` reports a run; pass one mode or a list of them."""

STREAM_MODES: tuple[str, ...] = (
    "values",
    "updates",
    "checkpoints",
    "tasks",
    "debug",
    "messages",
    "custom",
)

StreamWriter = Callable[[Any], None]
"""The callable a node writes ``custom`` stream data with (``writer: StreamWriter``)."""

Durability = Literal["sync", "async", "exit"]
"""When checkpoints are written: before the next step, while it runs, or at the end."""

All = Literal["*"]
"""``interrupt_before="*"``: every node."""


def default_retry_on(exc: BaseException) -> bool:
    """Whether a ``RetryPolicy`` retries ``exc`` by default.

    Transient failures are retried (lost connections, HTTP 5xx from ``httpx``, ``requests``
    HTTP errors, anything unknown); mistakes in the code are not (``ValueError``,
    ``TypeError``, ``KeyError``, ``OSError``...). Neither ``httpx`` nor ``requests`` is
    imported to decide.
    """
    if isinstance(exc, ConnectionError):
        return True
    for cls in type(exc).__mro__:
        module = cls.__module__.partition(".")[0]
        if cls.__name__ == "HTTPStatusError" and module == "httpx":
            status: int = exc.response.status_code  # type: ignore[attr-defined]
            return 500 <= status < 600
        if cls.__name__ == "HTTPError" and module == "requests":
            response = exc.response  # type: ignore[attr-defined]
            # (a requests Response is falsy for an error status: then always retried)
            return 500 <= response.status_code < 600 if response else True
    programming_errors = (
        ValueError,
        TypeError,
        ArithmeticError,
        ImportError,
        LookupError,
        NameError,
        SyntaxError,
        RuntimeError,
        ReferenceError,
        StopIteration,
        StopAsyncIteration,
        OSError,
    )
    return not isinstance(exc, programming_errors)


class RetryPolicy(NamedTuple):
    """How a node is retried when it raises. Retries are invisible in every stream mode."""

    initial_interval: float = 0.5
    """Seconds before the first retry."""
    backoff_factor: float = 2.0
    """Multiplier applied to the interval after each retry."""
    max_interval: float = 128.0
    """Upper bound on the interval, in seconds."""
    max_attempts: int = 3
    """Attempts in all, the first one included."""
    jitter: bool = True
    """Add up to one second of random delay to each interval."""
    retry_on: type[BaseException] | Sequence[type[BaseException]] | Callable[[Exception], bool] = (
        default_retry_on
    )
    """Exception classes to retry, or a predicate."""


def _seconds(value: float | timedelta | None, field: str) -> float | None:
    if value is None:
        return None
    total_seconds = getattr(value, "total_seconds", None)  # a timedelta
    seconds = total_seconds() if total_seconds is not None else float(value)  # type: ignore[arg-type]
    if seconds <= 0:
        raise ValueError(f"{field} must be greater than 0, got {value!r}")
    return seconds


class _DataclassFields:
    """``cls.__dataclass_fields__`` made on first use, so that ``dataclasses.replace``,
    ``asdict`` and ``is_dataclass`` work on these types as on LangGraph's dataclasses,
    without ``import streamgraph.graph`` importing ``dataclasses``."""

    def __init__(self, *fields: tuple[str, Any]) -> None:
        self.fields = fields  # (name, default), in order; no default: required
        self.made: dict[str, Any] | None = None

    def __get__(self, obj: Any, owner: type) -> dict[str, Any]:
        if self.made is None:
            import dataclasses

            specs = [
                (name, Any)
                if default is _REQUIRED
                else (name, Any, dataclasses.field(default=default))
                for name, default in self.fields
            ]
            shadow = dataclasses.make_dataclass(owner.__name__, specs, kw_only=True)
            self.made = dict(shadow.__dataclass_fields__)  # type: ignore[attr-defined]
        return self.made


_REQUIRED: Any = object()


class _Frozen:
    """Immutable, compared and hashed by its fields (a frozen dataclass without importing
    ``dataclasses``, which ``import streamgraph.graph`` avoids)."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: {type(self).__name__} is frozen")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Frozen)
            and type(other) is type(self)
            and (self._values() == other._values())
        )

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class TimeoutPolicy(_Frozen):
    """How long one attempt of an async node may take (``add_node(..., timeout=...)``).

    ``run_timeout`` caps an attempt's wall-clock time; ``idle_timeout`` caps the time it may go
    without progress: with ``refresh_on="auto"`` any custom stream write, LangChain callback
    event (tokens...) or ``runtime.heartbeat()`` counts as progress, with ``"heartbeat"`` only
    the latter. A late attempt is cancelled and fails with ``NodeTimeoutError`` (which the
    node's ``RetryPolicy`` may retry). Sync nodes cannot be cancelled: a timeout on one is
    refused when the graph is compiled.
    """

    __slots__ = ("run_timeout", "idle_timeout", "refresh_on")  # noqa: RUF023 - field order
    __dataclass_fields__: Any = _DataclassFields(
        ("run_timeout", None), ("idle_timeout", None), ("refresh_on", "auto")
    )

    run_timeout: float | timedelta | None
    idle_timeout: float | timedelta | None
    refresh_on: Literal["auto", "heartbeat"]

    def __init__(
        self,
        *,
        run_timeout: float | timedelta | None = None,
        idle_timeout: float | timedelta | None = None,
        refresh_on: Literal["auto", "heartbeat"] = "auto",
    ) -> None:
        object.__setattr__(self, "run_timeout", run_timeout)
        object.__setattr__(self, "idle_timeout", idle_timeout)
        object.__setattr__(self, "refresh_on", refresh_on)

    @classmethod
    def coerce(cls, value: float | timedelta | TimeoutPolicy | None) -> TimeoutPolicy | None:
        """A policy in seconds from a policy, a number of seconds or a ``timedelta`` (the
        last two as ``run_timeout``); ``None`` when no timeout is set."""
        if value is None:
            return None
        if not isinstance(value, TimeoutPolicy):
            value = cls(run_timeout=value)
        if value.refresh_on not in ("auto", "heartbeat"):
            raise ValueError(f"refresh_on must be 'auto' or 'heartbeat', got {value.refresh_on!r}")
        run_timeout = _seconds(value.run_timeout, "run_timeout")
        idle_timeout = _seconds(value.idle_timeout, "idle_timeout")
        if run_timeout is None and idle_timeout is None:
            return None
        if all(type(t) in (float, type(None)) for t in (value.run_timeout, value.idle_timeout)):
            return value  # already in seconds: shared (it is frozen)
        return cls(run_timeout=run_timeout, idle_timeout=idle_timeout, refresh_on=value.refresh_on)


class TracePolicy(_Frozen):
    """What a node's own trace run records: ``process_inputs``/``process_outputs`` turn the
    node's input and output into what the tracer sees (not what the node gets or returns)."""

    __slots__ = ("process_inputs", "process_outputs")
    __dataclass_fields__: Any = _DataclassFields(
        ("process_inputs", None), ("process_outputs", None)
    )

    process_inputs: Callable[[Any], Any] | None
    process_outputs: Callable[[Any], Any] | None

    def __init__(
        self,
        *,
        process_inputs: Callable[[Any], Any] | None = None,
        process_outputs: Callable[[Any], Any] | None = None,
    ) -> None:
        object.__setattr__(self, "process_inputs", process_inputs)
        object.__setattr__(self, "process_outputs", process_outputs)


def omit_payload(_value: Any) -> dict[str, Any]:
    """For ``TracePolicy``: record an empty payload (keep the span and its timing)."""
    return {}


def default_cache_key(*args: Any, **kwargs: Any) -> bytes:
    """A node input as bytes to hash: its pickle (dict keys sorted), or its ``repr`` when it
    cannot be pickled."""
    import pickle

    try:
        return pickle.dumps((_frozen(args), _frozen(kwargs)), protocol=5)
    except Exception:
        return repr((args, kwargs)).encode()


def _frozen(value: Any) -> Any:
    if isinstance(value, Mapping):
        pairs = ((k, _frozen(v)) for k, v in value.items())
        return tuple(sorted(pairs, key=lambda kv: repr(kv[0])))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


class CachePolicy(NamedTuple):
    """Cache a node's writes (``add_node(..., cache_policy=...)`` with ``compile(cache=...)``):
    a later task of the node whose input has the same ``key_func`` gets them back without
    running. ``ttl``: seconds a result is kept (``None``: until the cache is cleared)."""

    key_func: Callable[..., str | bytes] = default_cache_key
    ttl: int | None = None


class Interrupt:
    """A pause requested by ``interrupt(value)``; ``id`` is what ``Command(resume=...)`` keys on.

    Attributes:
        value: What the node asked: shown to whoever resumes the run.
        id: Stable per interrupt (derived from the task's namespace and the interrupt's index).
        response_schema: Reserved: LangGraph 1.2 carries it; always ``None`` here.
    """

    __slots__ = ("id", "response_schema", "value")
    __hash__ = None  # type: ignore[assignment]
    __dataclass_fields__: Any = _DataclassFields(
        ("value", _REQUIRED), ("id", ""), ("response_schema", None)
    )

    def __init__(self, value: Any, id: str = "", response_schema: Any = None) -> None:
        self.value = value
        self.id = id
        self.response_schema = response_schema

    def __repr__(self) -> str:
        return (
            f"Interrupt(value={self.value!r}, id={self.id!r}, "
            f"response_schema={self.response_schema!r})"
        )

    @property
    def interrupt_id(self) -> str:
        """Deprecated name of ``id``."""
        import warnings

        from streamgraph.warnings import LangGraphDeprecatedSinceV10

        warnings.warn(
            "`interrupt_id` is deprecated. Use `id` instead.",
            LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
        return self.id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Interrupt) and (self.value, self.id, self.response_schema) == (
            other.value,
            other.id,
            other.response_schema,
        )


class Send:
    """Run ``node`` in the next step with ``arg`` as its input (map-reduce fan-out).

    Returned from a conditional edge's path function, or as a ``Command``'s ``goto``.
    ``timeout`` (a ``TimeoutPolicy``, or seconds) replaces the node's own for this task.
    """

    __slots__ = ("arg", "node", "timeout")

    def __init__(
        self,
        /,
        node: str,
        arg: Any,
        *,
        timeout: float | timedelta | TimeoutPolicy | None = None,
    ) -> None:
        self.node = node
        self.arg = arg
        self.timeout = TimeoutPolicy.coerce(timeout)

    def __repr__(self) -> str:
        if self.timeout is None:
            return f"Send(node={self.node!r}, arg={self.arg!r})"
        return f"Send(node={self.node!r}, arg={self.arg!r}, timeout={self.timeout!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Send) and (self.node, self.arg, self.timeout) == (
            other.node,
            other.arg,
            other.timeout,
        )

    def __hash__(self) -> int:
        return hash(self.node)


class Command(Generic[N]):
    """What a node returns to update state and choose where to go next, in one value.

    As graph input, ``Command(resume=...)`` answers a pending ``interrupt()``.

    Attributes:
        graph: ``None`` for the current graph, ``Command.PARENT`` for the one around it.
        update: State update: a dict, a list of ``(key, value)`` pairs, or a state object.
        resume: Value(s) for pending interrupts: one value, or ``{interrupt_id: value}``.
        goto: Node name(s) or ``Send``(s) to run next.
    """

    __slots__ = ("goto", "graph", "resume", "update")
    __hash__ = None  # type: ignore[assignment]
    __dataclass_fields__: Any = _DataclassFields(
        ("graph", None), ("update", None), ("resume", None), ("goto", ())
    )

    PARENT: ClassVar[Literal["__parent__"]] = "__parent__"

    def __init__(
        self,
        *,
        graph: str | None = None,
        update: Any = None,
        resume: Any = None,
        goto: Send | Sequence[Send | N] | N = (),
    ) -> None:
        self.graph = graph
        self.update = update
        self.resume = resume
        self.goto = goto

    def _fields(self) -> tuple[Any, ...]:
        return (self.graph, self.update, self.resume, self.goto)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Command) and self._fields() == other._fields()

    def __repr__(self) -> str:
        shown = []
        for name in ("graph", "update", "resume", "goto"):
            value = getattr(self, name)
            if value is not None and value != ():
                shown.append(f"{name}={value!r}")
        return f"Command({', '.join(shown)})"


class Overwrite:
    """Write ``value`` to a reducer key as-is, bypassing its reducer."""

    __slots__ = ("type", "value")
    __hash__ = None  # type: ignore[assignment]
    __dataclass_fields__: Any = _DataclassFields(("value", _REQUIRED), ("type", "__overwrite__"))

    def __init__(self, value: Any, type: Literal["__overwrite__"] = "__overwrite__") -> None:
        self.value = value
        self.type = type

    def __repr__(self) -> str:
        return f"Overwrite(value={self.value!r}, type={self.type!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Overwrite) and self.value == other.value


class PregelTask(NamedTuple):
    """A task of a checkpoint: what ran or will run, and how it ended."""

    id: str
    name: str
    path: tuple[str | int | tuple[Any, ...], ...]
    error: Exception | None = None
    interrupts: tuple[Interrupt, ...] = ()
    state: Any = None
    result: Any | None = None


class StateSnapshot(NamedTuple):
    """The state of a thread at one checkpoint."""

    values: dict[str, Any] | Any
    """State values at this checkpoint."""
    next: tuple[str, ...]
    """Nodes that run in the next step."""
    config: dict[str, Any]
    """Config that points at this checkpoint."""
    metadata: dict[str, Any] | None
    """Checkpoint metadata (``source``, ``step``, ``parents``, ...)."""
    created_at: str | None
    """ISO-8601 creation time."""
    parent_config: dict[str, Any] | None
    """Config of the previous checkpoint, if any."""
    tasks: tuple[PregelTask, ...]
    """Tasks of the next step, with errors and interrupts."""
    interrupts: tuple[Interrupt, ...] = ()
    """Interrupts waiting for a resume."""


class StateUpdate(NamedTuple):
    """One update of ``bulk_update_state``: ``values`` as if node ``as_node`` returned them."""

    values: dict[str, Any] | None
    as_node: str | None = None
    task_id: str | None = None


class GraphOutput(_Frozen):
    """What ``invoke(..., version="v2")`` returns: ``value`` (the output, in the output
    schema's type) and ``interrupts`` (those pending, ``()`` when the run finished)."""

    __slots__ = ("value", "interrupts")  # noqa: RUF023 - field order
    __dataclass_fields__: Any = _DataclassFields(("value", _REQUIRED), ("interrupts", ()))

    value: Any
    interrupts: tuple[Interrupt, ...]

    def __init__(self, value: Any, interrupts: tuple[Interrupt, ...] = ()) -> None:
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "interrupts", interrupts)

    def __getitem__(self, key: str) -> Any:
        """Deprecated dict-style access (``result["__interrupt__"]``, ``result["key"]``)."""
        _graph_output_access("`result[key]`")
        if key == "__interrupt__":
            return self.interrupts
        if isinstance(self.value, dict):
            return self.value[key]
        try:
            return getattr(self.value, key)
        except AttributeError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        _graph_output_access("`key in result`")
        if key == "__interrupt__":
            return bool(self.interrupts)
        if isinstance(self.value, dict):
            return key in self.value
        return isinstance(key, str) and hasattr(self.value, key)


def _graph_output_access(how: str) -> None:
    import warnings

    from streamgraph.warnings import LangGraphDeprecatedSinceV11

    warnings.warn(
        f"Accessing GraphOutput via {how} is deprecated. Use `result.value` to access the "
        "output value directly, or `result.interrupts` for interrupts.",
        LangGraphDeprecatedSinceV11,
        stacklevel=3,
    )


def interrupt(value: Any) -> Any:
    """Pause the run inside a node and ask for input.

    The first time, this raises ``GraphInterrupt`` and the run stops after the current step,
    reporting ``value`` under ``__interrupt__``. When the run is resumed with
    ``Command(resume=answer)``, the node runs again from the start and this call returns
    ``answer``. Resuming needs a checkpointer.
    """
    from streamgraph._context import current_scope

    return current_scope().interrupt(value)
