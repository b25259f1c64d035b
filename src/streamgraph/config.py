"""Access to the running task from node code: its config and its stream writer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph._context import current_scope
from streamgraph.types import StreamWriter

__all__ = ("RunnableConfig", "get_config", "get_runtime", "get_store", "get_stream_writer")

if TYPE_CHECKING:
    from typing_extensions import TypedDict

    class RunnableConfig(TypedDict, total=False):
        """The config dict a run is called with (the same shape as LangChain's)."""

        tags: list[str]
        metadata: dict[str, Any]
        callbacks: Any
        run_name: str
        max_concurrency: int | None
        recursion_limit: int
        configurable: dict[str, Any]
        run_id: Any


def __getattr__(name: str) -> Any:
    # Made on first use: a typing_extensions TypedDict (pydantic reads those on every Python
    # version), whose import costs ``import streamgraph.config`` nothing until then.
    if name != "RunnableConfig":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from typing_extensions import TypedDict

    class RunnableConfig(TypedDict, total=False):
        """The config dict a run is called with (the same shape as LangChain's)."""

        tags: list[str]
        metadata: dict[str, Any]
        callbacks: Any
        run_name: str
        max_concurrency: int | None
        recursion_limit: int
        configurable: dict[str, Any]
        run_id: Any

    RunnableConfig.__module__ = __name__
    RunnableConfig.__qualname__ = "RunnableConfig"
    globals()["RunnableConfig"] = RunnableConfig
    return RunnableConfig


def get_config() -> RunnableConfig:
    """The config of the node that is running, with ``metadata["langgraph_node"]`` etc.

    Raises ``RuntimeError`` outside of a running node.
    """
    return current_scope().config  # type: ignore[return-value]


def get_stream_writer() -> StreamWriter:
    """The writer for ``custom`` stream data of the node that is running.

    When the caller did not ask for ``custom`` the writer does nothing. Raises
    ``RuntimeError`` outside of a running node.
    """
    return current_scope().writer


def get_store() -> Any:
    """The store the graph was compiled with (``None`` when there is none)."""
    return current_scope().run.store


def get_runtime() -> Any:
    """The ``Runtime`` of the node that is running (``context``, ``store``, ``stream_writer``)."""
    return current_scope().runtime
