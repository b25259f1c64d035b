"""Graphs built twice, once with LangGraph and once with streamgraph, from the same code.

Each scenario takes a ``lib`` namespace (``StateGraph``, ``START``, ``Send``, ...) and returns
``(graph, input, variants)``: every variant is a dict of ``stream()`` keyword arguments. Where
parallel nodes race, sleeps make the completion order deterministic.
"""

from __future__ import annotations

import operator
import time
import types
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict

from pydantic import BaseModel

SCENARIOS: dict[str, Any] = {}

ALL_MODES = ["values", "updates", "custom", "debug", "tasks"]
BASIC_VARIANTS = [
    {"stream_mode": "values"},
    {"stream_mode": "updates"},
    {},
    {"stream_mode": ["values", "updates"]},
    {"stream_mode": ("values", "updates")},
    {"stream_mode": ALL_MODES},
    {"stream_mode": "debug"},
    {"stream_mode": "tasks"},
    {"stream_mode": ["values", "updates"], "version": "v2"},
    {"stream_mode": "checkpoints"},
]


def scenario(*variants: dict[str, Any]) -> Any:
    def register(fn: Any) -> Any:
        SCENARIOS[fn.__name__] = (fn, list(variants) or BASIC_VARIANTS)
        return fn

    return register


def libs() -> dict[str, types.SimpleNamespace]:
    import langgraph.checkpoint.memory
    import langgraph.config
    import langgraph.graph
    import langgraph.managed
    import langgraph.types

    import streamgraph.checkpoint.memory
    import streamgraph.config
    import streamgraph.graph
    import streamgraph.managed
    import streamgraph.types

    def ns(
        graph: Any, types_: Any, config: Any, memory: Any, managed: Any
    ) -> types.SimpleNamespace:
        return types.SimpleNamespace(
            InMemorySaver=memory.InMemorySaver,
            StateUpdate=types_.StateUpdate,
            StateGraph=graph.StateGraph,
            START=graph.START,
            END=graph.END,
            Send=types_.Send,
            Command=types_.Command,
            interrupt=types_.interrupt,
            RetryPolicy=types_.RetryPolicy,
            StreamWriter=types_.StreamWriter,
            get_stream_writer=config.get_stream_writer,
            get_config=config.get_config,
            RemainingSteps=managed.RemainingSteps,
            IsLastStep=managed.IsLastStep,
        )

    return {
        "langgraph": ns(
            langgraph.graph,
            langgraph.types,
            langgraph.config,
            langgraph.checkpoint.memory,
            langgraph.managed,
        ),
        "streamgraph": ns(
            streamgraph.graph,
            streamgraph.types,
            streamgraph.config,
            streamgraph.checkpoint.memory,
            streamgraph.managed,
        ),
    }


class Joke(TypedDict):
    topic: str
    joke: str


class Log(TypedDict):
    log: Annotated[list, operator.add]


class Mixed(TypedDict):
    name: str
    total: Annotated[int, operator.add]
    text: Annotated[str, operator.add]
    items: Annotated[list, operator.add]
    plain: list


class Sub(TypedDict):
    foo: str
    bar: str


class Parent(TypedDict):
    foo: str


class Overall(TypedDict):
    question: str
    answer: str
    scratch: str


class In(TypedDict):
    question: str


class Out(TypedDict):
    answer: str


class Private(TypedDict):
    secret: str


class P(BaseModel):
    a: str = ""
    b: str


@dataclass
class D:
    b: str
    a: str = ""


class Fan(TypedDict):
    subjects: list
    jokes: Annotated[list, operator.add]


class Single(TypedDict):
    n: int


def _named(name: str, fn: Any) -> Any:
    fn.__name__ = name
    return fn


def _log_node(name: str, delay: float = 0.0) -> Any:
    def node(state: Any) -> Any:
        if delay:
            time.sleep(delay)
        return {"log": [name]}

    return _named(name, node)


@scenario()
def joke(lib: Any) -> Any:
    def refine_topic(state: Joke) -> Any:
        return {"topic": state["topic"] + " and cats"}

    def generate_joke(state: Joke) -> Any:
        return {"joke": f"This is a joke about {state['topic']}"}

    graph = (
        lib.StateGraph(Joke)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(lib.START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .add_edge("generate_joke", lib.END)
        .compile()
    )
    return graph, {"topic": "ice cream"}


@scenario(*BASIC_VARIANTS, {"stream_mode": ["updates", "custom"]}, {"stream_mode": "custom"})
def joke_custom(lib: Any) -> Any:
    def refine_topic(state: Joke) -> Any:
        return {"topic": state["topic"] + " and cats"}

    def generate_joke(state: Joke, writer) -> Any:  # type: ignore[no-untyped-def]
        writer({"custom_key": "Writing custom data while generating a joke"})
        return {"joke": f"This is a joke about {state['topic']}"}

    graph = (
        lib.StateGraph(Joke)
        .add_node(refine_topic)
        .add_node(generate_joke)
        .add_edge(lib.START, "refine_topic")
        .add_edge("refine_topic", "generate_joke")
        .compile()
    )
    return graph, {"topic": "ice cream"}


@scenario({"stream_mode": "custom"}, {"stream_mode": ["custom", "updates"]})
def writers(lib: Any) -> Any:
    def n_get(state: Single) -> Any:
        w = lib.get_stream_writer()
        w({"via": "get_stream_writer"})
        w("plain string")
        w(("tuple", 1))
        w(None)
        return {"n": 1}

    def n_kw(state: Single, *, writer) -> Any:  # type: ignore[no-untyped-def]
        writer({"via": "keyword-only"})
        return {"n": 2}

    def n_plain(state: Single, writer) -> Any:  # type: ignore[no-untyped-def]
        writer({"via": "unannotated"})
        return {"n": 3}

    def n_config(state: Single, config) -> Any:  # type: ignore[no-untyped-def]
        lib.get_stream_writer()({"node": config["metadata"]["langgraph_node"]})
        return {"n": 4}

    graph = (
        lib.StateGraph(Single)
        .add_sequence([n_get, n_kw, n_plain, n_config])
        .add_edge(lib.START, "n_get")
        .compile()
    )
    return graph, {"n": 0}


@scenario()
def reducer_defaults(lib: Any) -> Any:
    def node(state: Mixed) -> Any:
        return {"total": 2, "text": "t", "items": [1], "plain": [1]}

    graph = lib.StateGraph(Mixed).add_node(node).add_edge(lib.START, "node").compile()
    return graph, {"name": "x"}


@scenario()
def empty_updates(lib: Any) -> Any:
    def none_node(state: Single) -> Any:
        return None

    def empty_node(state: Single) -> Any:
        return {}

    def same(state: Single) -> Any:
        return {"n": state["n"]}

    graph = (
        lib.StateGraph(Single)
        .add_sequence([none_node, empty_node, same])
        .add_edge(lib.START, "none_node")
        .compile()
    )
    return graph, {"n": 1}


@scenario()
def empty_input(lib: Any) -> Any:
    def node(state: Joke) -> Any:
        return {"joke": f"j:{state.get('topic')}"}

    graph = lib.StateGraph(Joke).add_node(node).add_edge(lib.START, "node").compile()
    return graph, {}


@scenario(*BASIC_VARIANTS, {"stream_mode": ["updates", "tasks"]})
def join(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("a", 0.02))
        .add_node(_log_node("b"))
        .add_node(_log_node("a2"))
        .add_node(_log_node("c"))
        .add_edge(lib.START, "a")
        .add_edge(lib.START, "b")
        .add_edge("a", "a2")
        .add_edge(["a2", "b"], "c")
        .compile()
    )
    return graph, {"log": []}


@scenario({"stream_mode": "updates"}, {"stream_mode": ["values", "updates"]})
def no_join_runs_twice(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("a", 0.02))
        .add_node(_log_node("b"))
        .add_node(_log_node("a2"))
        .add_node(_log_node("c"))
        .add_edge(lib.START, "a")
        .add_edge(lib.START, "b")
        .add_edge("a", "a2")
        .add_edge("a2", "c")
        .add_edge("b", "c")
        .compile()
    )
    return graph, {"log": []}


@scenario(*BASIC_VARIANTS, {"stream_mode": ["updates", "tasks", "values"]})
def parallel_completion_order(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("slow", 0.05))
        .add_node(_log_node("fast"))
        .add_edge(lib.START, "slow")
        .add_edge(lib.START, "fast")
        .compile()
    )
    return graph, {"log": []}


@scenario({"stream_mode": ["tasks", "values"]}, {"stream_mode": ["updates", "values"]})
def send_and_pull_order(lib: Any) -> Any:
    def route(state: Log) -> Any:
        return [lib.Send("mid", {"log": []}), "zeta", "alpha"]

    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("zeta", 0.02))
        .add_node(_log_node("alpha", 0.04))
        .add_node(_log_node("mid"))
        .add_conditional_edges(lib.START, route)
        .compile()
    )
    return graph, {"log": []}


@scenario(*BASIC_VARIANTS, {"stream_mode": ["values", "updates", "tasks"]})
def send_fanout(lib: Any) -> Any:
    def continue_to_jokes(state: Fan) -> Any:
        return [lib.Send("gen", {"subject": s}) for s in state["subjects"]]

    def gen(state: dict) -> Any:  # type: ignore[type-arg]
        time.sleep(0.02 if state["subject"] == "cats" else 0)
        return {"jokes": [f"joke about {state['subject']}"]}

    graph = (
        lib.StateGraph(Fan)
        .add_node(gen)
        .add_conditional_edges(lib.START, continue_to_jokes, ["gen"])
        .compile()
    )
    return graph, {"subjects": ["cats", "dogs"]}


@scenario({"stream_mode": ["updates", "values", "tasks"]})
def conditional_with_path_map(lib: Any) -> Any:
    def decide(state: Single) -> Any:
        return "big" if state["n"] > 1 else "small"

    def big(state: Single) -> Any:
        return {"n": state["n"] * 10}

    def small(state: Single) -> Any:
        return {"n": -1}

    graph = (
        lib.StateGraph(Single)
        .add_node(big)
        .add_node(small)
        .add_conditional_edges(lib.START, decide, {"big": "big", "small": "small"})
        .add_conditional_edges("big", lambda s: lib.END)
        .compile()
    )
    return graph, {"n": 5}


@scenario({"stream_mode": ["updates", "values", "tasks"]})
def routing_sees_own_writes(lib: Any) -> Any:
    def counter(state: Log) -> Any:
        return {"log": ["tick"]}

    def again(state: Log) -> Any:
        return "counter" if len(state["log"]) < 3 else lib.END

    graph = (
        lib.StateGraph(Log)
        .add_node(counter)
        .add_edge(lib.START, "counter")
        .add_conditional_edges("counter", again)
        .compile()
    )
    return graph, {"log": []}


@scenario({"stream_mode": ["updates", "tasks", "values"]})
def commands(lib: Any) -> Any:
    class S(TypedDict):
        x: int
        log: Annotated[list, operator.add]

    def router(state: S) -> Any:
        return lib.Command(update={"x": 1, "log": ["router"]}, goto="b")

    def b(state: S) -> Any:
        return lib.Command(goto=["c", "d"])

    def c(state: S) -> Any:
        return [lib.Command(update={"log": ["m1"]}), lib.Command(update={"log": ["m2"], "x": 2})]

    def d(state: S) -> Any:
        return lib.Command(update=[("log", ["u"]), ("log", ["v"])])

    graph = (
        lib.StateGraph(S)
        .add_node(router)
        .add_node(b)
        .add_node(c)
        .add_node(d)
        .add_edge(lib.START, "router")
        .compile()
    )
    return graph, {"x": 0, "log": []}


@scenario({"stream_mode": ["updates", "values"]}, {"stream_mode": "updates", "subgraphs": True})
def parent_command(lib: Any) -> Any:
    def child_node(state: Parent) -> Any:
        return lib.Command(graph=lib.Command.PARENT, goto="after", update={"foo": "from-sub"})

    sub = lib.StateGraph(Parent).add_node(child_node).add_edge(lib.START, "child_node").compile()

    def after(state: Parent) -> Any:
        return {"foo": state["foo"] + "!"}

    graph = (
        lib.StateGraph(Parent)
        .add_node("child", sub)
        .add_node(after)
        .add_edge(lib.START, "child")
        .compile()
    )
    return graph, {"foo": "x"}


def _seed_subgraph(lib: Any) -> Any:
    def subgraph_node_1(state: Sub) -> Any:
        lib.get_stream_writer()({"from": "sub1"})
        return {"bar": "bar"}

    def subgraph_node_2(state: Sub) -> Any:
        return {"foo": state["foo"] + state["bar"]}

    builder = lib.StateGraph(Sub)
    builder.add_node(subgraph_node_1)
    builder.add_node(subgraph_node_2)
    builder.add_edge(lib.START, "subgraph_node_1")
    builder.add_edge("subgraph_node_1", "subgraph_node_2")
    return builder.compile()


SUBGRAPH_VARIANTS = [
    {"stream_mode": "updates"},
    {"stream_mode": "updates", "subgraphs": True},
    {"stream_mode": ["values", "updates"], "subgraphs": True},
    {"stream_mode": ["values", "updates", "custom"], "subgraphs": True},
    {"stream_mode": ALL_MODES, "subgraphs": True},
    {"stream_mode": ["values", "updates"], "subgraphs": True, "version": "v2"},
    {"stream_mode": ["values", "updates", "tasks"]},
]


@scenario(*SUBGRAPH_VARIANTS)
def subgraph_node(lib: Any) -> Any:
    def node_1(state: Parent) -> Any:
        return {"foo": "hi! " + state["foo"]}

    builder = lib.StateGraph(Parent)
    builder.add_node("node_1", node_1)
    builder.add_node("node_2", _seed_subgraph(lib))
    builder.add_edge(lib.START, "node_1")
    builder.add_edge("node_1", "node_2")
    return builder.compile(), {"foo": "foo"}


@scenario(*SUBGRAPH_VARIANTS)
def subgraph_called_in_node(lib: Any) -> Any:
    sub = _seed_subgraph(lib)
    other = _seed_subgraph(lib)

    def twice(state: Parent) -> Any:
        first = sub.invoke({"foo": state["foo"]})
        second = sub.invoke({"foo": first["foo"]})
        third = other.invoke({"foo": second["foo"]})
        return {"foo": third["foo"]}

    graph = lib.StateGraph(Parent).add_node(twice).add_edge(lib.START, "twice").compile()
    return graph, {"foo": "f"}


@scenario(
    {"stream_mode": "updates", "subgraphs": True},
    {"stream_mode": ["values", "updates"], "subgraphs": True},
    {"stream_mode": "updates"},
)
def nested_two_levels(lib: Any) -> Any:
    def gnode(state: Parent) -> Any:
        return {"foo": state["foo"] + "g"}

    grand = lib.StateGraph(Parent).add_node(gnode).add_edge(lib.START, "gnode").compile()
    mid = lib.StateGraph(Parent).add_node("grand", grand).add_edge(lib.START, "grand").compile()
    graph = lib.StateGraph(Parent).add_node("mid", mid).add_edge(lib.START, "mid").compile()
    return graph, {"foo": "x"}


@scenario({"stream_mode": "values"}, {"stream_mode": ["values", "updates"]})
def input_output_schemas(lib: Any) -> Any:
    def think(state: In) -> Any:
        return {"scratch": f"thinking about {state['question']}"}

    def answer(state: Overall) -> Any:
        return {"answer": f"A:{state['scratch']}"}

    graph = (
        lib.StateGraph(Overall, input_schema=In, output_schema=Out)
        .add_node(think)
        .add_node(answer)
        .add_edge(lib.START, "think")
        .add_edge("think", "answer")
        .compile()
    )
    return graph, {"question": "q", "scratch": "SHOULD_BE_DROPPED"}


@scenario({"stream_mode": ["values", "updates", "tasks"]})
def private_state(lib: Any) -> Any:
    def n1(state: Log) -> Any:
        return {"secret": "s3"}

    def n2(state: Private) -> Any:
        return {"log": [state["secret"]]}

    graph = (
        lib.StateGraph(Log)
        .add_node(n1)
        .add_node(n2)
        .add_edge(lib.START, "n1")
        .add_edge("n1", "n2")
        .compile()
    )
    return graph, {"log": []}


@scenario(*BASIC_VARIANTS)
def pydantic_state(lib: Any) -> Any:
    def pn(state: P) -> Any:
        return {"a": state.b + "!"}

    def whole(state: P) -> Any:
        return P(b=state.a)

    graph = (
        lib.StateGraph(P)
        .add_node(pn)
        .add_node(whole)
        .add_edge(lib.START, "pn")
        .add_edge("pn", "whole")
        .compile()
    )
    return graph, {"b": "x"}


@scenario(*BASIC_VARIANTS)
def dataclass_state(lib: Any) -> Any:
    def dn(state: D) -> Any:
        return D(b="q")

    graph = lib.StateGraph(D).add_node(dn).add_edge(lib.START, "dn").compile()
    return graph, D(b="in")


@scenario(
    {"stream_mode": ["updates", "values", "tasks"]},
    {"stream_mode": ["updates", "values"], "version": "v2"},
)
def interrupt_with_sibling(lib: Any) -> Any:
    def worker(state: Log) -> Any:
        time.sleep(0.02)
        return {"log": ["worker"]}

    def asker(state: Log) -> Any:
        return {"log": [lib.interrupt("q?")]}

    graph = (
        lib.StateGraph(Log)
        .add_node(worker)
        .add_node(asker)
        .add_edge(lib.START, "worker")
        .add_edge(lib.START, "asker")
        .compile()
    )
    return graph, {"log": []}


@scenario(
    {"stream_mode": ["updates", "values"]},
    {"stream_mode": ["updates", "values"], "subgraphs": True},
)
def interrupt_in_subgraph(lib: Any) -> Any:
    def ask(state: Parent) -> Any:
        return {"foo": lib.interrupt("sub question")}

    sub = lib.StateGraph(Parent).add_node(ask).add_edge(lib.START, "ask").compile()

    def pre(state: Parent) -> Any:
        return {"foo": "pre"}

    graph = (
        lib.StateGraph(Parent)
        .add_node(pre)
        .add_node("child", sub)
        .add_edge(lib.START, "pre")
        .add_edge("pre", "child")
        .compile()
    )
    return graph, {"foo": "x"}


@scenario(
    {"stream_mode": ["updates", "values"]},
    {"stream_mode": ["updates", "values"], "interrupt_before": ["n2"]},
    {"stream_mode": ["updates", "values"], "interrupt_after": ["n1"]},
)
def static_interrupts(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("n1"))
        .add_node(_log_node("n2"))
        .add_edge(lib.START, "n1")
        .add_edge("n1", "n2")
        .compile(interrupt_before=["n2"])
    )
    return graph, {"log": []}


@scenario({"stream_mode": ["updates", "tasks", "values"]})
def failing_node(lib: Any) -> Any:
    def ok(state: Log) -> Any:
        return {"log": ["ok"]}

    def boom(state: Log) -> Any:
        time.sleep(0.02)
        raise ValueError("kaboom")

    graph = (
        lib.StateGraph(Log)
        .add_node(ok)
        .add_node(boom)
        .add_edge(lib.START, "ok")
        .add_edge(lib.START, "boom")
        .compile()
    )
    return graph, {"log": []}


@scenario({"stream_mode": ["updates", "tasks", "values"]})
def failing_router(lib: Any) -> Any:
    def a(state: Single) -> Any:
        return {"n": 1}

    def broken(state: Single) -> Any:
        raise ValueError("router broke")

    graph = (
        lib.StateGraph(Single)
        .add_node(a)
        .add_edge(lib.START, "a")
        .add_conditional_edges("a", broken)
        .compile()
    )
    return graph, {"n": 0}


@scenario({"stream_mode": ["updates", "values"]})
def concurrent_last_value_writes(lib: Any) -> Any:
    def one(state: Single) -> Any:
        return {"n": 1}

    def two(state: Single) -> Any:
        time.sleep(0.02)
        return {"n": 2}

    graph = (
        lib.StateGraph(Single)
        .add_node(one)
        .add_node(two)
        .add_edge(lib.START, "one")
        .add_edge(lib.START, "two")
        .compile()
    )
    return graph, {"n": 0}


@scenario(
    {"stream_mode": "updates"},
    {"stream_mode": "updates", "config": {"recursion_limit": 3}},
    {"stream_mode": "updates", "config": {"recursion_limit": 4}},
    {"stream_mode": ["updates", "values"], "config": {"recursion_limit": 3}},
)
def recursion_limit(lib: Any) -> Any:
    graph = (
        lib.StateGraph(Log)
        .add_sequence([_log_node("n0"), _log_node("n1"), _log_node("n2")])
        .add_edge(lib.START, "n0")
        .compile()
    )
    return graph, {"log": []}


@scenario(
    {"stream_mode": ["values", "updates"], "config": {"recursion_limit": 6}},
    {"stream_mode": ["values", "updates"], "config": {"recursion_limit": 4}},
    {"stream_mode": "debug", "config": {"recursion_limit": 5}},
)
def managed_values(lib: Any) -> Any:
    """RemainingSteps/IsLastStep in nodes and routers; never in output or writable."""
    state = TypedDict(  # type: ignore[misc]  # noqa: UP013 - hints use lib
        "Managed",
        {
            "log": Annotated[list, operator.add],
            "left": lib.RemainingSteps,
            "last": lib.IsLastStep,
        },
    )

    def step(s: Any) -> Any:
        return {"log": [(s["left"], s["last"])], "left": 99}

    def route(s: Any) -> Any:
        return lib.END if s["left"] <= 2 else "step"

    graph = (
        lib.StateGraph(state)
        .add_node(step)
        .add_edge(lib.START, "step")
        .add_conditional_edges("step", route)
        .compile()
    )
    return graph, {"log": [], "left": 7}


@scenario({"stream_mode": "updates"}, {"stream_mode": ["values", "updates"]})
def retry_is_invisible(lib: Any) -> Any:
    calls = {"n": 0}

    def flaky(state: Single) -> Any:
        calls["n"] += 1
        if calls["n"] < 3:
            raise ConnectionError("try again")
        return {"n": calls["n"]}

    policy = lib.RetryPolicy(initial_interval=0.001, jitter=False)
    graph = (
        lib.StateGraph(Single)
        .add_node(flaky, retry_policy=policy)
        .add_edge(lib.START, "flaky")
        .compile()
    )
    return graph, {"n": 0}


@scenario(
    {"stream_mode": "tasks", "config": {"metadata": {"run_meta": "rm"}, "tags": ["T1"]}},
    {"stream_mode": "tasks"},
    # what a server passes: ids in metadata and configurable (metadata wins), and
    # framework keys that task payloads leave out
    {
        "stream_mode": ["tasks", "debug"],
        "config": {
            "metadata": {
                "graph_id": "g",
                "run_id": "r",
                "thread_id": "t",
                "checkpoint_ns": "x",
                "task_id": "k",
                "langgraph_extra": 1,
            },
            "configurable": {
                "run_id": "r2",
                "assistant_id": "a2",
                "graph_id": "g2",
                "user_id": "u",
                "thread_id": "tt",
            },
        },
    },
)
def task_metadata(lib: Any) -> Any:
    def a(state: Single) -> Any:
        return {"n": 1}

    graph = (
        lib.StateGraph(Single)
        .add_node(a, metadata={"node_meta": 1})
        .add_edge(lib.START, "a")
        .compile()
    )
    return graph, {"n": 0}


@scenario(
    {"stream_mode": ["updates", "values"], "output_keys": "joke"},
    {"stream_mode": ["updates", "values"], "output_keys": ["joke"]},
)
def output_keys(lib: Any) -> Any:
    def n(state: Joke) -> Any:
        return {"joke": f"j:{state['topic']}"}

    graph = lib.StateGraph(Joke).add_node(n).add_edge(lib.START, "n").compile()
    return graph, {"topic": "x"}


@scenario({"stream_mode": ["updates", "values"]})
def command_as_input(lib: Any) -> Any:
    def b(state: Joke) -> Any:
        return {"topic": state["topic"] + "b"}

    def c(state: Joke) -> Any:
        return {"topic": state["topic"] + "c"}

    graph = lib.StateGraph(Joke).add_node(b).add_node(c).add_edge(lib.START, "b").compile()
    return graph, lib.Command(update={"topic": "V"}, goto="c")


@scenario({"stream_mode": ["values", "updates", "tasks"]})
def pydantic_instance_input(lib: Any) -> Any:
    def pn(state: P) -> Any:
        return {"a": state.a + state.b}

    graph = lib.StateGraph(P).add_node(pn).add_edge(lib.START, "pn").compile()
    return graph, P(b="x")


@scenario({"stream_mode": ["values", "updates", "tasks"]})
def pydantic_instance_input_with_defaults_set(lib: Any) -> Any:
    def pn(state: P) -> Any:
        return {"a": state.a + state.b}

    graph = lib.StateGraph(P).add_node(pn).add_edge(lib.START, "pn").compile()
    return graph, P(a="A", b="x")


@scenario({"stream_mode": ["values", "updates", "tasks"]})
def node_input_schema(lib: Any) -> Any:
    def only_topic(state: dict) -> Any:  # type: ignore[type-arg]
        return {"joke": f"sees {sorted(state)}"}

    class TopicOnly(TypedDict):
        topic: str

    graph = (
        lib.StateGraph(Joke)
        .add_node("only_topic", only_topic, input_schema=TopicOnly)
        .add_edge(lib.START, "only_topic")
        .compile()
    )
    return graph, {"topic": "t", "joke": "j"}


@scenario(
    {"stream_mode": ["values", "updates", "tasks"]},
    {"stream_mode": ["values", "updates"], "subgraphs": True},
)
def subgraph_with_different_keys(lib: Any) -> Any:
    class Child(TypedDict):
        foo: str
        bar: str

    class Outer(TypedDict):
        foo: str
        other: str

    def writes_bar(state: Child) -> Any:
        return {"bar": "b"}

    child = lib.StateGraph(Child).add_node(writes_bar).add_edge(lib.START, "writes_bar").compile()
    graph = lib.StateGraph(Outer).add_node("child", child).add_edge(lib.START, "child").compile()
    return graph, {"foo": "f", "other": "o"}


@scenario({"stream_mode": ["values", "updates"]})
def overwrite_reducer(lib: Any) -> Any:
    from langgraph.types import Overwrite as LgOverwrite

    from streamgraph.types import Overwrite as SgOverwrite

    overwrite = LgOverwrite if lib.StateGraph.__module__.startswith("langgraph") else SgOverwrite

    def ow(state: Log) -> Any:
        return {"log": overwrite(["only"])}

    graph = (
        lib.StateGraph(Log)
        .add_node(_log_node("first"))
        .add_node(ow)
        .add_edge(lib.START, "first")
        .add_edge("first", "ow")
        .compile()
    )
    return graph, {"log": ["x"]}
