"""StateGraph: declare nodes and edges over a state schema, then ``compile()`` to run it."""

from __future__ import annotations

import typing
from collections.abc import Callable, Hashable, Sequence
from types import GenericAlias
from typing import TYPE_CHECKING, Any, Literal, Self

from streamgraph.constants import END, NS_END, NS_SEP, RESERVED_NAMES, START
from streamgraph.errors import GraphSetupError
from streamgraph.graph._schema import Schema, first_param_schema, schema_of
from streamgraph.graph._validate import validate_graph
from streamgraph.pregel._node import check_config_param
from streamgraph.pregel.main import Pregel
from streamgraph.types import CachePolicy, Command, RetryPolicy, TimeoutPolicy, TracePolicy

if TYPE_CHECKING:
    from datetime import timedelta

__all__ = ("CompiledStateGraph", "StateGraph")

ERROR_HANDLER_PREFIX = "__error_handler__"
DEFAULT_ERROR_HANDLER = "__default_error_handler__"


class NodeSpec:
    """A node as declared with ``add_node``."""

    __slots__ = (
        "cache_policy",
        "defer",
        "destinations",
        "ends",
        "error_handler",
        "fn",
        "input_schema",
        "is_error_handler",
        "metadata",
        "retry_policy",
        "timeout",
        "trace_policy",
    )

    def __init__(
        self,
        fn: Any,
        input_schema: Any,
        metadata: dict[str, Any] | None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None,
        destinations: dict[str, str] | tuple[str, ...] | None,
        ends: tuple[str, ...] = (),
        *,
        timeout: TimeoutPolicy | None = None,
        trace_policy: TracePolicy | None = None,
        error_handler: str | None = None,
        is_error_handler: bool = False,
        cache_policy: CachePolicy | None = None,
        defer: bool = False,
    ) -> None:
        self.fn = fn
        self.cache_policy = cache_policy
        self.defer = defer
        self.input_schema = input_schema
        self.metadata = metadata
        self.retry_policy = retry_policy
        self.destinations = destinations
        self.ends = ends  # targets known statically (destinations or Command[Literal] hint)
        self.timeout = timeout
        self.trace_policy = trace_policy
        self.error_handler = error_handler  # name of the node that handles this one's failure
        self.is_error_handler = is_error_handler


class NodeDefaults:
    """What ``set_node_defaults`` set: applied at ``compile()`` to nodes that set none."""

    __slots__ = ("cache_policy", "error_handler", "retry_policy", "timeout")

    def __init__(self) -> None:
        self.retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None
        self.cache_policy: CachePolicy | None = None
        self.error_handler: Any = None
        self.timeout: TimeoutPolicy | None = None


class BranchSpec:
    """A conditional edge as declared with ``add_conditional_edges``."""

    __slots__ = ("ends", "input_schema", "path", "path_map")

    def __init__(
        self,
        path: Callable[..., Any],
        path_map: dict[Hashable, str] | None,
        ends: tuple[str, ...] | None,
        input_schema: Any = None,
    ) -> None:
        self.input_schema = input_schema  # its first parameter's schema, when annotated
        self.path = path
        self.path_map = path_map
        self.ends = ends  # targets known statically (path_map or Literal hint)


def _check_checkpointer(checkpointer: Any) -> None:
    if checkpointer is None or isinstance(checkpointer, bool):
        return
    from streamgraph.checkpoint.base import BaseCheckpointSaver

    if not isinstance(checkpointer, BaseCheckpointSaver):
        raise TypeError(
            "Invalid checkpointer provided. Expected an instance of `BaseCheckpointSaver`, "
            f"`True`, `False`, or `None`. Received {type(checkpointer).__name__}. Pass a "
            "proper saver (e.g., InMemorySaver, AsyncPostgresSaver)."
        )


def _plain_name(name: Any) -> Any:
    """A ``str`` enum member used as a node name: its value (``NodeName.BAZ`` -> ``"baz"``)."""
    if isinstance(name, str) and type(name) is not str:
        return str.__str__(name)
    return name


def _legacy_arg(legacy: dict[str, Any], old: str, new: str, since: tuple[int, int] = (0, 5)) -> Any:
    """A renamed argument (``input``/``retry``/``config_schema``): still taken, with
    LangGraph's deprecation warning."""
    if old not in legacy:
        return None
    import warnings

    from streamgraph.warnings import LangGraphDeprecatedSinceV05, LangGraphDeprecatedSinceV10

    warnings.warn(
        f"`{old}` is deprecated and will be removed. Please use `{new}` instead.",
        category=LangGraphDeprecatedSinceV10 if since == (1, 0) else LangGraphDeprecatedSinceV05,
        stacklevel=4,
    )
    return legacy.pop(old)


def _node_name(fn: Any) -> str:
    if isinstance(fn, Pregel):
        return fn.name
    name = getattr(fn, "__name__", None)
    if isinstance(name, str):
        return name
    if hasattr(fn, "invoke") and hasattr(fn, "get_name"):
        return str(fn.get_name())
    runnable_name = getattr(fn, "name", None)
    if isinstance(runnable_name, str) and hasattr(fn, "invoke"):
        return runnable_name
    return type(fn).__name__


def _literal_targets(annotation: Any) -> tuple[str, ...] | None:
    """Node names in a ``Literal[...]`` (or ``Command[Literal[...]]``) annotation."""
    origin = typing.get_origin(annotation)
    if origin is Command:
        args = typing.get_args(annotation)
        return _literal_targets(args[0]) if args else None
    if origin is Literal:
        return tuple(str(a) for a in typing.get_args(annotation))
    if origin is typing.Union:
        found: list[str] = []
        for arg in typing.get_args(annotation):
            targets = _literal_targets(arg)
            if targets is None:
                return None
            found.extend(targets)
        return tuple(found)
    return None


def _return_targets(fn: Any) -> tuple[str, ...] | None:
    try:
        hint = typing.get_type_hints(fn).get("return")
    except Exception:
        return None
    return None if hint is None else _literal_targets(hint)


def _command_targets(fn: Any) -> tuple[str, ...] | None:
    """Where a node may go: the ``Literal`` of a ``Command[Literal[...]]`` return annotation
    (alone or in a union), as LangGraph reads it (a bare ``Literal`` says nothing here)."""
    try:
        hint = typing.get_type_hints(fn).get("return")
    except Exception:
        return None
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    for option in options:
        if typing.get_origin(option) is Command:
            return _literal_targets(option)
    return None


def _is_union(hint: Any) -> bool:
    import types

    return typing.get_origin(hint) in (typing.Union, types.UnionType)


class StateGraph:
    """A graph whose nodes read and update a shared state.

    Example::

        class State(TypedDict):
            topic: str
            joke: str

        graph = (
            StateGraph(State)
            .add_node(refine_topic)
            .add_node(generate_joke)
            .add_edge(START, "refine_topic")
            .add_edge("refine_topic", "generate_joke")
            .compile()
        )
    """

    __class_getitem__: Any = classmethod(GenericAlias)  # StateGraph[State, Context, ...]

    def __init__(
        self,
        state_schema: Any = None,
        context_schema: Any = None,
        *,
        input_schema: Any = None,
        output_schema: Any = None,
        **legacy: Any,
    ) -> None:
        input_schema = input_schema or _legacy_arg(legacy, "input", "input_schema")
        output_schema = output_schema or _legacy_arg(legacy, "output", "output_schema")
        context_schema = context_schema or _legacy_arg(
            legacy, "config_schema", "context_schema", since=(1, 0)
        )
        if legacy:
            raise TypeError(f"StateGraph() got unexpected arguments: {sorted(legacy)}")
        if state_schema is None:
            if input_schema is None:
                raise GraphSetupError("StateGraph needs a state schema: StateGraph(State)")
            state_schema = input_schema
        self.state_schema = state_schema
        self.input_schema = input_schema or state_schema
        self.output_schema = output_schema or state_schema
        self.context_schema = context_schema
        self.schemas: dict[Any, Schema] = {}
        for schema in (state_schema, self.input_schema, self.output_schema):
            self._add_schema(schema)
        self.nodes: dict[str, NodeSpec] = {}
        self.edges: list[tuple[str, str]] = []
        self.waiting_edges: list[tuple[tuple[str, ...], str]] = []
        self.branches: dict[str, dict[str, BranchSpec]] = {}
        self.compiled = False
        self.node_defaults = NodeDefaults()

    @property
    def managed(self) -> dict[str, Any]:
        """The graph's managed values (``RemainingSteps``...), by key."""
        found: dict[str, Any] = {}
        for schema in self.schemas.values():
            for key, manager in schema.managed.items():
                found.setdefault(key, manager)
        return found

    @property
    def channels(self) -> dict[str, Any]:
        """The graph's state keys and their channels (managed values left out)."""
        found: dict[str, Any] = {}
        for schema in self.schemas.values():
            for key, channel in schema.channels().items():
                found.setdefault(key, channel)
        return found

    def _add_schema(self, schema: Any) -> Schema:
        if schema not in self.schemas:
            self.schemas[schema] = schema_of(schema)
        return self.schemas[schema]

    # -- declaring ---------------------------------------------------------------------------

    def add_node(
        self,
        node: Any,
        action: Any = None,
        *,
        defer: bool = False,
        metadata: dict[str, Any] | None = None,
        input_schema: Any = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        cache_policy: CachePolicy | None = None,
        error_handler: Any = None,
        destinations: dict[str, str] | tuple[str, ...] | None = None,
        timeout: float | timedelta | TimeoutPolicy | None = None,
        trace_policy: TracePolicy | None = None,
        **legacy: Any,
    ) -> Self:
        """Add a node: a function of the state (sync or async), or a compiled graph.

        The name is ``node`` when it is a string (then ``action`` is the function), else the
        function's ``__name__``. The node receives the state (or the keys of ``input_schema``,
        or of its first parameter's type hint) and returns an update.

        ``retry_policy`` retries a failing node (the first policy whose ``retry_on`` matches
        applies); when it still fails, ``error_handler`` (a function of the state, which may
        take ``error: NodeError``) runs instead, in the same step, as node
        ``__error_handler__<name>``; its update or ``Command`` replaces the failed node's.
        ``timeout`` (seconds or a ``TimeoutPolicy``, async nodes only) bounds each attempt.
        """
        input_schema = input_schema or _legacy_arg(legacy, "input", "input_schema")
        retry_policy = retry_policy or _legacy_arg(legacy, "retry", "retry_policy")
        policy = TimeoutPolicy.coerce(timeout)
        if legacy:
            raise TypeError(f"add_node() got unexpected arguments: {sorted(legacy)}")
        node = _plain_name(node)
        if isinstance(node, str):
            name, fn = node, action
            if fn is None:
                raise GraphSetupError(f"add_node({name!r}) needs the node's function as well")
        else:
            if action is not None:
                raise GraphSetupError("add_node(fn, action): pass the name as a string first")
            fn, name = node, _node_name(node)
        if isinstance(fn, dict) and fn:  # a dict of runnables: their outputs side by side
            from langchain_core.runnables import RunnableParallel

            fn = RunnableParallel(fn)
        if not (callable(fn) or isinstance(fn, Pregel) or hasattr(fn, "invoke")):
            raise TypeError(
                "Expected a Runnable, callable or dict.Instead got an unsupported type: "
                f"{type(fn)!r} (node {name!r})"
            )
        self._check_name(name)
        if cache_policy is not None and not isinstance(cache_policy, CachePolicy):
            raise GraphSetupError(
                f"Node `{name}`: cache_policy must be a CachePolicy, got {cache_policy!r}"
            )
        if input_schema is None and not isinstance(fn, Pregel):
            input_schema = first_param_schema(fn)
        if not isinstance(fn, Pregel) and not hasattr(fn, "invoke"):
            check_config_param(fn)
        if input_schema is not None:
            self._add_schema(input_schema)
        ends = tuple(destinations) if destinations else _command_targets(fn) or ()
        handler_name = None
        if error_handler is not None:
            handler_name = ERROR_HANDLER_PREFIX + name
            if handler_name in self.nodes:
                raise GraphSetupError(
                    f"Auto-generated error handler node `{handler_name}` already exists."
                )
            self.nodes[handler_name] = NodeSpec(
                error_handler,
                input_schema,
                None,
                None,
                None,
                is_error_handler=True,
            )
        self.nodes[name] = NodeSpec(
            fn,
            input_schema,
            metadata,
            retry_policy,
            destinations,
            ends,
            timeout=policy,
            trace_policy=trace_policy,
            error_handler=handler_name,
            cache_policy=cache_policy,
            defer=bool(defer),
        )
        return self

    def set_node_defaults(
        self,
        *,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        cache_policy: CachePolicy | None = None,
        error_handler: Any = None,
        timeout: float | timedelta | TimeoutPolicy | None = None,
    ) -> Self:
        """Policies for every node that does not set its own in ``add_node``, applied at
        ``compile()`` (so before or after ``add_node`` alike; not inherited by subgraphs).

        ``retry_policy`` and ``timeout`` apply to error handlers too; ``error_handler`` (run
        as node ``__default_error_handler__``) handles regular nodes only, never a handler's
        own failure.
        """
        defaults = self.node_defaults
        if retry_policy is not None:
            defaults.retry_policy = retry_policy
        if cache_policy is not None:
            defaults.cache_policy = cache_policy
        if error_handler is not None:
            defaults.error_handler = error_handler
        if timeout is not None:
            defaults.timeout = TimeoutPolicy.coerce(timeout)
        return self

    def _apply_node_defaults(self) -> None:
        defaults = self.node_defaults
        if defaults.error_handler is not None:
            if DEFAULT_ERROR_HANDLER in self.nodes:
                raise GraphSetupError(
                    f"Auto-generated default error handler node `{DEFAULT_ERROR_HANDLER}` "
                    "already exists."
                )
            self.nodes[DEFAULT_ERROR_HANDLER] = NodeSpec(
                defaults.error_handler, None, None, None, None, is_error_handler=True
            )
        for spec in self.nodes.values():
            if not spec.is_error_handler and spec.error_handler is None:
                if defaults.error_handler is not None:
                    spec.error_handler = DEFAULT_ERROR_HANDLER
            if spec.retry_policy is None:
                spec.retry_policy = defaults.retry_policy
            if spec.timeout is None:
                spec.timeout = defaults.timeout
            if spec.cache_policy is None and not spec.is_error_handler:
                spec.cache_policy = defaults.cache_policy

    def _check_name(self, name: str) -> None:

        if not isinstance(name, str) or not name:
            raise GraphSetupError(f"Node names must be non-empty strings, got {name!r}")
        if name in self.nodes:
            raise GraphSetupError(f"Node `{name}` already present.")
        if name in RESERVED_NAMES:
            raise GraphSetupError(f"Node `{name}` is reserved.")
        for char in (NS_END, NS_SEP):
            if char in name:
                raise GraphSetupError(
                    f"'{char}' is a reserved character and is not allowed in the node names "
                    f"(node {name!r})."
                )

    def add_edge(self, start_key: str | Sequence[str], end_key: str) -> Self:
        """Run ``end_key`` after ``start_key``; a list of starts waits for all of them."""
        end_key = _plain_name(end_key)
        if isinstance(start_key, str):
            start_key = _plain_name(start_key)
        else:
            start_key = [_plain_name(s) for s in start_key]
        if isinstance(start_key, str):
            if start_key == END:
                raise GraphSetupError("END cannot be a start node")
            if end_key == START:
                raise GraphSetupError("START cannot be an end node")
            self.edges.append((start_key, end_key))
            return self
        starts = tuple(start_key)
        if not starts:
            raise GraphSetupError(f"add_edge([], {end_key!r}): give at least one start node")
        for start in starts:
            if start == END:
                raise GraphSetupError("END cannot be a start node")
        if end_key == START:
            raise GraphSetupError("START cannot be an end node")
        self.waiting_edges.append((starts, end_key))
        return self

    def add_conditional_edges(
        self,
        source: str,
        path: Callable[..., Any],
        path_map: dict[Hashable, str] | Sequence[str] | None = None,
    ) -> Self:
        """After ``source``, run the node(s) ``path(state)`` returns (names, ``END``, or
        ``Send``s), mapped through ``path_map`` when given."""
        source = _plain_name(source)
        if not callable(path) and not hasattr(path, "invoke"):
            raise TypeError(
                f"add_conditional_edges({source!r}, ...): path must be callable or a Runnable"
            )
        name = getattr(path, "__name__", None) or getattr(path, "name", None) or "condition"
        if name == "<lambda>":
            name = "condition"
        if name in self.branches.get(source, {}):
            raise GraphSetupError(f"Branch with name `{name}` already exists for node `{source}`")
        mapping: dict[Hashable, str] | None
        if path_map is None:
            mapping = None
        elif isinstance(path_map, dict):
            mapping = {k: _plain_name(v) for k, v in path_map.items()}
        else:
            mapping = {target: _plain_name(target) for target in path_map}
        ends = tuple(mapping.values()) if mapping is not None else _return_targets(path)
        schema = first_param_schema(path)
        if schema is not None:
            self._add_schema(schema)
        self.branches.setdefault(source, {})[name] = BranchSpec(path, mapping, ends, schema)
        return self

    def add_sequence(self, nodes: Sequence[Any]) -> Self:
        """Add nodes (functions, or ``(name, function)`` pairs) that run one after another."""
        if not nodes:
            raise GraphSetupError("add_sequence() needs at least one node")
        previous: str | None = None
        for item in nodes:
            if isinstance(item, tuple):
                name, fn = item
                self.add_node(name, fn)
            else:
                name = _node_name(item)
                self.add_node(item)
            if previous is not None:
                self.add_edge(previous, name)
            previous = name
        return self

    def set_entry_point(self, key: str) -> Self:
        return self.add_edge(START, key)

    def set_conditional_entry_point(
        self, path: Callable[..., Any], path_map: dict[Hashable, str] | Sequence[str] | None = None
    ) -> Self:
        return self.add_conditional_edges(START, path, path_map)

    def set_finish_point(self, key: str) -> Self:
        return self.add_edge(key, END)

    # -- compiling ---------------------------------------------------------------------------

    def validate(self, interrupt: Sequence[str] | None = None) -> Self:
        validate_graph(self, interrupt or ())
        return self

    def compile(
        self,
        checkpointer: Any = None,
        *,
        cache: Any = None,
        store: Any = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        debug: bool = False,
        name: str | None = None,
        transformers: Sequence[Any] | None = None,
    ) -> CompiledStateGraph:
        """Check the graph and turn it into a runnable ``CompiledStateGraph``.

        ``transformers``: v3 stream transformers (``streamgraph.stream``) added to every
        ``stream_events(version="v3")`` run of the graph."""
        _check_checkpointer(checkpointer)
        if checkpointer is True:
            raise GraphSetupError(
                "compile(checkpointer=True) (a subgraph keeping its own thread) is not "
                "supported; pass a checkpointer, None (inherit the parent's) or False (none)"
            )
        from streamgraph.graph._compile import compile_graph

        interrupts = [
            *([] if interrupt_before in (None, "*") else interrupt_before),
            *([] if interrupt_after in (None, "*") else interrupt_after),
        ]
        if not self.compiled:
            self._apply_node_defaults()
        self.validate(interrupts)
        stream_transformers: tuple[Any, ...] = ()
        if transformers is not None:
            from streamgraph.stream._run import normalize_factories

            where = "compile(transformers=...)"
            stream_transformers = tuple(normalize_factories(transformers, where=where))
        self.compiled = True
        graph = compile_graph(
            self,
            checkpointer=checkpointer,
            store=store,
            cache=cache,
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            name=name or "LangGraph",
            debug=debug,
        )
        if stream_transformers:
            graph.stream_transformers = stream_transformers
        return graph


class CompiledStateGraph(Pregel):
    """A compiled ``StateGraph``: ``invoke``/``stream`` it, draw it with ``get_graph()``."""

    stream_mode = "updates"

    builder: StateGraph

    def get_graph(self, config: dict[str, Any] | None = None, *, xray: int | bool = False) -> Any:
        """A drawable view of the graph (``.draw_mermaid()``, ``.draw_ascii()``, ...);
        ``xray`` expands subgraph nodes (an int limits the depth)."""
        from streamgraph.graph._draw import draw_graph

        return draw_graph(self, xray=xray)
