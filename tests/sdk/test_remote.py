"""``RemoteGraph`` against a server, next to LangGraph's ``RemoteGraph`` and the local graph."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypedDict

import langgraph_sdk
import pytest
from langgraph.checkpoint.memory import InMemorySaver as LangGraphSaver
from langgraph.graph import START as LANGGRAPH_START
from langgraph.graph import StateGraph as LangGraphStateGraph
from langgraph.pregel.remote import RemoteGraph as LangGraphRemoteGraph

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.graph import START, StateGraph
from streamgraph.pregel.remote import RemoteException, RemoteGraph
from streamgraph.sdk import StreamPart, get_client, get_sync_client
from streamgraph.types import Command, Interrupt, StateSnapshot

from . import _graphs
from .test_seed import mask

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def clients(server):
    """Sync clients for our RemoteGraph and LangGraph's (closed afterwards)."""
    ours, theirs = get_sync_client(url=server), langgraph_sdk.get_sync_client(url=server)
    yield ours, theirs
    ours.close()
    theirs.close()


@pytest.fixture
def ours(clients):
    return lambda name: RemoteGraph(name, sync_client=clients[0])


@pytest.fixture
def theirs(clients):
    return lambda name: LangGraphRemoteGraph(name, sync_client=clients[1])


def side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at once (each run waits about a second for the dev server's queue)."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def plain(chunks: list[Any]) -> list[Any]:
    """A RemoteGraph's chunks as a local graph's: for a list of modes a RemoteGraph yields
    the SDK's StreamParts (as LangGraph's does), a local graph (mode, data) pairs."""
    return [(c.event, c.data) if hasattr(c, "event") else c for c in chunks]


STREAMS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("joke", {"topic": "ice cream"}, {"stream_mode": "updates"}),
    ("joke", {"topic": "ice cream"}, {"stream_mode": "values"}),
    ("joke", {"topic": "ice cream"}, {}),
    ("joke", {"topic": "ice cream"}, {"stream_mode": ["updates", "values", "custom"]}),
    ("sub", {"foo": "foo"}, {"stream_mode": "updates", "subgraphs": True}),
    ("sub", {"foo": "foo"}, {"stream_mode": ["values", "updates"], "subgraphs": True}),
    ("sub", {"foo": "foo"}, {"stream_mode": "values"}),
    ("custom", {"count": 3}, {"stream_mode": "custom"}),
]


def test_stream_yields_what_langgraphs_remote_graph_and_the_local_graph_yield(ours, theirs):
    def stream(remote: Callable[[str], Any], case: tuple[str, Any, Any]) -> Callable[[], Any]:
        name, input, kwargs = case
        return lambda: list(remote(name).stream(input, **kwargs))

    chunks = side_by_side(*(stream(remote, case) for remote in (ours, theirs) for case in STREAMS))
    our_chunks, their_chunks = chunks[: len(STREAMS)], chunks[len(STREAMS) :]
    for case, our, their in zip(STREAMS, our_chunks, their_chunks, strict=True):
        assert mask(our) == mask(their), case
        assert [type(c).__name__ for c in our] == [type(c).__name__ for c in their], case
        name, input, kwargs = case
        if name != "custom":  # (its node is async: LangGraph's sync stream refuses it)
            local = getattr(_graphs, name).stream(input, **{"stream_mode": "updates", **kwargs})
            assert mask(plain(our)) == mask(list(local)), case
    list_of_modes = our_chunks[3]
    assert list_of_modes and all(isinstance(c, StreamPart) for c in list_of_modes)
    assert [(c.event, c.data) for c in list_of_modes[:2]] == [
        ("values", {"topic": "ice cream"}),
        ("updates", {"refine_topic": {"topic": "ice cream and cats"}}),
    ]
    assert our_chunks[0] == [
        {"refine_topic": {"topic": "ice cream and cats"}},
        {"generate_joke": {"joke": "This is a joke about ice cream and cats"}},
    ]


# Where a RemoteGraph differs from a local graph, it follows LangGraph's RemoteGraph.
REMOTE_ONLY: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("sub", {"foo": "foo"}, {"stream_mode": ["values", "updates"], "version": "v2"}),
    ("sub", {"foo": "foo"}, {"stream_mode": "updates", "subgraphs": True, "version": "v2"}),
    ("joke", {"topic": "ice cream"}, {"stream_mode": []}),
]


def test_v2_parts_and_an_empty_mode_list_are_langgraphs_remote_graphs(ours, theirs):
    def stream(remote: Callable[[str], Any], case: tuple[str, Any, Any]) -> Callable[[], Any]:
        name, input, kwargs = case
        return lambda: list(remote(name).stream(input, **kwargs))

    calls = (stream(remote, case) for remote in (ours, theirs) for case in REMOTE_ONLY)
    chunks = side_by_side(*calls)
    our_chunks, their_chunks = chunks[: len(REMOTE_ONLY)], chunks[len(REMOTE_ONLY) :]
    for case, our, their in zip(REMOTE_ONLY, our_chunks, their_chunks, strict=True):
        assert our and mask(our) == mask(their), case
    # every v2 part carries ``interrupts`` (a local graph's carry it for values only)
    assert all(part["interrupts"] == () for part in our_chunks[0] + our_chunks[1])
    assert our_chunks[2] == [
        {"refine_topic": {"topic": "ice cream and cats"}},
        {"generate_joke": {"joke": "This is a joke about ice cream and cats"}},
    ]


def test_async_stream_invoke_and_v2(server, ours):
    async def main() -> list[Any]:
        async with get_client(url=server) as client:
            remote = RemoteGraph("sub", client=client, sync_client=ours("sub").sync_client)

            async def parts() -> list[Any]:
                return [
                    c
                    async for c in remote.astream(
                        {"foo": "foo"}, stream_mode="updates", subgraphs=True, version="v2"
                    )
                ]

            return list(
                await asyncio.gather(
                    parts(),
                    remote.ainvoke({"foo": "foo"}),
                    remote.ainvoke({"foo": "foo"}, version="v2"),
                    asyncio.to_thread(remote.invoke, {"foo": "foo"}),
                )
            )

    parts, final, output, sync_final = asyncio.run(main())
    local = list(_graphs.sub.stream({"foo": "foo"}, stream_mode="updates", subgraphs=True))
    assert mask([(p["ns"], p["data"]) for p in parts]) == mask(local)
    assert final == {"foo": "hi! foobar"} == sync_final
    assert output.value == {"foo": "hi! foobar"} and output.interrupts == ()


def test_a_failed_remote_run_raises(ours):
    with pytest.raises(RemoteException) as info:
        ours("error").invoke({"topic": "t"})
    assert info.value.args[0] == {"error": "ValueError", "message": "boom happened"}


class CountState(TypedDict, total=False):
    count: int
    pause: float
    done: int


def parents(ours: Any, theirs: Any, name: str, state: type) -> tuple[Any, Any]:
    """A local graph (ours, LangGraph's) whose one node is the remote graph ``name``."""
    our_parent = (
        StateGraph(state)
        .add_node("remote", ours(name))
        .add_edge(START, "remote")
        .compile(checkpointer=InMemorySaver())
    )
    their_parent = (
        LangGraphStateGraph(state)
        .add_node("remote", theirs(name))
        .add_edge(LANGGRAPH_START, "remote")
        .compile(checkpointer=LangGraphSaver())
    )
    return our_parent, their_parent


def test_as_a_node_it_streams_like_langgraphs_remote_graph(ours, theirs):
    ours, theirs = parents(ours, theirs, "custom", CountState)

    def run(graph: Any, step: int) -> Callable[[], Any]:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        return [
            lambda: list(
                graph.stream(
                    {"count": 3}, config, stream_mode=["custom", "updates"], subgraphs=True
                )
            ),
            lambda: list(graph.stream({"count": 2}, config, stream_mode="updates")),
            lambda: graph.invoke({"count": 1}, config),
        ][step]

    results = side_by_side(*(run(graph, step) for graph in (ours, theirs) for step in range(3)))
    our, their = results[:3], results[3:]
    assert mask(our) == mask(their)
    namespaced = our[0]
    assert [chunk[2] for chunk in namespaced if chunk[1] == "custom"] == [
        {"i": 0},
        {"i": 1},
        {"i": 2},
    ]
    assert namespaced[0][0][0].startswith("remote:")
    assert our[2] == {"count": 1, "done": 1}


def test_as_a_node_custom_events_reach_the_parent_in_sync_and_async(server, ours, theirs):
    ours, theirs = parents(ours, theirs, "custom", CountState)
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}

    async def main() -> list[Any]:
        async with get_client(url=server) as client:
            remote = RemoteGraph("custom", client=client)
            graph = (
                StateGraph(CountState)
                .add_node("remote", remote)
                .add_edge(START, "remote")
                .compile(checkpointer=InMemorySaver())
            )
            return [c async for c in graph.astream({"count": 3}, config, stream_mode="custom")]

    other = {"configurable": {"thread_id": str(uuid.uuid4())}}
    chunks, async_chunks, their_chunks = side_by_side(
        lambda: list(ours.stream({"count": 2}, config, stream_mode="custom")),
        lambda: asyncio.run(main()),
        lambda: list(theirs.stream({"count": 2}, other, stream_mode="custom")),
    )
    # Divergence (COMPAT.md): as for a local subgraph, custom events arrive without
    # subgraphs=True; LangGraph drops them
    assert chunks == [{"i": 0}, {"i": 1}]
    assert async_chunks == [{"i": 0}, {"i": 1}, {"i": 2}]
    assert their_chunks == []


def test_as_a_node_the_parent_thread_is_the_remote_thread(ours, theirs):
    parent, _ = parents(ours, theirs, "custom", CountState)
    thread_id = str(uuid.uuid4())
    parent.invoke({"count": 2}, {"configurable": {"thread_id": thread_id}})
    state = ours("custom").get_state({"configurable": {"thread_id": thread_id}})
    assert state.values == {"count": 2, "done": 2}


class TopicState(TypedDict, total=False):
    topic: str
    joke: str


def test_a_remote_interrupt_interrupts_the_parent(ours, theirs):
    ours, theirs = parents(ours, theirs, "hitl", TopicState)

    def run(graph: Any) -> list[Any]:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        chunks = list(graph.stream({"topic": "t"}, config, stream_mode="updates"))
        state = graph.get_state(config)
        return [
            [{k: [(i.value, i.id) for i in v]} for c in chunks for k, v in c.items()],
            state.next,
            [i.value for i in state.interrupts],
        ]

    our, their = side_by_side(lambda: run(ours), lambda: run(theirs))
    assert mask(our) == mask(their)
    assert our[1] == ("remote",)
    assert our[2] == [{"question": "approve?", "topic": "t"}]


def test_thread_state_history_and_updates(ours, theirs):
    ours, theirs = ours("hitl"), theirs("hitl")

    def run(graph: Any) -> list[Any]:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        graph.invoke({"topic": "t"}, config)
        state = graph.get_state(config)
        history = list(graph.get_state_history(config, limit=5))
        new_config = graph.update_state(config, {"topic": "edited"})
        resumed = graph.invoke(
            Command(resume="yes") if graph is ours else _langgraph_command("yes"), config
        )
        return [
            state.values,
            state.next,
            [(t.name, [i.value for i in t.interrupts]) for t in state.tasks],
            [i.value for i in state.interrupts],
            state.metadata["step"],
            [h.metadata["step"] for h in history],
            sorted(new_config["configurable"]),
            resumed,
            state.config["configurable"]["thread_id"] == config["configurable"]["thread_id"],
        ]

    our, their = side_by_side(lambda: run(ours), lambda: run(theirs))
    assert mask(our) == mask(their)
    assert our[-2] == {"topic": "edited", "joke": "yes: edited"}


def _langgraph_command(resume: Any) -> Any:
    from langgraph.types import Command as LangGraphCommand

    return LangGraphCommand(resume=resume)


def test_state_snapshots_are_local_types(ours):
    remote = ours("hitl")
    config = {"configurable": {"thread_id": str(uuid.uuid4())}}
    remote.invoke({"topic": "t"}, config)
    state = remote.get_state(config)
    assert isinstance(state, StateSnapshot)
    assert isinstance(state.interrupts[0], Interrupt)
    assert state.config["configurable"]["thread_id"] == config["configurable"]["thread_id"]
    assert state.parent_config is not None


def test_resuming_the_parent_resumes_the_remote_run(ours, theirs):
    our_parent, their_parent = parents(ours, theirs, "hitl", TopicState)

    def run(graph: Any, command: Any) -> list[Any]:
        config = {"configurable": {"thread_id": str(uuid.uuid4())}}
        first = graph.invoke({"topic": "t"}, config)
        resumed = graph.invoke(command(resume="yes"), config)
        return [first, resumed, graph.get_state(config).next]

    our, their = side_by_side(
        lambda: run(our_parent, Command), lambda: run(their_parent, _langgraph_command_class())
    )

    def shown(values: dict[str, Any]) -> Any:  # {"topic": "t", "__interrupt__": [Interrupt]}
        return {k: [i.value for i in v] if k == "__interrupt__" else v for k, v in values.items()}

    assert shown(our[0]) == shown(their[0])
    assert shown(our[0])["__interrupt__"] == [{"question": "approve?", "topic": "t"}]
    assert our[1:] == [{"topic": "t", "joke": "yes: t"}, ()]
    # Divergence: LangGraph's RemoteGraph sends the node's input again, so the remote run
    # starts over and interrupts again
    assert shown(their[1]) == shown(their[0]) and their[2] == ("remote",)


def _langgraph_command_class() -> Any:
    from langgraph.types import Command as LangGraphCommand

    return LangGraphCommand
