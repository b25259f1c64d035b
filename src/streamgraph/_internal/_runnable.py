"""``RunnableCallable``: a sync function and its async twin as one LangChain ``Runnable``.

LangGraph-based libraries (``create_agent``, langgraph-supervisor) build their nodes with it.
It calls the function with the state and, by parameter name, what the function asks for:
``config``, ``writer``, ``store``, ``runtime``, ``previous`` (and ``error`` for an error
handler). The runtime is ``config["configurable"]["__pregel_runtime"]`` when given, else the
running task's, else an empty one. As a graph node it is a ``DualNode``: sync runs call
``invoke``, async runs ``ainvoke``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config

from streamgraph._context import SCOPE
from streamgraph._internal._constants import CONFIG_KEY_RUNTIME
from streamgraph.pregel._node import DualNode

__all__ = ("RunnableCallable", "RunnableLike", "current_runtime")

RunnableLike = Runnable[Any, Any] | Callable[..., Any]

_INJECTED = ("config", "writer", "store", "runtime", "previous", "error")
_MISSING = object()


def current_runtime(config: RunnableConfig | None) -> Any:
    """The runtime for code called with ``config``: the one the config carries, the running
    task's, or ``DEFAULT_RUNTIME``."""
    given = (config or {}).get("configurable", {}).get(CONFIG_KEY_RUNTIME)
    if given is not None:
        return given
    task = SCOPE.get()
    if task is not None:
        return task.runtime
    from streamgraph.runtime import DEFAULT_RUNTIME

    return DEFAULT_RUNTIME


class RunnableCallable(DualNode, Runnable[Any, Any]):  # type: ignore[misc]
    """``func`` (sync) and ``afunc`` (async) as a Runnable; at least one is required. Without
    ``afunc``, ``ainvoke`` calls ``func``. A returned Runnable is invoked in turn (with
    ``recurse=True``). With ``trace=True`` the call is a chain run for LangChain callbacks."""

    def __init__(
        self,
        func: Callable[..., Any] | None,
        afunc: Callable[..., Awaitable[Any]] | None = None,
        *,
        name: str | None = None,
        tags: Sequence[str] | None = None,
        trace: bool = True,
        recurse: bool = True,
        explode_args: bool = False,
        **kwargs: Any,
    ) -> None:
        if func is None and afunc is None:
            raise ValueError("At least one of func or afunc must be provided.")
        if name is None:
            named = getattr(func or afunc, "__name__", None)
            name = named if named and named != "<lambda>" else None
        self.name = name  # type: ignore[assignment]
        self.func = func
        self.afunc = afunc
        self.tags = list(tags) if tags else None
        self.kwargs = kwargs
        self.trace = trace
        self.recurse = recurse
        self.explode_args = explode_args
        target = func or afunc
        try:
            params = inspect.signature(target).parameters  # type: ignore[arg-type]
        except (TypeError, ValueError):
            params = {}  # type: ignore[assignment]
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        self.func_accepts = tuple(
            name for name in _INJECTED if name in params and params[name].kind in kinds
        )

    def __repr__(self) -> str:
        return f"RunnableCallable({self.get_name()!r})"

    def native_async(self) -> bool:
        return self.afunc is not None

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return name or self.name or type(self).__name__

    def _arguments(self, input: Any, config: RunnableConfig, kwargs: dict[str, Any]) -> Any:
        if self.explode_args:
            args, extra = input
            kwargs = {**self.kwargs, **extra, **kwargs}
        else:
            args = (input,)
            kwargs = {**self.kwargs, **kwargs}
        if self.func_accepts:
            runtime = current_runtime(config)
            task = SCOPE.get()
            for name in self.func_accepts:
                if name in kwargs:
                    continue
                if name == "config":
                    kwargs[name] = config
                elif name == "runtime":
                    kwargs[name] = runtime
                elif name == "writer":
                    kwargs[name] = runtime.stream_writer
                elif name == "error":
                    kwargs[name] = task.node_error if task is not None else None
                else:
                    kwargs[name] = getattr(runtime, name, None)
        return args, kwargs

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if self.func is None:
            raise TypeError(
                f'No synchronous function provided to "{self.get_name()}".\nEither initialize '
                "with a synchronous function or invoke via the async API (ainvoke, astream, "
                "etc.)"
            )
        config = ensure_config(config)
        args, kwargs = self._arguments(input, config, kwargs)
        func = self.func
        if self.trace:
            result = self._call_with_config(
                lambda value: func(*args, **kwargs), input, config, run_type="chain"
            )
        else:
            result = func(*args, **kwargs)
        if self.recurse and isinstance(result, Runnable):
            return result.invoke(input, config)
        return result

    async def ainvoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if self.afunc is None:
            return self.invoke(input, config, **kwargs)
        config = ensure_config(config)
        args, kwargs = self._arguments(input, config, kwargs)
        afunc = self.afunc
        if self.trace:

            async def call(value: Any) -> Any:
                return await afunc(*args, **kwargs)

            result = await self._acall_with_config(call, input, config, run_type="chain")
        else:
            result = await afunc(*args, **kwargs)
        if self.recurse and isinstance(result, Runnable):
            return await result.ainvoke(input, config)
        return result
