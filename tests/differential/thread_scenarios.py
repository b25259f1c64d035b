"""Thread scenarios: several calls on one thread of a checkpointed graph (runs, resumes,
state reads and edits), built with LangGraph and with streamgraph from the same code.

Each scenario takes a ``lib`` namespace and returns ``(graph, operations)``. An operation is
``("stream", input, kwargs)``, ``("get_state", kwargs)``, ``("history", kwargs)`` or
``("update_state", values, kwargs)``; all of them run on thread "t".
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from tests.differential._turns import Turns

THREAD_SCENARIOS: dict[str, Any] = {}
CONFIG = {"configurable": {"thread_id": "t"}}

ALL = ["values", "updates", "checkpoints", "tasks", "debug"]


def thread_scenario(fn: Any) -> Any:
    THREAD_SCENARIOS[fn.__name__] = fn
    return fn


class Log(TypedDict):
    log: Annotated[list, operator.add]


class Joke(TypedDict):
    topic: str
    joke: str
    hist: Annotated[list, operator.add]


class Fan(TypedDict):
    items: list
    out: Annotated[list, operator.add]


def _log_node(name: str, turns: Turns | None = None) -> Any:
    def node(state: Any) -> Any:
        if turns is not None:
            turns.take(name)
        return {"log": [name]}

    node.__name__ = name
    return node


def _joke(lib: Any) -> Any:
    def refine(state: Joke) -> Any:
        return {"topic": state["topic"] + " and cats", "hist": ["refine"]}

    def joke(state: Joke) -> Any:
        return {"joke": "J " + state["topic"], "hist": ["joke"]}

    return (
        lib.StateGraph(Joke)
        .add_node(refine)
        .add_node(joke)
        .add_edge(lib.START, "refine")
        .add_edge("refine", "joke")
        .compile(checkpointer=lib.InMemorySaver())
    )


@thread_scenario
def joke_runs_twice(lib: Any) -> Any:
    return _joke(lib), [
        ("stream", {"topic": "ice"}, {"stream_mode": ALL}),
        ("get_state", {}),
        ("stream", {"topic": "pizza"}, {"stream_mode": ["values", "checkpoints"]}),
        ("stream", None, {"stream_mode": ALL}),
        ("stream", {}, {"stream_mode": ["values", "updates"]}),
        ("history", {}),
        ("history", {"limit": 2}),
        ("get_state", {}),
    ]


@thread_scenario
def interrupt_and_resume(lib: Any) -> Any:
    turns = Turns("asker", "worker")

    def asker(state: Log) -> Any:
        turns.take("asker")
        first = lib.interrupt("q1?")
        second = lib.interrupt({"q": 2})
        return {"log": [first, second]}

    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("worker", turns))
        .add_node(asker)
        .add_edge(lib.START, "worker")
        .add_edge(lib.START, "asker")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"log": []}, {"stream_mode": ALL}),
        ("get_state", {}),
        ("stream", lib.Command(resume="A"), {"stream_mode": ALL}),
        ("get_state", {}),
        ("stream", lib.Command(resume="B"), {"stream_mode": ALL}),
        ("stream", lib.Command(resume="C"), {"stream_mode": ["values", "updates"]}),
        ("get_state", {}),
        ("history", {}),
    ]


@thread_scenario
def interrupt_before_then_resume(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("n1"))
        .add_node(_log_node("n2"))
        .add_node(_log_node("n3"))
        .add_edge(lib.START, "n1")
        .add_edge("n1", "n2")
        .add_edge("n2", "n3")
        .compile(checkpointer=lib.InMemorySaver(), interrupt_before=["n2"], interrupt_after=["n2"])
    )
    return graph, [
        ("stream", {"log": []}, {"stream_mode": ["values", "updates", "checkpoints"]}),
        ("get_state", {}),
        ("stream", None, {"stream_mode": ["values", "updates", "checkpoints"]}),
        ("get_state", {}),
        ("stream", None, {"stream_mode": ["values", "updates", "checkpoints"]}),
        ("get_state", {}),
    ]


@thread_scenario
def update_state_between_runs(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("n1"))
        .add_node(_log_node("n2"))
        .add_edge(lib.START, "n1")
        .add_edge("n1", "n2")
        .compile(checkpointer=lib.InMemorySaver(), interrupt_before=["n2"])
    )
    return graph, [
        ("stream", {"log": []}, {"stream_mode": ["values", "updates"]}),
        ("update_state", {"log": ["edited"]}, {}),
        ("get_state", {}),
        ("stream", None, {"stream_mode": ["values", "updates", "checkpoints"]}),
        ("update_state", {"log": ["as n1"]}, {"as_node": "n1"}),
        ("get_state", {}),
        ("history", {"limit": 3}),
    ]


@thread_scenario
def update_state_on_a_new_thread(lib: Any) -> Any:
    return _joke(lib), [
        ("update_state", {"topic": "set"}, {}),
        ("get_state", {}),
        ("stream", None, {"stream_mode": ["values", "updates"]}),
    ]


@thread_scenario
def failure_then_retry(lib: Any) -> Any:
    attempts = {"n": 0}
    turns = Turns("ok", "flaky")

    def flaky(state: Log) -> Any:
        attempts["n"] += 1
        turns.take("flaky")
        if attempts["n"] == 1:
            raise ValueError("first time fails")
        return {"log": ["flaky"]}

    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("ok", turns))
        .add_node(flaky)
        .add_node(_log_node("after"))
        .add_edge(lib.START, "ok")
        .add_edge(lib.START, "flaky")
        .add_edge("flaky", "after")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"log": []}, {"stream_mode": ALL}),
        ("get_state", {}),
        ("stream", None, {"stream_mode": ALL}),
        ("get_state", {}),
    ]


@thread_scenario
def durability_exit(lib: Any) -> Any:
    return _joke(lib), [
        ("stream", {"topic": "x"}, {"stream_mode": ["checkpoints"], "durability": "exit"}),
        ("history", {}),
    ]


@thread_scenario
def subgraph_checkpoints(lib: Any) -> Any:
    class Parent(TypedDict):
        foo: str

    def inner(state: Parent) -> Any:
        return {"foo": state["foo"] + "!"}

    sub = lib.StateGraph(Parent).add_node(inner).add_edge(lib.START, "inner").compile()
    graph = (
        lib.StateGraph(Parent)
        .add_node("child", sub)
        .add_edge(lib.START, "child")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"foo": "x"}, {"stream_mode": ["checkpoints", "values"], "subgraphs": True}),
        ("get_state", {}),
        ("get_state", {"subgraphs": True}),
    ]


@thread_scenario
def subgraph_durability_exit(lib: Any) -> Any:
    """A subgraph saves as often as its parent: with "exit", not at all once it finished."""

    class Parent(TypedDict):
        foo: str

    def inner(state: Parent) -> Any:
        return {"foo": state["foo"] + "!"}

    sub = lib.StateGraph(Parent).add_node(inner).add_edge(lib.START, "inner").compile()
    graph = (
        lib.StateGraph(Parent)
        .add_node("child", sub)
        .add_edge(lib.START, "child")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"foo": "x"}, {"durability": "exit", "subgraphs": True}),
        ("saved_namespaces",),
        ("stream", {"foo": "y"}, {"subgraphs": True}),
        ("saved_namespaces",),
    ]


@thread_scenario
def interrupt_inside_subgraph(lib: Any) -> Any:
    class Parent(TypedDict):
        foo: str

    def ask(state: Parent) -> Any:
        return {"foo": state["foo"] + lib.interrupt("sub question")}

    def after(state: Parent) -> Any:
        return {"foo": state["foo"] + "|after"}

    sub = (
        lib.StateGraph(Parent)
        .add_node(ask)
        .add_node(after)
        .add_edge(lib.START, "ask")
        .add_edge("ask", "after")
        .compile()
    )
    graph = (
        lib.StateGraph(Parent)
        .add_node(_log_node_foo("pre"))
        .add_node("child", sub)
        .add_edge(lib.START, "pre")
        .add_edge("pre", "child")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"foo": "x"}, {"stream_mode": ["updates", "values"], "subgraphs": True}),
        ("get_state", {}),
        (
            "stream",
            lib.Command(resume="+answer"),
            {"stream_mode": ["updates", "values"], "subgraphs": True},
        ),
        ("get_state", {}),
    ]


def _log_node_foo(name: str) -> Any:
    def node(state: Any) -> Any:
        return {"foo": state["foo"] + "|" + name}

    node.__name__ = name
    return node


@thread_scenario
def parallel_interrupts_resumed_by_id(lib: Any) -> Any:
    turns = Turns("a", "b", rounds=True)  # both interrupt, then both finish when resumed

    def ask(name: str) -> Any:
        def node(state: Log) -> Any:
            turns.take(name)
            return {"log": [f"{name}={lib.interrupt(name + '?')}"]}

        node.__name__ = name
        return node

    graph = (
        lib.StateGraph(Log)
        .add_node(ask("a"))
        .add_node(ask("b"))
        .add_edge(lib.START, "a")
        .add_edge(lib.START, "b")
        .compile(checkpointer=lib.InMemorySaver())
    )
    state_ops = [("get_state", {})]
    return graph, [
        ("stream", {"log": []}, {"stream_mode": ["updates", "values"]}),
        *state_ops,
        ("stream", lib.Command(resume="scalar"), {"stream_mode": ["updates"]}),
        ("resume_all_by_id", None, {"stream_mode": ["updates", "values", "checkpoints"]}),
        *state_ops,
    ]


@thread_scenario
def replay_and_fork_from_a_past_checkpoint(lib: Any) -> Any:
    return _joke(lib), [
        ("stream", {"topic": "ice"}, {"stream_mode": "values"}),
        ("replay_step", 1, {"stream_mode": ["values", "updates", "checkpoints"]}),
        ("fork_step", 1, {"topic": "forked"}),
        ("history", {"limit": 3}),
    ]


@thread_scenario
def stored_metadata_and_invoke(lib: Any) -> Any:
    graph = _joke(lib)
    config = {
        "configurable": {"thread_id": "t", "user_id": "u1", "n": 5},
        "metadata": {"run_tag": "rt"},
    }
    return graph, [
        ("invoke", {"topic": "ice"}, {"config": config}),
        ("get_state", {}),
        ("stream", {"topic": "x"}, {"stream_mode": "checkpoints", "config": config}),
        ("invoke", None, {}),
    ]


@thread_scenario
def interrupted_send_tasks(lib: Any) -> Any:
    def fan(state: Fan) -> Any:
        return [lib.Send("work", {"item": i}) for i in state["items"]]

    turns = Turns("2", "1", "3")  # item 2 interrupts, then 1 and 3 finish

    def work(state: dict) -> Any:  # type: ignore[type-arg]
        turns.take(str(state["item"]))
        if state["item"] == 2:
            return {"out": [f"2:{lib.interrupt('approve 2?')}"]}
        return {"out": [state["item"]]}

    graph = (
        lib.StateGraph(Fan)
        .add_node(work)
        .add_conditional_edges(lib.START, fan, ["work"])
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"items": [1, 2, 3]}, {"stream_mode": ["updates", "values", "tasks"]}),
        ("get_state", {}),
        ("stream", lib.Command(resume="yes"), {"stream_mode": ["updates", "values"]}),
        ("get_state", {}),
    ]


@thread_scenario
def subgraph_state_while_interrupted(lib: Any) -> Any:
    class Parent(TypedDict):
        foo: str

    def ask(state: Parent) -> Any:
        return {"foo": state["foo"] + lib.interrupt("sub?")}

    sub = lib.StateGraph(Parent).add_node(ask).add_edge(lib.START, "ask").compile()
    graph = (
        lib.StateGraph(Parent)
        .add_node("child", sub)
        .add_edge(lib.START, "child")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"foo": "x"}, {"stream_mode": ["values"]}),
        ("get_state", {"subgraphs": True}),
        (
            "stream",
            lib.Command(resume="!"),
            {"stream_mode": ["values", "checkpoints"], "subgraphs": True},
        ),
        ("get_state", {"subgraphs": True}),
    ]


@thread_scenario
def bulk_updates(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("a"))
        .add_node(_log_node("b"))
        .add_node(_log_node("c"))
        .add_edge(lib.START, "a")
        .add_edge("a", "b")
        .add_edge("b", "c")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        (
            "bulk_update",
            [
                [lib.StateUpdate({"log": ["in"]}, "__start__")],
                [lib.StateUpdate({"log": ["as a"]}, "a"), lib.StateUpdate({"log": ["as b"]}, "b")],
            ],
            {},
        ),
        ("get_state", {}),
        ("history", {}),
        ("stream", None, {"stream_mode": ["values", "updates"]}),
    ]


@thread_scenario
def recursion_limit_counts_on_resume(lib: Any) -> Any:
    """A resumed run gets the limit counted from its checkpoint (one step more than a fresh
    run, as LangGraph counts), and RemainingSteps agrees with it."""
    state = TypedDict(  # type: ignore[misc]  # noqa: UP013 - hints use lib
        "Counted",
        {
            "log": Annotated[list, operator.add],
            "left": lib.RemainingSteps,
        },
    )

    def node(name: str) -> Any:
        def run(s: Any) -> Any:
            return {"log": [[name, s["left"]]]}

        run.__name__ = name
        return run

    names = [f"n{i}" for i in range(7)]
    graph = (
        lib.StateGraph(state)
        .add_sequence([node(n) for n in names])
        .add_edge(lib.START, "n0")
        .compile(checkpointer=lib.InMemorySaver(), interrupt_before=["n2"])
    )
    return graph, [
        (
            "stream",
            {"log": []},
            {"stream_mode": "updates", "config": {**CONFIG, "recursion_limit": 5}},
        ),
        ("stream", None, {"stream_mode": "updates", "config": {**CONFIG, "recursion_limit": 3}}),
        ("get_state", {}),
    ]


@thread_scenario
def resume_after_editing_the_state(lib: Any) -> Any:
    """An answer given when nothing waits for one (the state was edited after the interrupt,
    so the pending task starts afresh) goes to the first interrupt() the run reaches."""

    class Asked(TypedDict, total=False):
        topic: str
        joke: str

    def ask(state: Asked) -> Any:
        answer = lib.interrupt({"question": "approve?", "topic": state["topic"]})
        return {"joke": f"{answer}: {state['topic']}"}

    graph = (
        lib.StateGraph(Asked)
        .add_node(ask)
        .add_edge(lib.START, "ask")
        .compile(checkpointer=lib.InMemorySaver())
    )
    return graph, [
        ("stream", {"topic": "t"}, {"stream_mode": ["values", "updates"]}),
        ("update_state", {"topic": "edited"}, {}),
        ("get_state", {}),
        ("stream", lib.Command(resume="yes"), {"stream_mode": ["values", "updates"]}),
        ("get_state", {}),
    ]
