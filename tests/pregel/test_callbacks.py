"""Graph lifecycle callbacks: handlers in config["callbacks"] hear of interrupts and resumes."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

import pytest

from streamgraph.callbacks import GraphCallbackHandler, GraphInterruptEvent, GraphResumeEvent
from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.graph import START, StateGraph
from streamgraph.types import Command, interrupt


class S(TypedDict):
    answer: str


class Recorder(GraphCallbackHandler):
    def __init__(self) -> None:
        self.events: list[Any] = []

    def on_interrupt(self, event: GraphInterruptEvent) -> None:
        self.events.append(event)

    def on_resume(self, event: GraphResumeEvent) -> None:
        self.events.append(event)


class Broken(GraphCallbackHandler):
    def __init__(self, raise_error: bool) -> None:
        self.raise_error = raise_error

    def on_interrupt(self, event: GraphInterruptEvent) -> None:
        raise ValueError("broken handler")


def asking_graph() -> Any:
    def ask(state: S) -> dict:
        return {"answer": interrupt("which?")}

    builder = StateGraph(S).add_node("ask", ask).add_edge(START, "ask")
    return builder.compile(checkpointer=InMemorySaver())


@pytest.mark.parametrize("use_async", [False, True])
def test_interrupt_then_resume_events(use_async: bool) -> None:
    graph, recorder = asking_graph(), Recorder()
    config = {"configurable": {"thread_id": "t"}, "callbacks": [recorder]}

    def run(input: Any) -> Any:
        if use_async:
            return asyncio.run(graph.ainvoke(input, config))
        return graph.invoke(input, config)

    run({"answer": ""})
    paused = recorder.events[-1]
    assert isinstance(paused, GraphInterruptEvent)
    assert (paused.status, paused.checkpoint_ns) == ("pending", ())
    assert [i.value for i in paused.interrupts] == ["which?"]
    assert run(Command(resume="this")) == {"answer": "this"}
    resumed = recorder.events[-1]
    assert isinstance(resumed, GraphResumeEvent)
    assert resumed.checkpoint_id == paused.checkpoint_id


def test_a_failing_handler_is_ignored_unless_it_asks_to_raise() -> None:
    graph, recorder = asking_graph(), Recorder()
    config = {"configurable": {"thread_id": "t"}, "callbacks": [Broken(False), recorder]}
    assert "__interrupt__" in graph.invoke({"answer": ""}, config)
    assert len(recorder.events) == 1
    config = {"configurable": {"thread_id": "u"}, "callbacks": [Broken(True)]}
    with pytest.raises(ValueError, match="broken handler"):
        graph.invoke({"answer": ""}, config)
