"""v3 run streams (``stream_events(version="v3")``): protocol events per second received by
the consumer, streamgraph next to LangGraph 1.2.22.

Rows (each run reads what a v3 user reads, to the end of the run):

- LLM tokens: a one-node graph whose node calls a fake chat model's ``.invoke()`` (2,000
  chunks); the consumer iterates ``run.messages`` and each message's ``.text`` deltas;
- custom events: one node writing 20,000 custom events; the consumer reads ``run.custom``;
- 100-node chain: the consumer iterates the raw protocol events of the run;
- (streamgraph only) the native ``get_message_writer()`` in a node, read as ``run.messages``;
- (no graph) the model alone with a do-nothing protocol event handler: langchain-core's own
  cost, the ceiling of the tokens row in both libraries.

Rounds interleave the libraries, so machine noise hits both alike.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any, TypedDict

from benchmarks.tokens import TOKENS, fake_model
from benchmarks.workloads import Count, chain_graph

CUSTOM_EVENTS = 20_000


class Reply(TypedDict):
    topic: str
    text: str


def _stream(package: str) -> Any:
    return __import__(f"{package}.stream", fromlist=["_"])


def tokens(lib: Any) -> Callable[[], int]:
    model = fake_model()

    def call_model(state: Reply) -> dict[str, Any]:
        model.invoke(state["topic"])
        return {}

    graph = lib.StateGraph(Reply).add_node(call_model).add_edge(lib.START, "call_model").compile()

    def run() -> int:
        stream = graph.stream_events({"topic": "t"}, version="v3")
        return sum(1 for message in stream.messages for _ in message.text)

    return run


def protocol_floor(lib: Any) -> Callable[[], int]:
    """``model.invoke()`` with one do-nothing content-block event handler, no graph: what
    langchain-core itself spends to stream a reply as protocol events (the v3 ceiling)."""
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.tracers._streaming import _V2StreamingCallbackHandler

    class Count(BaseCallbackHandler, _V2StreamingCallbackHandler):
        run_inline = True
        events = 0

        def on_stream_event(self, event: Any, **kwargs: Any) -> None:
            self.events += 1

    model, handler = fake_model(), Count()

    def run() -> int:
        handler.events = 0
        model.invoke("hi", {"callbacks": [handler]})
        return handler.events

    return run


def native_tokens(lib: Any) -> Callable[[], int]:
    from streamgraph.messages import get_message_writer

    def call_model(state: Reply) -> dict[str, Any]:
        write = get_message_writer()
        for _ in range(TOKENS):
            write("tok")
        return {}

    graph = lib.StateGraph(Reply).add_node(call_model).add_edge(lib.START, "call_model").compile()

    def run() -> int:
        stream = graph.stream_events({"topic": "t"}, version="v3")
        return sum(1 for message in stream.messages for _ in message.text)

    return run


def custom(lib: Any) -> Callable[[], int]:
    def writer_node(state: Count) -> dict[str, int]:
        write = lib.get_stream_writer()
        for i in range(CUSTOM_EVENTS):
            write(i)
        return {"n": 1}

    graph = lib.StateGraph(Count).add_node(writer_node).add_edge(lib.START, "writer_node").compile()
    transformers = [_stream(lib.name).CustomTransformer]

    def run() -> int:
        stream = graph.stream_events({"n": 0}, version="v3", transformers=transformers)
        return sum(1 for _ in stream.custom)

    return run


def chain(lib: Any) -> Callable[[], int]:
    graph = chain_graph(lib)

    def run() -> int:
        return sum(1 for _ in graph.stream_events({"n": 0}, {"recursion_limit": 200}, version="v3"))

    return run


ROWS: list[tuple[str, Callable[[Any], Callable[[], int]], bool]] = [
    ("(no graph) model.invoke() + a do-nothing protocol event handler", protocol_floor, False),
    ("LLM tokens: model.invoke() in a node, run.messages -> .text", tokens, True),
    (f"{CUSTOM_EVENTS:,} custom events from one node, run.custom", custom, True),
    ("100-node chain, every raw protocol event", chain, True),
    ("streamgraph: get_message_writer() in a node, run.messages -> .text", native_tokens, False),
]


def _per_second(run: Callable[[], int], repeat: int) -> float:
    start = time.perf_counter()
    events = sum(run() for _ in range(repeat))
    return events / (time.perf_counter() - start)


def v3_rows(libs: dict[str, Any], rounds: int, budget: float) -> list[dict[str, Any]]:
    """Measure and print the v3 table; return its rows."""
    print(
        f"\n| {'v3 run streams (events/s received)':66} | {'streamgraph':>12} | "
        f"{'langgraph':>12} | {'speed-up':>8} |"
    )
    print(f"|{'-' * 68}|{'-' * 14}:|{'-' * 14}:|{'-' * 10}:|")
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # LangGraph's v3 API warns that it is in beta
        for label, build, both in ROWS:
            runs = {name: build(lib) for name, lib in libs.items() if both or name == "streamgraph"}
            repeats = {}
            for name, run in runs.items():
                run()  # warm up
                start = time.perf_counter()
                run()
                repeats[name] = max(1, int(budget / max(time.perf_counter() - start, 1e-6)))
            samples: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(rounds):
                for name, run in runs.items():
                    samples[name].append(_per_second(run, repeats[name]))
            result = {name: statistics.median(values) for name, values in samples.items()}
            rows.append({"workload": f"v3: {label}", **result})
            ours, theirs = result["streamgraph"], result.get("langgraph")
            other = f"{theirs:>12,.0f}" if theirs else f"{'-':>12}"
            ratio = f"{ours / theirs:.1f}x" if theirs else "-"
            print(f"| {label:66} | {ours:>12,.0f} | {other} | {ratio:>8} |", flush=True)
    return rows
