"""What a task runs: a user callable adapted once at compile time, plus its routing.

``Node.call`` invokes the callable with the parameters it asked for (``config``, ``writer``,
``runtime``, ``store``). ``Node.writes_for`` turns whatever it returned into ``(channel,
value)`` writes. ``Branch.route`` evaluates a conditional edge on the state as the task sees it
(its own writes applied), which is why routing runs inside the task.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from streamgraph.constants import BRANCH_PREFIX, END, TASKS
from streamgraph.errors import (
    ErrorCode,
    InvalidUpdateError,
    ParentCommand,
    create_error_message,
)
from streamgraph.types import CachePolicy, Command, RetryPolicy, Send, TimeoutPolicy

if TYPE_CHECKING:
    from streamgraph.graph._schema import Schema
    from streamgraph.pregel._scope import Task as Scope

__all__ = (
    "Branch",
    "DualNode",
    "Node",
    "adapt_callable",
    "has_native_async",
    "is_async_callable",
)

Writes = list[tuple[str, Any]]
Caller = Callable[[Any, "Scope"], Any]


def is_async_callable(fn: Any) -> bool:
    import inspect

    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)  # noqa: B004 - instances with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def _injections(fn: Callable[..., Any]) -> dict[str, str]:
    """Map parameter name -> what to inject, read from the signature once.

    ``config`` by name (or a ``RunnableConfig`` annotation); the stream writer by the name
    ``writer`` (unannotated, or annotated as a writer) or by a ``StreamWriter`` annotation
    under any name; ``runtime`` by name or ``Runtime`` annotation; ``store`` by name.
    """
    import inspect
    import typing

    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return {}
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        hints = {}
    wanted: dict[str, str] = {}
    for param in params[1:]:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(param.name, param.annotation)
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if param.name == "config" or "RunnableConfig" in text:
            wanted[param.name] = "config"
        elif _is_stream_writer(annotation) or (
            param.name == "writer" and annotation is param.empty
        ):
            wanted[param.name] = "writer"
        elif param.name == "runtime" or text == "Runtime":
            wanted[param.name] = "runtime"
        elif param.name == "store":
            wanted[param.name] = "store"
        elif param.name == "error" and (text == "NodeError" or _is_node_error(annotation)):
            wanted[param.name] = "node_error"
        elif param.name == "previous":
            wanted[param.name] = "previous"
    return wanted


def check_config_param(fn: Any) -> None:
    """LangGraph's warning (at ``add_node``) for a ``config`` parameter typed as something
    else than a ``RunnableConfig`` (streamgraph gives it the config all the same)."""
    import inspect

    try:
        param = inspect.signature(fn).parameters.get("config")
    except (TypeError, ValueError):
        return
    if param is None or param.annotation is param.empty:
        return
    annotation = param.annotation
    shown = annotation if isinstance(annotation, str) else repr(annotation)
    if "RunnableConfig" in shown or "RunnableConfig" in getattr(annotation, "__name__", ""):
        return
    import warnings

    warnings.warn(
        "The 'config' parameter should be typed as 'RunnableConfig' or 'RunnableConfig | "
        f"None', not '{annotation}'. ",
        UserWarning,
        stacklevel=_outside_streamgraph(),
    )


def _outside_streamgraph() -> int:
    """The ``stacklevel`` of the first caller outside streamgraph (the user's line)."""
    import sys

    frame = sys._getframe(2)  # the caller of the function that warns
    level = 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("streamgraph."):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _is_node_error(annotation: Any) -> bool:
    from streamgraph.errors import NodeError

    return annotation is NodeError or (isinstance(annotation, str) and "NodeError" in annotation)


SYNC_TIMEOUT = (
    "Node timeouts are only supported for async nodes because sync Python execution cannot "
    "be safely cancelled in-process."
)


def has_native_async(fn: Any) -> bool:
    """Whether a node's callable runs natively async, so an attempt can be cancelled (what a
    ``TimeoutPolicy`` needs): an ``async def``, a graph, or a runnable whose every part is
    async (a ``RunnableLambda`` with an async function, compositions of those, or a runnable
    class that implements ``ainvoke`` itself)."""
    from streamgraph.pregel.main import Pregel

    if isinstance(fn, Pregel) or is_async_callable(fn):
        return True
    if isinstance(fn, DualNode):
        return fn.native_async()
    module = sys.modules.get("langchain_core.runnables.base")
    if module is None or not isinstance(fn, module.Runnable):
        return False
    while isinstance(fn, module.RunnableBindingBase):
        fn = fn.bound
    if isinstance(fn, module.RunnableSequence):
        return all(has_native_async(step) for step in fn.steps)
    if isinstance(fn, module.RunnableParallel):
        return all(has_native_async(step) for step in fn.steps__.values())
    if isinstance(fn, module.RunnableLambda):
        return getattr(fn, "afunc", None) is not None
    afunc = getattr(fn, "afunc", None)
    if afunc is not None or getattr(fn, "func", None) is not None:
        return afunc is not None
    return type(fn).ainvoke is not module.Runnable.ainvoke


def _is_stream_writer(annotation: Any) -> bool:
    from streamgraph.types import StreamWriter

    if isinstance(annotation, str):  # unresolvable under `from __future__ import annotations`
        return "StreamWriter" in annotation
    return bool(annotation == StreamWriter)


def adapt_callable(fn: Callable[..., Any]) -> Caller:
    """A ``(input, scope) -> result`` caller for ``fn`` with its injections resolved."""
    wanted = _injections(fn)
    if not wanted:
        return lambda value, scope: fn(value)
    if wanted == {"config": "config"}:
        return lambda value, scope: fn(value, config=scope.config)
    items = tuple(wanted.items())

    def call(value: Any, scope: Scope) -> Any:
        return fn(value, **{name: getattr(scope, what) for name, what in items})

    return call


class Branch:
    """A conditional edge: ``path(state)`` returns node names, ``END`` or ``Send``s."""

    __slots__ = ("call", "input_schema", "is_async", "name", "path", "path_map", "runnable")

    def __init__(
        self,
        path: Callable[..., Any],
        path_map: dict[Hashable, str] | None,
        name: str,
        input_schema: Schema | None = None,
    ) -> None:
        self.input_schema = input_schema  # None: the graph's state schema
        self.path = path
        self.path_map = path_map
        self.name = name
        # A LangChain Runnable (``RunnablePick("x") | route``): invoked with the task's config,
        # ``ainvoke``d by the async drivers.
        self.runnable: Any = path if not callable(path) and _is_runnable(path) else None
        self.is_async: bool
        self.call: Caller
        if self.runnable is not None:
            self.is_async = False
            self.call = lambda value, scope: path.invoke(value, scope.config)
        else:
            self.is_async = is_async_callable(path)
            self.call = adapt_callable(path)

    def writes_for(self, result: Any, source: str, known: frozenset[str]) -> Writes:
        items = result if isinstance(result, list | tuple) else (result,)
        writes: Writes = []
        for item in items:
            if isinstance(item, Send):
                _check_target(item.node, source, known, f"branch '{self.name}' sent to")
                writes.append((TASKS, item))
                continue
            if self.path_map is not None:
                if item not in self.path_map:
                    raise InvalidUpdateError(
                        f"Branch '{self.name}' of node '{source}' returned {item!r}, which is "
                        f"not in its path_map (expected one of {list(self.path_map)})"
                    )
                item = self.path_map[item]
            if item is None or item == END:
                continue
            _check_target(item, source, known, f"branch '{self.name}' routed to")
            writes.append((BRANCH_PREFIX + item, None))
        return writes


def _check_target(target: Any, source: str, known: frozenset[str], what: str) -> None:
    if target not in known:
        raise InvalidUpdateError(
            f"Node '{source}': {what} unknown node {target!r}; known nodes: {sorted(known)}"
        )


class Node:
    """A node of a compiled graph, ready to be run by tasks."""

    __slots__ = (
        "branches",
        "cache_policy",
        "call",
        "defer",
        "edge_writes",
        "error_handler",
        "fn",
        "input_keys",
        "input_schema",
        "is_async",
        "is_error_handler",
        "is_runnable",
        "is_subgraph",
        "known",
        "live_events",
        "managed",
        "metadata",
        "name",
        "reader",
        "retry_policy",
        "root",
        "state_schema",
        "tags",
        "timeout",
        "trace_policy",
        "triggers",
        "writable",
    )

    def __init__(
        self,
        name: str,
        fn: Any,
        *,
        input_schema: Schema,
        state_schema: Schema,
        writable: frozenset[str],
        triggers: tuple[str, ...],
        metadata: dict[str, Any] | None = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        timeout: TimeoutPolicy | None = None,
        trace_policy: Any = None,
        is_error_handler: bool = False,
        cache_policy: CachePolicy | None = None,
    ) -> None:
        from streamgraph.pregel.main import Pregel

        self.name = name
        self.fn = fn
        self.input_schema = input_schema
        self.input_keys = input_schema.stored_keys
        self.managed = tuple(input_schema.managed.items())
        self.state_schema = state_schema
        self.root = getattr(state_schema, "kind", None) == "root"  # the state is one value
        self.writable = writable
        self.triggers = triggers
        self.metadata = metadata or {}
        self.tags: list[str] = []
        if isinstance(retry_policy, RetryPolicy):
            retry_policy = (retry_policy,)
        self.retry_policy: tuple[RetryPolicy, ...] = tuple(retry_policy or ())
        self.timeout = timeout
        self.trace_policy = trace_policy
        self.cache_policy = cache_policy
        self.defer = False  # runs only when nothing else is left to run (add_node(defer=True))
        self.is_error_handler = is_error_handler
        self.error_handler: Node | None = None  # runs in this node's place when it fails
        self.reader: Callable[[Any], Any] | None = None  # low-level nodes read channels
        self.edge_writes: Writes = []
        # Events written while running, last time a task of this node streamed them live
        # (the sync driver's choice between a greenlet and a worker thread; see _drive.py).
        self.live_events = 0
        self.branches: list[Branch] = []
        self.known: frozenset[str] = frozenset()
        self.call: Caller
        self.is_subgraph = isinstance(fn, Pregel)
        self.is_runnable = not self.is_subgraph and _is_runnable(fn)
        if self.is_subgraph:
            self.is_async = False
            self.call = lambda value, scope: fn.invoke(value)
        elif self.is_runnable:
            self.is_async = False
            self.call = lambda value, scope: fn.invoke(value, scope.config)
            if isinstance(fn, DualNode):  # its tags go on its tasks' config, as LangGraph's
                self.tags = list(getattr(fn, "tags", None) or ())
        else:
            self.is_async = is_async_callable(fn)
            self.call = adapt_callable(fn)

    @property
    def bound(self) -> Any:
        """What the node runs (LangGraph's name for it)."""
        return self.fn

    # Outside a run, a node can be called on its own, as LangGraph's ``graph.nodes[name]``:
    # the node's callable with its metadata and tags, returning what the callable returns.

    def _as_runnable(self) -> Any:
        fn = self.fn
        if hasattr(fn, "invoke"):
            return fn
        from streamgraph._internal._runnable import RunnableCallable

        if self.is_async:
            return RunnableCallable(None, fn, name=self.name)
        return RunnableCallable(fn, name=self.name)

    def _own_config(self, config: Any) -> dict[str, Any]:
        from streamgraph.pregel._configs import merge_configs

        return merge_configs({"metadata": dict(self.metadata), "tags": list(self.tags)}, config)

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return self._as_runnable().invoke(input, self._own_config(config), **kwargs)

    async def ainvoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        return await self._as_runnable().ainvoke(input, self._own_config(config), **kwargs)

    def stream(self, input: Any, config: Any = None, **kwargs: Any) -> Iterator[Any]:
        yield from self._as_runnable().stream(input, self._own_config(config), **kwargs)

    async def astream(self, input: Any, config: Any = None, **kwargs: Any) -> AsyncIterator[Any]:
        async for chunk in self._as_runnable().astream(input, self._own_config(config), **kwargs):
            yield chunk

    def copy(self, update: dict[str, Any]) -> Node:
        """A copy of the node with the given attributes replaced."""
        clone = object.__new__(type(self))
        for cls in type(self).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if hasattr(self, slot):
                    object.__setattr__(clone, slot, getattr(self, slot))
        for name, value in update.items():
            object.__setattr__(clone, name, value)
        return clone

    async def acall(self, value: Any, scope: Scope) -> Any:
        """The async form of ``call`` (subgraphs and runnables have native async twins)."""
        if self.is_subgraph:
            return await self.fn.ainvoke(value)
        if self.is_runnable:
            return await self.fn.ainvoke(value, scope.config)
        if self.is_async:
            return await self.call(value, scope)
        return self.call(value, scope)

    def writes_for(self, value: Any) -> Writes:
        """The state writes and gotos a node's return value stands for."""
        if value is None:
            return []
        if self.root and not isinstance(value, Command):
            if isinstance(value, list | tuple) and any(isinstance(v, Command) for v in value):
                return [w for item in value for w in self.writes_for(item)]
            return [("__root__", value)]
        if type(value) is dict:
            writable = self.writable
            return [(k, v) for k, v in value.items() if k in writable]
        if isinstance(value, Command):
            return self._command_writes(value)
        if (
            isinstance(value, list | tuple)
            and value
            and all(item is None or isinstance(item, dict | Command) for item in value)
        ):
            writes: Writes = []
            for item in value:
                writes.extend(self.writes_for(item))
            return writes
        if isinstance(value, dict):
            return self.writes_for(dict(value))
        writes_or_none = self.state_schema.writes_from_object(value)
        if writes_or_none is not None:
            return [(k, v) for k, v in writes_or_none if k in self.writable]
        raise InvalidUpdateError(
            create_error_message(
                message=f"Expected dict, got {value!r}: node '{self.name}' returned a "
                f"{type(value).__name__}, but a node must return a dict of state updates, "
                "a Command, None, or a list of those",
                error_code=ErrorCode.INVALID_GRAPH_NODE_RETURN_VALUE,
            )
        )

    def _command_writes(self, command: Command[Any]) -> Writes:
        if command.graph == Command.PARENT:
            raise ParentCommand(command)
        update = command.update
        writes: Writes = []
        if update is not None:
            if self.root:
                writes.append(("__root__", update))
            elif isinstance(update, list | tuple):
                writes.extend((k, v) for k, v in update if k in self.writable)
            else:
                writes.extend(self.writes_for(update))
        goto = command.goto
        if goto or goto == 0:
            targets = goto if isinstance(goto, list | tuple) else (goto,)
            for target in targets:
                if isinstance(target, Send):
                    _check_target(target.node, self.name, self.known, "Command sent to")
                    writes.append((TASKS, target))
                elif target != END:
                    _check_target(target, self.name, self.known, "Command(goto=...) to")
                    writes.append((BRANCH_PREFIX + target, None))
        return writes


class DualNode:
    """A node object with a sync and an async body, called with ``(input, config)`` like a
    LangChain runnable: sync runs call ``invoke``, async runs ``ainvoke``. The prebuilt
    ``ToolNode`` and agent model node are ones, so their tools and models run natively in
    both worlds (an ``async def`` tool cannot run from a sync body)."""

    name: str = "DualNode"

    def native_async(self) -> bool:
        """Whether ``ainvoke`` is natively async (a timeout can cancel it)."""
        return True

    def __call__(self, input: Any, config: Any = None) -> Any:
        return self.invoke(input, config)

    def invoke(self, input: Any, config: Any = None) -> Any:
        raise NotImplementedError

    async def ainvoke(self, input: Any, config: Any = None) -> Any:
        raise NotImplementedError


def _is_runnable(fn: Any) -> bool:
    """A ``DualNode`` or a LangChain ``Runnable`` (the latter only possible when the user's
    code imported langchain-core)."""
    if isinstance(fn, DualNode):
        return True
    module = sys.modules.get("langchain_core.runnables.base")
    return module is not None and isinstance(fn, module.Runnable)


class StartNode(Node):
    """The hidden ``__start__`` task's node: its input is already a list of writes."""

    __slots__ = ()

    def writes_for(self, value: Any) -> Writes:
        if type(value) is list:  # the input's writes, prepared by Loop.start
            return list(value)
        return super().writes_for(value)
