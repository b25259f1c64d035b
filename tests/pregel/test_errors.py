"""Bad input and failing nodes: clear errors that name the problem, after every event that
happened before them."""

from __future__ import annotations

import asyncio
import operator
import threading
import time
from typing import Annotated, Any, TypedDict

import pytest

from streamgraph.config import get_config, get_stream_writer
from streamgraph.errors import (
    EmptyInputError,
    GraphRecursionError,
    InvalidUpdateError,
    ParentCommand,
    StreamGraphError,
)
from streamgraph.graph import START, StateGraph
from streamgraph.types import Command, Send, interrupt


class S(TypedDict):
    n: int
    log: Annotated[list, operator.add]


def one(state: S) -> dict:
    return {"n": 1}


def graph_of(*nodes: Any) -> Any:
    builder = StateGraph(S)
    for node in nodes:
        builder.add_node(node)
    return builder.add_edge(START, nodes[0].__name__).compile()


@pytest.mark.parametrize("mode", ["bogus", ["updates", "bogus"]])
def test_unknown_stream_mode_names_the_mode_and_the_valid_ones(mode: Any, stream: Any) -> None:
    with pytest.raises(ValueError, match=r"Unknown stream_mode 'bogus'; valid modes are: values"):
        stream(graph_of(one), {"n": 0}, stream_mode=mode)


def test_stream_mode_of_the_wrong_type(stream: Any) -> None:
    with pytest.raises(ValueError, match="stream_mode must be a string or a list"):
        stream(graph_of(one), {"n": 0}, stream_mode=5)


def test_unknown_version(stream: Any, invoke: Any) -> None:
    with pytest.raises(ValueError, match="Unknown stream version 'v3'"):
        stream(graph_of(one), {"n": 0}, version="v3")
    with pytest.raises(ValueError, match="Unknown version 'v3'"):
        invoke(graph_of(one), {"n": 0}, version="v3")


def test_unknown_durability(invoke: Any) -> None:
    with pytest.raises(ValueError, match="Unknown durability 'forever'"):
        invoke(graph_of(one), {"n": 0}, durability="forever")
    with pytest.warns(UserWarning, match="no effect when no checkpointer"):
        invoke(graph_of(one), {"n": 0}, durability="sync")


def test_call_time_interrupt_on_unknown_node(stream: Any) -> None:
    with pytest.raises(ValueError, match="Interrupt node `ghost` not found"):
        stream(graph_of(one), {"n": 0}, interrupt_before=["ghost"])


@pytest.mark.parametrize("bad", ["hello", [1, 2], 5])
def test_input_that_is_not_a_mapping(bad: Any, invoke: Any) -> None:
    expected = f"graph input must be a dict.*not {type(bad).__name__}"
    with pytest.raises(InvalidUpdateError, match=expected):
        invoke(graph_of(one), bad)


def test_no_input_for_a_fresh_run(invoke: Any) -> None:
    with pytest.raises(EmptyInputError, match="Received no input"):
        invoke(graph_of(one), None)
    with pytest.raises(EmptyInputError, match="the Command is empty"):
        invoke(graph_of(one), Command())


def test_resume_without_checkpointer(invoke: Any) -> None:
    with pytest.raises(RuntimeError, match="without checkpointer"):
        invoke(graph_of(one), Command(resume="x"))


def test_node_returning_a_non_update_names_node_and_type(stream: Any) -> None:
    def bad(state: S) -> Any:
        return "string"

    with pytest.raises(InvalidUpdateError, match="node 'bad' returned a str") as info:
        stream(graph_of(bad), {"n": 0})
    assert "During task with name 'bad'" in str(info.value.__notes__)


def test_two_writes_to_a_single_value_key_names_the_key(stream: Any) -> None:
    def a(state: S) -> dict:
        return {"n": 1}

    def b(state: S) -> dict:
        return {"n": 2}

    graph = (
        StateGraph(S).add_node(a).add_node(b).add_edge(START, "a").add_edge(START, "b").compile()
    )
    with pytest.raises(InvalidUpdateError, match="At key 'n': Can receive only one value"):
        stream(graph, {"n": 0})


def test_route_to_unknown_node_is_an_error_not_a_silent_stop(stream: Any) -> None:
    graph = (
        StateGraph(S)
        .add_node(one)
        .add_edge(START, "one")
        .add_conditional_edges("one", lambda s: "ghost")
        .compile()
    )
    with pytest.raises(InvalidUpdateError, match="routed to unknown node 'ghost'"):
        stream(graph, {"n": 0})


def test_send_to_unknown_node(stream: Any) -> None:
    graph = (
        StateGraph(S)
        .add_node(one)
        .add_conditional_edges(START, lambda s: [Send("ghost", {})])
        .compile()
    )
    with pytest.raises(InvalidUpdateError, match="sent to unknown node 'ghost'"):
        stream(graph, {"n": 0})


def test_command_goto_unknown_node(stream: Any) -> None:
    def router(state: S) -> Command:
        return Command(goto="ghost")

    with pytest.raises(InvalidUpdateError, match=r"Command\(goto=...\) to unknown node 'ghost'"):
        stream(graph_of(router), {"n": 0})


def test_value_missing_from_path_map(stream: Any) -> None:
    graph = (
        StateGraph(S)
        .add_node(one)
        .add_edge(START, "one")
        .add_conditional_edges("one", lambda s: "nope", {"yes": "one"})
        .compile()
    )
    with pytest.raises(InvalidUpdateError, match="returned 'nope', which is not in its path_map"):
        stream(graph, {"n": 0})


def test_parent_command_in_a_root_graph(stream: Any) -> None:
    def up(state: S) -> Command:
        return Command(graph=Command.PARENT, goto="x")

    with pytest.raises(ParentCommand) as caught:  # LangGraph's exception, with a note
        stream(graph_of(up), {"n": 0})
    assert caught.value.command.goto == "x"
    assert any("has no parent graph" in note for note in caught.value.__notes__)


def test_recursion_limit(stream: Any) -> None:
    def loop(state: S) -> dict:
        return {"log": ["x"]}

    graph = (
        StateGraph(S)
        .add_node(loop)
        .add_edge(START, "loop")
        .add_conditional_edges("loop", lambda s: "loop")
        .compile()
    )
    with pytest.raises(GraphRecursionError, match="Recursion limit of 5 reached") as info:
        stream(graph, {"log": []}, config={"recursion_limit": 5})
    assert isinstance(info.value, RecursionError)
    with pytest.raises(ValueError, match="recursion_limit must be at least 1"):
        stream(graph, {"log": []}, config={"recursion_limit": 0})


def test_failing_node_streams_its_result_first_then_raises_with_its_name(stream: Any) -> None:
    def boom(state: S) -> dict:
        raise KeyError("topic")

    chunks: list[Any] = []
    graph = graph_of(boom)
    with pytest.raises(KeyError) as info:
        for chunk in graph.stream({"n": 0}, stream_mode=["values", "tasks"]):
            chunks.append(chunk)
    assert [mode for mode, _ in chunks] == ["values", "tasks", "tasks"]
    assert isinstance(chunks[-1][1]["error"], KeyError)
    assert info.value.__notes__ == [f"During task with name 'boom' and id '{chunks[1][1]['id']}'"]


def test_sync_failure_waits_for_running_siblings_and_streams_their_results() -> None:
    # As LangGraph 1.2.22: a sibling already running when another task fails finishes, and
    # its update is streamed (and saved) before the failure is raised.
    failing, finished = threading.Event(), threading.Event()

    def fail_fast(state: S) -> dict:
        failing.set()
        raise RuntimeError("fast failure")

    def slow(state: S) -> dict:
        failing.wait(10)  # finishes after the failure, however the threads are scheduled,
        time.sleep(0.1)  # and after the run has taken it in
        finished.set()
        return {"log": ["slow"]}

    graph = (
        StateGraph(S)
        .add_node(fail_fast)
        .add_node(slow)
        .add_edge(START, "fail_fast")
        .add_edge(START, "slow")
        .compile()
    )
    seen: list[Any] = []
    with pytest.raises(RuntimeError, match="fast failure"):
        for chunk in graph.stream({"log": []}, stream_mode="updates"):
            seen.append(chunk)
    assert finished.is_set()  # nothing of the run is still running
    assert seen == [{"slow": {"log": ["slow"]}}]


def test_async_failure_cancels_running_siblings() -> None:
    events: list[str] = []

    async def fail_fast(state: S) -> dict:
        raise RuntimeError("fast failure")

    async def slow(state: S) -> dict:
        try:
            await asyncio.sleep(50)  # a run that waited for it would take 50 s
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        return {"log": ["slow"]}

    graph = (
        StateGraph(S)
        .add_node(fail_fast)
        .add_node(slow)
        .add_edge(START, "fail_fast")
        .add_edge(START, "slow")
        .compile()
    )

    async def main() -> float:
        start = time.perf_counter()
        with pytest.raises(RuntimeError, match="fast failure"):
            await graph.ainvoke({"log": []})
        return time.perf_counter() - start

    assert asyncio.run(main()) < 25  # cancelled, not waited for
    assert events == ["cancelled"]


def test_async_node_under_the_sync_api() -> None:
    async def anode(state: S) -> dict:
        return {"n": 1}

    with pytest.raises(TypeError, match="'anode'.*async.*ainvoke, astream"):
        graph_of(anode).invoke({"n": 0})


def test_config_and_writer_outside_a_run() -> None:
    with pytest.raises(RuntimeError, match="outside of a runnable context"):
        get_stream_writer()
    with pytest.raises(RuntimeError, match="outside of a runnable context"):
        get_config()
    with pytest.raises(RuntimeError, match="outside of a runnable context"):
        interrupt("x")


def test_writer_from_a_thread_the_node_started_without_its_context() -> None:
    errors: list[BaseException] = []

    def spawner(state: S) -> dict:
        def target() -> None:
            try:
                get_stream_writer()
            except RuntimeError as error:
                errors.append(error)

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        return {"n": 1}

    graph_of(spawner).invoke({"n": 0})
    assert len(errors) == 1


def test_output_keys_that_do_not_exist(stream: Any) -> None:
    with pytest.raises(ValueError, match="Key nope not in channels"):
        stream(graph_of(one), {"n": 0}, output_keys=["nope"])


def test_every_raised_error_shares_the_root() -> None:
    for error in (InvalidUpdateError, EmptyInputError, GraphRecursionError):
        assert issubclass(error, StreamGraphError)
