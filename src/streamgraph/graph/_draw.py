"""``get_graph()``: a compiled graph as LangChain's drawable ``Graph``.

The result has LangChain's drawing methods (``draw_mermaid``, ``draw_mermaid_png``,
``draw_ascii``, ``to_json``), so code written for LangGraph draws the same way. langchain-core
is imported here, on first use, never by ``import streamgraph.graph``.

Edges: solid for ``add_edge``, dashed for conditional edges and ``Command`` destinations. A
conditional edge whose targets cannot be known (no ``path_map``, no ``Literal`` return hint)
gets a dashed edge to every node it could reach. ``xray`` draws subgraph nodes as their inner
nodes (ids ``parent:inner``), which mermaid shows as nested boxes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph.constants import END, START

if TYPE_CHECKING:
    from streamgraph.graph.state import CompiledStateGraph, StateGraph

__all__ = ("draw_graph",)

EdgeSpec = tuple[str, str, bool, str | None]


def _builder_edges(builder: StateGraph) -> list[EdgeSpec]:
    """(source, target, conditional, label) for every way one node can lead to another."""
    edges: list[EdgeSpec] = [(s, t, False, None) for s, t in builder.edges]
    for starts, end in builder.waiting_edges:
        edges.extend((s, end, False, None) for s in starts)
    for source, branches in builder.branches.items():
        for branch in branches.values():
            if branch.path_map is not None:
                for key, target in branch.path_map.items():
                    label = str(key) if str(key) != target else None
                    edges.append((source, target, True, label))
            else:
                targets = branch.ends or (*(n for n in builder.nodes if n != source), END)
                edges.extend((source, t, True, None) for t in targets)
    for name, spec in builder.nodes.items():
        labels = spec.destinations if isinstance(spec.destinations, dict) else {}
        edges.extend((name, t, True, labels.get(t)) for t in spec.ends)
    leaving = {s for s, *_ in edges}
    edges.extend((n, END, False, _IMPLIED) for n in builder.nodes if n not in leaving)
    return _dedupe(edges)


_IMPLIED = "\x00implied"
"""The label of an edge to ``END`` no edge declares (a node nothing follows): drawn after the
declared ones, as LangGraph adds them last."""


def _dedupe(edges: list[EdgeSpec]) -> list[EdgeSpec]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for edge in edges:
        if edge[:2] not in seen:
            seen.add(edge[:2])
            unique.append(edge)
    return unique


def _node_metadata(
    graph: CompiledStateGraph, name: str, fn: Any, metadata: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The node's metadata, plus where the graph interrupts around it and the tools it runs
    (LangGraph's ``__interrupt`` and ``__tools`` entries)."""
    extra = dict(metadata or {})
    before = name in graph.interrupt_before_nodes
    after = name in graph.interrupt_after_nodes
    if before or after:
        extra["__interrupt"] = ",".join(w for w, on in (("before", before), ("after", after)) if on)
    tools = getattr(fn, "tools_by_name", None)
    if isinstance(tools, dict) and tools:
        extra["__tools"] = list(tools)
    return extra or None


def _add_level(
    graph: CompiledStateGraph, prefix: str, depth: int, out: Any, edges_out: list[EdgeSpec]
) -> tuple[list[str], list[str]]:
    """Add one graph level's nodes and edges; return the ids its entry edges lead to and
    the ids its exit edges leave from."""
    from streamgraph.graph.state import CompiledStateGraph

    builder = graph.builder
    ends: dict[str, tuple[list[str], list[str]]] = {}
    for name, spec in builder.nodes.items():
        if depth and isinstance(spec.fn, CompiledStateGraph):
            ends[name] = _add_level(spec.fn, f"{prefix}{name}:", depth - 1, out, edges_out)
        else:
            out.add_node(
                spec.fn,
                f"{prefix}{name}",
                metadata=_node_metadata(graph, name, spec.fn, spec.metadata),
            )
            ends[name] = ([f"{prefix}{name}"], [f"{prefix}{name}"])
    entries: list[str] = []
    exits: list[str] = []
    for source, target, conditional, label in _builder_edges(builder):
        sources = [START] if source == START else ends[source][1]
        targets = [END] if target == END else ends[target][0]
        if prefix and source == START:
            entries.extend(targets)
            continue
        if prefix and target == END:
            exits.extend(sources)
            continue
        for s in sources:
            for t in targets:
                edges_out.append((s, t, conditional, label))
    return entries, exits


def draw_graph(graph: CompiledStateGraph, *, xray: int | bool = False) -> Any:
    from langchain_core.runnables.graph import Graph

    class DrawableGraph(Graph):
        def to_json(self, *, with_schemas: bool = False) -> dict[str, Any]:
            return _to_json(self)

    depth = 0 if xray is False else (10_000 if xray is True else int(xray))
    out = DrawableGraph()
    out.add_node(None, START)
    edges: list[EdgeSpec] = []
    _add_level(graph, "", depth, out, edges)
    if any(t == END for _, t, *_ in edges):
        out.add_node(None, END)
    # Sorted, as LangGraph draws them: the same graph gives the same mermaid text.
    for source, target, conditional, label in sorted(
        edges, key=lambda e: (e[3] == _IMPLIED, *e[:3], e[3] or "")
    ):
        label = None if label == _IMPLIED else label
        out.add_edge(out.nodes[source], out.nodes[target], label, conditional)
    return out


def _to_json(drawn: Any) -> dict[str, Any]:
    """LangGraph's JSON shape for a drawn graph (what the server's ``/graph`` returns)."""
    nodes = []
    for node_id, node in drawn.nodes.items():
        entry: dict[str, Any] = {"id": node_id}
        if node_id != END:
            kind = type(node.data).__name__
            if kind in ("function", "NoneType", "method", "partial") or kind.startswith("_"):
                kind = "RunnableCallable"
            entry["type"] = "runnable"
            entry["data"] = {"id": ["streamgraph", kind], "name": node_id.split(":")[-1]}
        if node.metadata:
            entry["metadata"] = node.metadata
        nodes.append(entry)
    edges = []
    for edge in drawn.edges:
        item: dict[str, Any] = {"source": edge.source, "target": edge.target}
        if edge.data is not None:
            item["data"] = edge.data
        if edge.conditional:
            item["conditional"] = True
        edges.append(item)
    return {"nodes": nodes, "edges": edges}
