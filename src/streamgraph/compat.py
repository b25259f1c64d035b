"""Run unmodified LangGraph code on streamgraph: ``import langgraph...`` loads streamgraph.

One call, before anything imports LangGraph::

    import streamgraph.compat

    streamgraph.compat.install()

    from langgraph.graph import StateGraph  # streamgraph.graph.StateGraph
    from langchain.agents import create_agent  # built on streamgraph now

After ``install()``, importing ``langgraph`` or ``langgraph.X`` gives the module
``streamgraph`` or ``streamgraph.X`` (the same module object), and ``langgraph_sdk(.X)`` gives
``streamgraph.sdk(.X)``, even where LangGraph itself is installed. This covers the private
modules that libraries built on LangGraph import (``langgraph._internal._runnable`` and the
like, see ``streamgraph._internal``). A LangGraph module streamgraph does not have fails to
import with an error that names both. ``streamgraph dev``/``serve`` install the alias before
loading a project's graphs (``--no-compat`` turns that off).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

__all__ = ("install", "installed", "target_of", "uninstall")

_PREFIXES = (("langgraph_sdk", "streamgraph.sdk"), ("langgraph", "streamgraph"))


def target_of(name: str) -> str | None:
    """The streamgraph module a LangGraph module name stands for (``None``: not LangGraph's)."""
    for prefix, target in _PREFIXES:
        if name == prefix or name.startswith(prefix + "."):
            return target + name[len(prefix) :]
    return None


class _AliasLoader(importlib.abc.Loader):
    """Loads an alias: the streamgraph module itself, under the LangGraph name."""

    def __init__(self, alias: str, target: str) -> None:
        self.alias = alias
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        try:
            return importlib.import_module(self.target)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if not (self.target == missing or self.target.startswith(missing + ".")):
                raise  # something the streamgraph module itself imports is missing
            raise ModuleNotFoundError(
                f"No module named {self.alias!r}: streamgraph.compat maps it to "
                f"{self.target!r}, which streamgraph does not have",
                name=self.alias,
            ) from error

    def exec_module(self, module: ModuleType) -> None:
        return None  # already executed, as the streamgraph module


class _AliasFinder(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: answers for LangGraph's module names."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        aliased = target_of(fullname)
        if aliased is None:
            return None
        return importlib.util.spec_from_loader(
            fullname, _AliasLoader(fullname, aliased), is_package=True
        )


_FINDER = _AliasFinder()


def installed() -> bool:
    """Whether the alias is in place."""
    return _FINDER in sys.meta_path


def _real_langgraph_modules() -> list[str]:
    """LangGraph modules already imported from LangGraph itself (not aliases)."""
    found = []
    for name, module in list(sys.modules.items()):
        target = target_of(name)
        if target is None or module is None:
            continue
        if not getattr(module, "__name__", "").startswith("streamgraph"):
            found.append(name)
    return sorted(found)


def install() -> None:
    """Make ``import langgraph...``/``import langgraph_sdk...`` load streamgraph (idempotent).

    Raises ``RuntimeError`` when LangGraph itself was imported already: objects made from it
    would not work with streamgraph's, so the alias must come first.
    """
    if installed():
        return
    real = _real_langgraph_modules()
    if real:
        shown = ", ".join(real[:5]) + (", ..." if len(real) > 5 else "")
        raise RuntimeError(
            f"streamgraph.compat.install() must run before LangGraph is imported; already "
            f"imported: {shown}. Call it first thing in your program (or run it with "
            "`streamgraph dev`)"
        )
    sys.meta_path.insert(0, _FINDER)
    from streamgraph.pregel._runnable_api import register_as_runnable
    from streamgraph.pregel.main import Pregel

    register_as_runnable(Pregel)


def uninstall() -> None:
    """Remove the alias and forget the aliased modules (streamgraph's stay imported)."""
    while _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    for name in [n for n in sys.modules if target_of(n) is not None]:
        module = sys.modules[name]
        if getattr(module, "__name__", "").startswith("streamgraph"):
            del sys.modules[name]
