"""The functional API: ``@entrypoint`` turns a function into a graph, ``@task`` turns a
function into a step whose calls run in parallel, return futures, and are saved, so a run
resumed after an interrupt (or retried after a failure) replays finished calls instead of
running them again. The names and behaviour are LangGraph's ``langgraph.func``.

An entrypoint is a low-level ``Pregel`` graph of one node (named after the function),
triggered by its input on ``__start__``; what it returns goes to ``__end__`` (the output)
and to ``__previous__`` (what its next run on the thread gets as ``previous``).
``entrypoint.final(value=..., save=...)`` returns ``value`` but saves ``save``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, ParamSpec, TypeVar, get_type_hints, overload

from streamgraph.channels.ephemeral import EphemeralValue
from streamgraph.channels.last_value import LastValue
from streamgraph.constants import END, START
from streamgraph.pregel._calls import CallNode, call
from streamgraph.pregel._node import SYNC_TIMEOUT, is_async_callable
from streamgraph.pregel._read import PregelNode
from streamgraph.pregel._write import ChannelWrite, ChannelWriteEntry
from streamgraph.pregel.main import Pregel
from streamgraph.types import CachePolicy, RetryPolicy, TimeoutPolicy

__all__ = ("entrypoint", "task")

PREVIOUS = "__previous__"
C = TypeVar("C")
P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")


class _TaskFunction(Generic[P, T]):
    """A ``@task`` function: calling it (inside a run) starts the call and returns its
    future; ``.func`` is the plain function."""

    def __init__(
        self,
        func: Callable[P, T] | Callable[P, Awaitable[T]],
        *,
        name: str | None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None,
        cache_policy: CachePolicy | None,
        timeout: TimeoutPolicy | None,
    ) -> None:
        if not callable(func):
            raise TypeError(f"@task needs a function, got {func!r}")
        if cache_policy is not None:
            raise NotImplementedError(
                f"@task(cache_policy=...) on {name or _name_of(func)!r}: task caching is not "
                "supported by streamgraph yet"
            )
        self.func = func
        self.name = name or _name_of(func)
        self.retry_policy = retry_policy
        self.cache_policy = cache_policy
        self.timeout = timeout
        self.node = CallNode(self.name, func, retry_policy=retry_policy, timeout=timeout)
        functools.update_wrapper(self, func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Any:
        """The call's future: ``.result()`` on sync callers, ``await`` on async ones."""
        return call(self.node, args, kwargs)

    def clear_cache(self, cache: Any) -> None:
        """LangGraph's cache clearing for this task (no cache is kept: nothing to clear)."""
        return None

    async def aclear_cache(self, cache: Any) -> None:
        return None

    def __repr__(self) -> str:
        return f"<task {self.name!r}>"


def _deprecated(old: str, new: str, category: str) -> None:
    import warnings

    from streamgraph import warnings as categories

    warnings.warn(
        f"`{old}` is deprecated and will be removed. Please use `{new}` instead.",
        category=getattr(categories, category),
        stacklevel=3,
    )


def _name_of(func: Any) -> str:
    while isinstance(func, functools.partial):
        func = func.func
    return getattr(func, "__name__", None) or type(func).__name__


@overload
def task(__func_or_none__: Callable[P, Awaitable[T]]) -> _TaskFunction[P, T]: ...


@overload
def task(__func_or_none__: Callable[P, T]) -> _TaskFunction[P, T]: ...


@overload
def task(
    __func_or_none__: None = None,
    *,
    name: str | None = None,
    retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
    cache_policy: CachePolicy | None = None,
    timeout: float | timedelta | TimeoutPolicy | None = None,
    **kwargs: Any,
) -> Callable[[Callable[P, T]], _TaskFunction[P, T]]: ...


def task(
    __func_or_none__: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
    cache_policy: CachePolicy | None = None,
    timeout: float | timedelta | TimeoutPolicy | None = None,
    **kwargs: Any,
) -> Any:
    """Make a function a task: ``@task`` or ``@task(name=..., retry_policy=...)``."""
    if "retry" in kwargs:
        _deprecated("retry", "retry_policy", "LangGraphDeprecatedSinceV05")
        retry_policy = kwargs.pop("retry")
    if kwargs:
        raise TypeError(f"task() got unexpected arguments: {sorted(kwargs)}")
    policy = TimeoutPolicy.coerce(timeout)

    def decorate(func: Callable[..., Any]) -> _TaskFunction[Any, Any]:
        if policy is not None and not is_async_callable(func):
            raise ValueError(f"{SYNC_TIMEOUT} Task {_name_of(func)!r} is sync.")
        return _TaskFunction(
            func, name=name, retry_policy=retry_policy, cache_policy=cache_policy, timeout=policy
        )

    if __func_or_none__ is not None:
        return decorate(__func_or_none__)
    return decorate


class entrypoint(Generic[C]):
    """Make a function a graph (see the module docstring)."""

    @dataclass
    class final(Generic[R, S]):
        """Return ``value`` from the entrypoint but save ``save`` as the thread's
        ``previous``."""

        value: R
        save: S

    def __init__(
        self,
        checkpointer: Any = None,
        store: Any = None,
        cache: Any = None,
        context_schema: Any = None,
        cache_policy: CachePolicy | None = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        timeout: float | timedelta | TimeoutPolicy | None = None,
        **kwargs: Any,
    ) -> None:
        if "config_schema" in kwargs:
            _deprecated("config_schema", "context_schema", "LangGraphDeprecatedSinceV10")
            context_schema = context_schema or kwargs.pop("config_schema")
        if "retry" in kwargs:
            _deprecated("retry", "retry_policy", "LangGraphDeprecatedSinceV05")
            retry_policy = kwargs.pop("retry")
        if kwargs:
            raise TypeError(f"entrypoint() got unexpected arguments: {sorted(kwargs)}")
        if cache_policy is not None:
            raise NotImplementedError(
                "@entrypoint(cache_policy=...): caching is not supported by streamgraph yet"
            )
        self.checkpointer = checkpointer
        self.store = store
        self.cache = cache
        self.context_schema = context_schema
        self.cache_policy = cache_policy
        self.retry_policy = retry_policy
        self.timeout = TimeoutPolicy.coerce(timeout)

    def __call__(self, func: Callable[..., Any]) -> Pregel:
        if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
            raise NotImplementedError("Generators are disallowed as entrypoints.")
        params = list(inspect.signature(func).parameters.values())
        if not params or params[0].kind in (params[0].KEYWORD_ONLY, params[0].VAR_KEYWORD):
            raise ValueError(
                f"Entrypoint {_name_of(func)!r} must take at least one positional parameter "
                "(its input)"
            )
        input_type, output_type, save_type = _types(func, params[0].name)
        node = PregelNode(
            channels=START,
            triggers=[START],
            bound=func,
            writers=[
                ChannelWrite(
                    [
                        ChannelWriteEntry(END, mapper=_output),
                        ChannelWriteEntry(PREVIOUS, mapper=_saved),
                    ]
                )
            ],
            retry_policy=self.retry_policy,
            cache_policy=self.cache_policy,
            timeout=self.timeout,
        )
        graph = Pregel(
            nodes={_name_of(func): node},
            channels={
                START: EphemeralValue(input_type),
                END: LastValue(output_type),
                PREVIOUS: LastValue(save_type),
            },
            input_channels=START,
            output_channels=END,
            stream_channels=END,
            stream_mode="updates",
            auto_validate=False,
            checkpointer=self.checkpointer,
            store=self.store,
            cache=self.cache,
            context_schema=self.context_schema,
        )
        graph.live_calls = True
        drawing = functools.partial(_drawing, graph, _name_of(func))
        graph.get_graph = drawing  # type: ignore[attr-defined]
        return graph


def _drawing(graph: Pregel, name: str, config: Any = None, *, xray: int | bool = False) -> Any:
    """``get_graph()`` of an entrypoint: ``__start__ -> name -.-> __end__``, as LangGraph
    draws it."""
    from langchain_core.runnables.graph import Graph

    drawn = Graph()
    node = drawn.add_node(None, name)
    start = drawn.add_node(None, START)
    end = drawn.add_node(None, END)
    drawn.add_edge(start, node)
    drawn.add_edge(node, end, conditional=True)
    return drawn


def _output(value: Any) -> Any:
    return value.value if isinstance(value, entrypoint.final) else value


def _saved(value: Any) -> Any:
    return value.save if isinstance(value, entrypoint.final) else value


def _types(func: Callable[..., Any], first: str) -> tuple[Any, Any, Any]:
    """The input, output and saved types, from the annotations (``Any`` where none)."""
    try:
        hints = get_type_hints(func)
    except TypeError:  # entrypoint.final[int], say: it takes two types
        raise
    except Exception:
        hints = {}
    input_type = hints.get(first, Any)
    output_type = save_type = hints.get("return", Any)
    if output_type is entrypoint.final:
        output_type = save_type = Any
    elif getattr(output_type, "__origin__", None) is entrypoint.final:
        output_type, save_type = output_type.__args__
    return input_type, output_type, save_type
