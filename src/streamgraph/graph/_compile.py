"""StateGraph -> CompiledStateGraph: channels for every key, one ``Node`` per node."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph.channels import BaseChannel, NamedBarrierValue
from streamgraph.constants import BRANCH_PREFIX, END, START
from streamgraph.errors import GraphSetupError
from streamgraph.graph._schema import ROOT, Schema
from streamgraph.pregel._node import SYNC_TIMEOUT, Branch, Node, StartNode, has_native_async

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


def _joins(builder: StateGraph) -> tuple[dict[str, NamedBarrierValue], dict[str, str]]:
    """One barrier channel per ``add_edge([a, b], c)``, and the node each one triggers."""
    barriers: dict[str, NamedBarrierValue] = {}
    targets: dict[str, str] = {}
    for starts, end in builder.waiting_edges:
        if end == END:  # waiting for several nodes to end the run: nothing to run after
            continue
        key = f"join:{'+'.join(starts)}:{end}"
        barriers[key] = NamedBarrierValue(str, set(starts), key=key)
        targets[key] = end
    return barriers, targets


def _nodes(
    builder: StateGraph, writable: frozenset[str], barrier_targets: dict[str, str], state: Schema
) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for name, spec in builder.nodes.items():
        joins = [key for key, target in barrier_targets.items() if target == name]
        if spec.timeout is not None and not has_native_async(spec.fn):
            raise GraphSetupError(f"{SYNC_TIMEOUT} Node {name!r} is sync.")
        nodes[name] = Node(
            name,
            spec.fn,
            input_schema=builder.schemas[spec.input_schema or builder.state_schema],
            state_schema=state,
            writable=writable,
            # An error handler runs only when its node fails: nothing triggers it.
            triggers=() if spec.is_error_handler else tuple(sorted([BRANCH_PREFIX + name, *joins])),
            metadata=spec.metadata,
            retry_policy=spec.retry_policy,
            cache_policy=spec.cache_policy,
            timeout=spec.timeout,
            trace_policy=spec.trace_policy,
            is_error_handler=spec.is_error_handler,
        )
        nodes[name].defer = spec.defer
    for name, spec in builder.nodes.items():
        if spec.error_handler is not None:
            nodes[name].error_handler = nodes[spec.error_handler]
    return nodes


def _wire(builder: StateGraph, by_name: dict[str, Node]) -> None:
    """Give every node (``__start__`` included) the writes its edges make, and its branches."""
    known = frozenset(builder.nodes)
    for node in by_name.values():
        node.known = known
    for source, end in builder.edges:
        if end != END:
            by_name[source].edge_writes.append((BRANCH_PREFIX + end, None))
    for starts, end in builder.waiting_edges:
        if end == END:
            continue
        key = f"join:{'+'.join(starts)}:{end}"
        for source in starts:
            by_name[source].edge_writes.append((key, source))
    for source, branches in builder.branches.items():
        for branch_name, branch in branches.items():
            schema = builder.schemas[branch.input_schema] if branch.input_schema else None
            by_name[source].branches.append(
                Branch(branch.path, branch.path_map, branch_name, schema)
            )


def compile_graph(
    builder: StateGraph,
    *,
    checkpointer: Any,
    store: Any,
    interrupt_before: Any,
    cache: Any = None,
    interrupt_after: Any,
    name: str,
    debug: bool = False,
) -> CompiledStateGraph:
    from streamgraph.graph.state import CompiledStateGraph

    channels = _channels(builder)
    writable = frozenset(channels)
    state = builder.schemas[builder.state_schema]
    barriers, barrier_targets = _joins(builder)
    nodes = _nodes(builder, writable, barrier_targets, state)
    start = StartNode(
        START,
        _identity,
        input_schema=state,
        state_schema=state,
        writable=writable,
        triggers=(START,),
    )
    _wire(builder, {**nodes, START: start})
    output_schema = builder.schemas[builder.output_schema]
    graph = CompiledStateGraph.__new__(CompiledStateGraph)
    graph._setup(
        nodes=nodes,
        start_node=start,
        channel_protos=channels,
        barrier_protos=barriers,
        barrier_targets=barrier_targets,
        state_schema=state,
        input_schema=builder.schemas[builder.input_schema],
        output_schema=output_schema,
        stream_keys=ROOT if state.kind == "root" else tuple(channels),  # type: ignore[arg-type]
        output_keys=ROOT if output_schema.kind == "root" else output_schema.stored_keys,  # type: ignore[arg-type]
        interrupt_before=interrupt_before,
        interrupt_after=interrupt_after,
        checkpointer=checkpointer,
        store=store,
        cache=cache,
        name=name,
    )
    graph.builder = builder
    graph.context_schema = builder.context_schema
    if debug:
        graph.debug = True
    return graph
