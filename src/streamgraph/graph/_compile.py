"""StateGraph -> CompiledStateGraph: channels for every key, one ``Node`` per node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph.channels import BaseChannel, NamedBarrierValue
from streamgraph.constants import BRANCH_PREFIX, END, START
from streamgraph.graph._schema import Schema
from streamgraph.pregel._node import Branch, Node, StartNode

if TYPE_CHECKING:
    from streamgraph.graph.state import CompiledStateGraph, StateGraph

__all__ = ("compile_graph",)


def _identity(value: Any) -> Any:
    return value


def _channels(builder: StateGraph) -> dict[str, BaseChannel]:
    """Every key of every schema, in the order schemas were declared (state schema first);
    the first declaration of a key decides its channel."""
    channels: dict[str, BaseChannel] = {}
    for schema in builder.schemas.values():
        for key, channel in schema.channels().items():
            channels.setdefault(key, channel)
    return channels


def compile_graph(
    builder: StateGraph,
    *,
    checkpointer: Any,
    store: Any,
    interrupt_before: Any,
    interrupt_after: Any,
    name: str,
) -> CompiledStateGraph:
    from streamgraph.graph.state import CompiledStateGraph

    channels = _channels(builder)
    writable = frozenset(channels)
    state = builder.schemas[builder.state_schema]
    known = frozenset(builder.nodes)

    barriers: dict[str, NamedBarrierValue] = {}
    barrier_targets: dict[str, str] = {}
    joins_into: dict[str, list[str]] = {}
    for starts, end in builder.waiting_edges:
        key = f"join:{'+'.join(starts)}:{end}"
        barriers[key] = NamedBarrierValue(str, set(starts), key=key)
        barrier_targets[key] = end
        joins_into.setdefault(end, []).append(key)

    nodes: dict[str, Node] = {}
    for node_name, spec in builder.nodes.items():
        schema: Schema = builder.schemas[spec.input_schema or builder.state_schema]
        triggers = tuple(sorted([BRANCH_PREFIX + node_name, *joins_into.get(node_name, ())]))
        nodes[node_name] = Node(
            node_name, spec.fn, input_schema=schema, state_schema=state, writable=writable,
            triggers=triggers, metadata=spec.metadata, retry_policy=spec.retry_policy,
        )

    start = StartNode(START, _identity, input_schema=state, state_schema=state,
                      writable=writable, triggers=(START,))
    by_name: dict[str, Node] = {**nodes, START: start}
    for node in by_name.values():
        node.known = known
    for source, end in builder.edges:
        if end != END:
            by_name[source].edge_writes.append((BRANCH_PREFIX + end, None))
    for starts, end in builder.waiting_edges:
        key = f"join:{'+'.join(starts)}:{end}"
        for source in starts:
            by_name[source].edge_writes.append((key, source))
    for source, branches in builder.branches.items():
        for branch_name, branch in branches.items():
            by_name[source].branches.append(Branch(branch.path, branch.path_map, branch_name))

    input_schema = builder.schemas[builder.input_schema]
    output_schema = builder.schemas[builder.output_schema]
    graph = CompiledStateGraph(
        nodes=nodes,
        start_node=start,
        channel_protos=channels,
        barrier_protos=barriers,
        barrier_targets=barrier_targets,
        state_schema=state,
        input_schema=input_schema,
        output_schema=output_schema,
        stream_keys=tuple(channels),
        output_keys=output_schema.keys,
        interrupt_before=interrupt_before,
        interrupt_after=interrupt_after,
        checkpointer=checkpointer,
        store=store,
        name=name,
    )
    graph.builder = builder
    return graph
