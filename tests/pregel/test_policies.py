"""Retry policies, error handlers, node defaults, timeouts and drain requests."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict
from unittest.mock import patch

import pytest

from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.errors import GraphDrained, NodeCancelledError, NodeError, NodeTimeoutError
from streamgraph.graph import START, StateGraph
from streamgraph.runtime import RunControl, Runtime
from streamgraph.types import Command, RetryPolicy, Send, TimeoutPolicy


class S(TypedDict, total=False):
    log: Annotated[list, operator.add]
    value: str


def flaky(failures: int, error: type[Exception] = ValueError) -> Any:
    """A node that fails ``failures`` times, then logs the attempt numbers it saw."""
    seen: list[int] = []

    def node(state: S, runtime: Runtime) -> dict:
        assert runtime.execution_info is not None
        seen.append(runtime.execution_info.node_attempt)
        if len(seen) <= failures:
            raise error(f"failure {len(seen)}")
        return {"log": list(seen)}

    return node


def test_retry_waits_with_backoff_and_counts_attempts(invoke: Any) -> None:
    policy = RetryPolicy(initial_interval=0.01, backoff_factor=3, jitter=False, retry_on=ValueError)
    graph = (
        StateGraph(S)
        .add_node("flaky", flaky(2), retry_policy=policy)
        .add_edge(START, "flaky")
        .compile()
    )
    with patch("time.sleep") as sleep, patch("asyncio.sleep") as asleep:
        asleep.side_effect = lambda _: asyncio.sleep(0)
        assert invoke(graph, {"log": []}) == {"log": [1, 2, 3]}
    waits = [call.args[0] for call in (*sleep.call_args_list, *asleep.call_args_list)]
    assert [round(w, 4) for w in waits if w >= 0.01] == [0.01, 0.03]


def test_first_matching_policy_decides_and_exhaustion_raises() -> None:
    policies = (
        RetryPolicy(max_attempts=2, initial_interval=0, jitter=False, retry_on=KeyError),
        RetryPolicy(max_attempts=5, initial_interval=0, jitter=False, retry_on=Exception),
    )
    graph = (
        StateGraph(S)
        .add_node("flaky", flaky(3, KeyError), retry_policy=policies)
        .add_edge(START, "flaky")
        .compile()
    )
    with pytest.raises(KeyError, match="failure 2"):  # the KeyError policy: 2 attempts
        graph.invoke({"log": []})


def test_default_retry_on_skips_programming_errors() -> None:
    graph = (
        StateGraph(S)
        .add_node("flaky", flaky(1, TypeError), retry_policy=RetryPolicy(initial_interval=0))
        .add_edge(START, "flaky")
        .compile()
    )
    with pytest.raises(TypeError, match="failure 1"):
        graph.invoke({"log": []})


def test_routing_failures_are_retried_with_the_node() -> None:
    calls: list[str] = []

    def route(state: S) -> str:
        calls.append("route")
        if len(calls) == 1:
            raise ConnectionError("flaky router")
        return "end_node"

    graph = (
        StateGraph(S)
        .add_node("start", lambda s: {"log": ["start"]}, retry_policy=RetryPolicy(0, jitter=False))
        .add_node("end_node", lambda s: {"log": ["end"]})
        .add_edge(START, "start")
        .add_conditional_edges("start", route, ["end_node"])
        .compile()
    )
    assert graph.invoke({"log": []}) == {"log": ["start", "end"]}
    assert calls == ["route", "route"]


def failing(state: S) -> dict:
    raise RuntimeError("boom")


def test_error_handler_replaces_the_failed_node(stream: Any) -> None:
    def handler(state: S, error: NodeError) -> Command:
        return Command(update={"log": [f"{error.node}: {error.error}"]}, goto="after")

    graph = (
        StateGraph(S)
        .add_node("failing", failing, error_handler=handler)
        .add_node("after", lambda s: {"log": ["after"]})
        .add_node("other", lambda s: {"log": ["other"]})
        .add_edge(START, "failing")
        .add_edge(START, "other")
        .compile()
    )
    chunks = stream(graph, {"log": []}, stream_mode="updates")
    assert {"__error_handler__failing": {"log": ["failing: boom"]}} in chunks
    assert chunks[-1] == {"after": {"log": ["after"]}}
    # the handler's writes apply where the failed node's would have (before "other")
    values = stream(graph, {"log": []}, stream_mode="values")
    assert values[-1] == {"log": ["failing: boom", "other", "after"]}


def test_error_handler_failure_fails_the_run() -> None:
    def handler(state: S) -> dict:
        raise ValueError("handler failed too")

    graph = (
        StateGraph(S)
        .add_node("failing", failing, error_handler=handler)
        .add_edge(START, "failing")
        .compile()
    )
    with pytest.raises(ValueError, match="handler failed too"):
        graph.invoke({"log": []})


def test_error_handler_runs_again_on_resume_not_the_node() -> None:
    calls = {"node": 0, "handler": 0}

    def node(state: S) -> dict:
        calls["node"] += 1
        raise RuntimeError("boom")

    def handler(state: S, error: NodeError) -> dict:
        calls["handler"] += 1
        if calls["handler"] == 1:
            raise RuntimeError("handler crash")
        return {"value": f"recovered from {error.node}: {'boom' in str(error.error)}"}

    graph = (
        StateGraph(S)
        .set_node_defaults(error_handler=handler)
        .add_node("node", node)
        .add_edge(START, "node")
        .compile(checkpointer=InMemorySaver())
    )
    config = {"configurable": {"thread_id": "t"}}
    with pytest.raises(RuntimeError, match="handler crash"):
        graph.invoke({"log": []}, config)
    assert graph.invoke(None, config)["value"] == "recovered from node: True"
    assert calls == {"node": 1, "handler": 2}


def test_node_defaults_apply_where_nodes_set_nothing() -> None:
    retried = RetryPolicy(max_attempts=3, initial_interval=0, jitter=False)
    once = RetryPolicy(max_attempts=1)
    graph = (
        StateGraph(S)
        .add_node("a", flaky(2, ConnectionError))
        .add_node("b", flaky(1, ConnectionError), retry_policy=once, error_handler=lambda s: {})
        .add_edge(START, "a")
        .add_edge("a", "b")
        .set_node_defaults(retry_policy=retried, error_handler=lambda s: {"value": "default"})
        .compile()
    )
    assert graph.invoke({"log": []}) == {"log": [1, 2, 3]}


def test_default_error_handler_name_is_reserved() -> None:
    builder = (
        StateGraph(S)
        .set_node_defaults(error_handler=lambda s: {})
        .add_node("__default_error_handler__", lambda s: {})
        .add_edge(START, "__default_error_handler__")
    )
    with pytest.raises(ValueError, match="__default_error_handler__"):
        builder.compile()


async def _sleepy(state: S) -> dict:
    await asyncio.sleep(5)
    return {"value": "late"}


def test_run_timeout_cancels_the_attempt() -> None:
    graph = (
        StateGraph(S)
        .add_node("slow", _sleepy, timeout=TimeoutPolicy(run_timeout=0.05))
        .add_edge(START, "slow")
        .compile()
    )
    with pytest.raises(NodeTimeoutError) as caught:
        asyncio.run(graph.ainvoke({"log": []}))
    assert (caught.value.node, caught.value.kind, caught.value.run_timeout) == ("slow", "run", 0.05)


def test_idle_timeout_is_reset_by_progress() -> None:
    async def chatty(state: S, runtime: Runtime) -> dict:
        for _ in range(6):
            await asyncio.sleep(0.03)
            runtime.stream_writer("tick")  # progress: each write resets the idle clock
        return {"value": "done"}

    async def heartbeat_only(state: S, runtime: Runtime) -> dict:
        for _ in range(6):
            await asyncio.sleep(0.03)
            runtime.heartbeat()
        return {"value": "done"}

    idle = TimeoutPolicy(idle_timeout=0.1)
    for node in (chatty, heartbeat_only):
        graph = StateGraph(S).add_node("n", node, timeout=idle).add_edge(START, "n").compile()
        assert asyncio.run(graph.ainvoke({"log": []}))["value"] == "done"
    strict = TimeoutPolicy(idle_timeout=0.1, refresh_on="heartbeat")
    graph = StateGraph(S).add_node("n", chatty, timeout=strict).add_edge(START, "n").compile()
    with pytest.raises(NodeTimeoutError, match="idle timeout"):
        asyncio.run(graph.ainvoke({"log": []}))


def test_send_timeout_replaces_the_node_timeout() -> None:
    graph = (
        StateGraph(S)
        .add_node("slow", _sleepy, timeout=TimeoutPolicy(run_timeout=10))
        .add_conditional_edges(START, lambda s: [Send("slow", s, timeout=0.05)])
        .compile()
    )
    with pytest.raises(NodeTimeoutError):
        asyncio.run(graph.ainvoke({"log": []}))


def test_timeout_on_a_sync_node_is_refused_at_compile() -> None:
    builder = StateGraph(S).add_node("n", lambda s: {}, timeout=1).add_edge(START, "n")
    with pytest.raises(ValueError, match="only supported for async nodes"):
        builder.compile()
    with pytest.raises(ValueError, match="greater than 0"):
        TimeoutPolicy.coerce(0)


def test_a_node_raising_cancelled_error_fails_the_run() -> None:
    async def cancels_itself(state: S) -> dict:
        raise asyncio.CancelledError("mine")

    graph = StateGraph(S).add_node("n", cancels_itself).add_edge(START, "n").compile()
    with pytest.raises(NodeCancelledError):
        asyncio.run(graph.ainvoke({"log": []}))


def test_drain_stops_at_the_next_step_and_resumes(invoke: Any) -> None:
    control = RunControl()

    def first(state: S) -> dict:
        control.request_drain("sigterm")
        return {"log": ["first"]}

    graph = (
        StateGraph(S)
        .add_node("first", first)
        .add_node("second", lambda s: {"log": ["second"]})
        .add_edge(START, "first")
        .add_edge("first", "second")
        .compile(checkpointer=InMemorySaver())
    )
    config = {"configurable": {"thread_id": "d"}}
    with pytest.raises(GraphDrained, match="sigterm"):
        invoke(graph, {"log": []}, config=config, control=control)
    assert invoke(graph, None, config=config) == {"log": ["first", "second"]}


def test_drain_stops_a_v3_run_too() -> None:
    control = RunControl()

    def first(state: S) -> dict:
        control.request_drain("deploy")
        return {"log": ["first"]}

    graph = (
        StateGraph(S)
        .add_node("first", first)
        .add_node("second", lambda s: {"log": ["second"]})
        .add_edge(START, "first")
        .add_edge("first", "second")
        .compile()
    )
    run = graph.stream_events({"log": []}, control=control, version="v3")
    with pytest.raises(GraphDrained, match="deploy"):
        list(run.values)
