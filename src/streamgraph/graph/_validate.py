"""Compile-time checks of a StateGraph: every mistake named, before anything runs."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from streamgraph.constants import END, START
from streamgraph.errors import GraphSetupError

if TYPE_CHECKING:
    from streamgraph.graph.state import StateGraph

__all__ = ("UnreachableNodeWarning", "validate_graph")


class UnreachableNodeWarning(UserWarning):
    """A node that no edge leads to."""


def validate_graph(builder: StateGraph, interrupt: Iterable[str]) -> None:
    nodes = builder.nodes
    sources = {start for start, _ in builder.edges}
    for starts, _ in builder.waiting_edges:
        sources.update(starts)
    sources.update(builder.branches)
    for source in sources:
        if source != START and source not in nodes:
            raise GraphSetupError(f"Found edge starting at unknown node '{source}'")
    if START not in sources:
        raise GraphSetupError(
            "Graph must have an entrypoint: add at least one edge from START to another node"
        )
    for _, end in builder.edges:
        if end != END and end not in nodes:
            raise GraphSetupError(f"Found edge ending at unknown node `{end}`")
    for _, end in builder.waiting_edges:
        if end != END and end not in nodes:
            raise GraphSetupError(f"Found edge ending at unknown node `{end}`")
    for source, branches in builder.branches.items():
        for name, branch in branches.items():
            if branch.path_map is None:
                continue
            for target in branch.path_map.values():
                if target != END and target not in nodes:
                    raise GraphSetupError(
                        f"At '{source}' node, '{name}' branch found unknown target '{target}'"
                    )
    for name, spec in nodes.items():
        if spec.destinations:
            for target in spec.destinations:
                if target != END and target not in nodes:
                    raise GraphSetupError(f"Node `{name}` declares unknown destination `{target}`")
    for name in interrupt:
        if name not in nodes:
            raise GraphSetupError(f"Interrupt node `{name}` not found")
    _check_reachable(builder)


def _may_route_dynamically(fn: Any) -> bool:
    """Whether a node may send the run somewhere its edges do not say (Command/Send).

    Plain functions are inspected: one whose code never names ``Command`` or ``Send`` cannot
    build one directly. Anything else (classes, partials, subgraphs, runnables) may.
    """
    import inspect

    if not inspect.isfunction(fn):
        return True
    pending = [fn.__code__]
    while pending:
        code = pending.pop()
        names = (*code.co_names, *code.co_freevars)
        if "Command" in names or "Send" in names:
            return True
        pending.extend(c for c in code.co_consts if inspect.iscode(c))
    return False


def _check_reachable(builder: StateGraph) -> None:
    """A node no edge from START leads to would silently never run: name it.

    Only decided when every route is known statically; a conditional edge without a
    ``path_map``/``Literal`` hint, or a node that may return ``Command``/``Send`` without
    declaring its destinations, could reach anything, and then nothing is reported.
    """
    targets: dict[str, set[str]] = {}
    for start, end in builder.edges:
        targets.setdefault(start, set()).add(end)
    for starts, end in builder.waiting_edges:
        for start in starts:
            targets.setdefault(start, set()).add(end)
    for source, branches in builder.branches.items():
        for branch in branches.values():
            if branch.ends is None:
                return
            targets.setdefault(source, set()).update(branch.ends)
    for name, spec in builder.nodes.items():
        if spec.error_handler is not None:  # a node's failure leads to its handler
            targets.setdefault(name, set()).add(spec.error_handler)
        if spec.ends:
            targets.setdefault(name, set()).update(spec.ends)
        elif _may_route_dynamically(spec.fn):
            return
    reached = {START}
    frontier = [START]
    while frontier:
        for target in targets.get(frontier.pop(), ()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    for name in builder.nodes:
        if name not in reached:
            # A warning, not an error: graph input such as Command(goto=name) can still
            # reach the node, and such programs are valid LangGraph.
            warnings.warn(
                f"Node `{name}` is not reachable from START by any edge: it runs only if "
                f"the input is Command(goto={name!r}). Add an edge to it "
                f"(e.g. add_edge(..., {name!r})) or remove it.",
                UnreachableNodeWarning,
                stacklevel=4,
            )
