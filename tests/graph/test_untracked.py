"""UntrackedValue keys: seen by the run, never saved (checkpoints, task writes, Send args)."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from streamgraph.channels import UntrackedValue
from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.constants import TASKS
from streamgraph.errors import InvalidUpdateError
from streamgraph.graph import START, StateGraph
from streamgraph.types import Command, Send, interrupt


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    session: Annotated[str, UntrackedValue]
    many: Annotated[str, UntrackedValue(str, guard=False)]


def _graph(saver: Any) -> Any:
    def open_session(state: State) -> dict[str, Any]:
        return {"session": "sess-1", "log": ["a"]}

    def ask(state: State) -> dict[str, Any]:
        answer = interrupt("ok?")
        return {"log": [f"saw {state.get('session')} {answer}"]}

    def fan_out(state: State) -> list[Send]:
        return [Send("sent", {"session": "secret", "log": ["x"]})]

    def sent(state: dict[str, Any]) -> dict[str, Any]:
        return {"log": [f"sent {sorted(state)}"]}

    builder = StateGraph(State)
    builder.add_node("open", open_session)
    builder.add_node("ask", ask)
    builder.add_node("sent", sent)
    builder.add_edge(START, "open")
    builder.add_edge("open", "ask")
    builder.add_conditional_edges("ask", fan_out)
    return builder.compile(checkpointer=saver)


def test_the_run_sees_it_but_checkpoints_do_not() -> None:
    saver = InMemorySaver()
    graph = _graph(saver)
    config = {"configurable": {"thread_id": "1"}}
    values = list(graph.stream({"log": []}, config, stream_mode="values"))
    assert values[1] == {"log": ["a"], "session": "sess-1"}
    assert graph.get_state(config).values == {"log": ["a"]}
    # the open node's saved writes leave it out too: the resumed run starts without it
    assert graph.invoke(Command(resume="yes"), config)["log"][1] == "saw None yes"
    for saved in saver.list(config):
        assert "session" not in saved.checkpoint["channel_values"]
        assert all(channel != "session" for _, channel, _ in saved.pending_writes or ())


def test_send_arguments_are_run_whole() -> None:
    graph = _graph(InMemorySaver())
    config = {"configurable": {"thread_id": "1"}}
    graph.invoke({"log": []}, config)
    # the Send carries its untracked key to the node (saved without it, as LangGraph)
    saver = graph.checkpointer
    assert graph.invoke(Command(resume="y"), config)["log"][-1] == "sent ['log', 'session']"
    sends = [s for c in saver.list(config) for s in c.checkpoint["channel_values"].get(TASKS, ())]
    assert [send.arg for send in sends] == [{"log": ["x"]}]


def test_guard_refuses_two_writes_in_a_step() -> None:
    def two_writers(key: str) -> Any:
        builder = StateGraph(State)
        builder.add_node("p", lambda s: {key: "1"})
        builder.add_node("q", lambda s: {key: "2"})
        builder.add_edge(START, "p")
        builder.add_edge(START, "q")
        return builder.compile()

    with pytest.raises(InvalidUpdateError, match="UntrackedValue\\(guard=True\\)"):
        two_writers("session").invoke({"log": []})
    assert two_writers("many").invoke({"log": []}) == {"log": [], "many": "2"}
