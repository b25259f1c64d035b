"""The low-level API: Pregel(nodes=..., channels=...) with NodeBuilder, on the same loop."""

from __future__ import annotations

import operator
from typing import Any

import pytest

from streamgraph.channels import BinaryOperatorAggregate, EphemeralValue, LastValue, Topic
from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.errors import GraphRecursionError
from streamgraph.pregel import NodeBuilder, Pregel


def chain(channels: dict[str, Any] | None = None) -> Pregel:
    one = NodeBuilder().subscribe_only("input").do(lambda x: x + 1).write_to("inbox")
    two = NodeBuilder().subscribe_only("inbox").do(lambda x: x * 10).write_to("output")
    return Pregel(
        nodes={"one": one, "two": two},
        channels=channels
        or {"input": LastValue(int), "inbox": LastValue(int), "output": LastValue(int)},
        input_channels="input",
        output_channels="output",
    )


def test_nodes_run_when_their_channels_update(stream: Any, invoke: Any) -> None:
    assert invoke(chain(), 1) == 20
    assert stream(chain(), 1, stream_mode="updates") == [
        {"one": {"inbox": 2}},
        {"two": {"output": 20}},
    ]
    # values: every channel (no stream_channels given), from the first step on
    assert stream(chain(), 1, stream_mode="values")[0] == {"input": 1, "inbox": 2}


def test_recursion_limit_counts_from_the_input_step() -> None:
    assert chain().invoke(1, {"recursion_limit": 2}) == 20
    with pytest.raises(GraphRecursionError):
        chain().invoke(1, {"recursion_limit": 1})


def test_topics_join_dict_inputs_and_fixed_writes() -> None:
    left = NodeBuilder().subscribe_only("input").do(lambda x: x + 1).write_to("inbox")
    right = NodeBuilder().subscribe_only("input").do(lambda x: x + 2).write_to("inbox")
    both = (
        NodeBuilder()
        .subscribe_to("inbox")
        .read_from("input")
        .do(lambda d: sorted(d["inbox"]) + [d["input"]])
        .write_to("output", done=True, doubled=lambda out: out * 2)
    )
    app = Pregel(
        nodes={"left": left, "right": right, "both": both},
        channels={
            "input": LastValue(int),
            "inbox": Topic(int),
            "output": LastValue(list),
            "done": LastValue(bool),
            "doubled": LastValue(list),
        },
        input_channels="input",
        output_channels=["output", "done"],
    )
    assert app.invoke(1) == {"output": [2, 3, 1], "done": True}
    assert app.invoke(1, output_keys="doubled") == [2, 3, 1, 2, 3, 1]


def test_checkpointed_totals_across_runs() -> None:
    adder = (
        NodeBuilder()
        .subscribe_to("input")
        .read_from("total")
        .do(lambda d: d["total"] + d["input"])
        .write_to("output", "total")
    )
    app = Pregel(
        nodes={"adder": adder},
        channels={
            "input": LastValue(int),
            "output": LastValue(int),
            "total": BinaryOperatorAggregate(int, operator.add),
        },
        input_channels="input",
        output_channels="output",
        checkpointer=InMemorySaver(),
    )
    config = {"configurable": {"thread_id": "t"}}
    assert app.invoke(2, config) == 2
    assert app.invoke(3, config) == 5
    assert app.get_state(config).values["total"] == 7
    sources = [s.metadata["source"] for s in app.get_state_history(config)]
    assert sources == ["loop", "input", "loop", "input"]


def test_bad_declarations_are_named() -> None:
    node = NodeBuilder().subscribe_only("nope").write_to("output")
    with pytest.raises(ValueError, match="Node one reads channel 'nope'"):
        Pregel(
            nodes={"one": node},
            channels={"input": LastValue(int), "output": LastValue(int)},
            input_channels="input",
            output_channels="output",
        )
    with pytest.raises(ValueError, match="Input channel input is not subscribed"):
        Pregel(
            nodes={"one": NodeBuilder().subscribe_only("x").write_to("output")},
            channels={"input": LastValue(int), "x": EphemeralValue(int), "output": LastValue(int)},
            input_channels="input",
            output_channels="output",
        )
    with pytest.raises(ValueError, match="single channels"):
        NodeBuilder().subscribe_to("a").subscribe_only("b")


def test_schemas_and_runnable_composition() -> None:
    app = chain()
    assert app.get_input_jsonschema() == {"title": "LangGraphInput", "type": "integer"}
    from langchain_core.runnables import Runnable, RunnableLambda

    assert isinstance(app, Runnable)
    piped = RunnableLambda(lambda x: x - 1) | app | RunnableLambda(str)
    assert piped.invoke(2) == "20"
    assert app.batch([1, 2]) == [20, 30]


def test_a_compiled_graphs_nodes_can_be_invoked_alone() -> None:
    import asyncio

    from typing_extensions import TypedDict

    from streamgraph.graph import START, StateGraph

    class State(TypedDict):
        n: int

    async def twice(state: State) -> dict[str, int]:
        return {"n": state["n"] * 2}

    builder = StateGraph(State)
    builder.add_node("plus", lambda s: {"n": s["n"] + 1}, metadata={"kind": "math"})
    builder.add_node("twice", twice)
    builder.add_edge(START, "plus")
    builder.add_edge("plus", "twice")
    graph = builder.compile()
    assert graph.nodes["plus"].invoke({"n": 1}) == {"n": 2}
    assert asyncio.run(graph.nodes["twice"].ainvoke({"n": 3})) == {"n": 6}
    assert list(graph.nodes["plus"].stream({"n": 1})) == [{"n": 2}]
