"""Token streaming rates: what ``messages`` mode costs on top of the model itself.

Rows, each in tokens (chunks) per second received by the consumer:

- the bare model: langchain-core's ``GenericFakeChatModel``, ``model.stream()`` consumed
  directly, no graph (the ceiling);
- the same model called with ``.invoke()`` inside a one-node graph, streamed with
  ``stream_mode="messages"``, on streamgraph and on LangGraph;
- streamgraph's native emitter (``get_message_writer``), a node writing plain text chunks.
"""

from __future__ import annotations

import itertools
import statistics
import time
from typing import Any, TypedDict

TOKENS = 2_000  # chunks per model reply (words and the spaces between them)


class Reply(TypedDict):
    topic: str
    text: str


def fake_model() -> Any:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    reply = AIMessage(" ".join(["tok"] * (TOKENS // 2)))
    return GenericFakeChatModel(messages=itertools.cycle([reply]))


def bare_model() -> Any:
    model = fake_model()
    return lambda: sum(1 for _ in model.stream("hi"))


def graph_messages(lib: Any) -> Any:
    model = fake_model()

    def call_model(state: Reply) -> dict[str, str]:
        return {"text": model.invoke(state["topic"]).content}

    graph = lib.StateGraph(Reply).add_node(call_model).add_edge(lib.START, "call_model").compile()
    return lambda: sum(1 for _ in graph.stream({"topic": "t"}, stream_mode="messages"))


def native_emitter(lib: Any) -> Any:
    from streamgraph.messages import get_message_writer

    def call_model(state: Reply) -> dict[str, str]:
        write = get_message_writer()
        for _ in range(TOKENS):
            write("tok")
        return {}

    graph = lib.StateGraph(Reply).add_node(call_model).add_edge(lib.START, "call_model").compile()
    return lambda: sum(1 for _ in graph.stream({"topic": "t"}, stream_mode="messages"))


def invoke_floor() -> Any:
    """``model.invoke()`` with one streaming callback handler that does nothing: what
    LangChain itself spends to stream inside ``invoke`` (any ``messages`` mode pays it)."""
    from langchain_core.callbacks import BaseCallbackHandler
    from langchain_core.tracers._streaming import _StreamingCallbackHandler

    class Nothing(BaseCallbackHandler, _StreamingCallbackHandler):
        run_inline = True

        def tap_output_iter(self, run_id: Any, output: Any) -> Any:
            return output

        def tap_output_aiter(self, run_id: Any, output: Any) -> Any:
            return output

        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            self.count += 1

    model, handler = fake_model(), Nothing()

    def run() -> int:
        handler.count = 0
        model.invoke("hi", {"callbacks": [handler]})
        return handler.count

    return run


def token_rows(libs: dict[str, Any], rounds: int, budget: float) -> list[dict[str, Any]]:
    """Measure (rows interleaved round by round, so machine noise hits all alike) and print
    the token table; return its rows."""
    measured = [
        ("bare GenericFakeChatModel.stream() (no graph)", "model", bare_model()),
        ("model.invoke() + a do-nothing streaming handler (no graph)", "model", invoke_floor()),
    ]
    for name, lib in libs.items():
        measured.append(
            (f"{name}: model.invoke() in a node, stream(messages)", name, graph_messages(lib))
        )
    measured.append(
        (
            "streamgraph: get_message_writer() in a node, stream(messages)",
            "streamgraph",
            native_emitter(libs["streamgraph"]),
        )
    )
    repeats = [_calibrate(run, budget) for _, _, run in measured]
    samples: list[list[float]] = [[] for _ in measured]
    for _ in range(rounds * 3):
        for index, (_, _, run) in enumerate(measured):
            start = time.perf_counter()
            total = sum(run() for _ in range(repeats[index]))
            samples[index].append(total / (time.perf_counter() - start))
    print(f"\n| {'token streaming (chunks/s received)':66} | {'chunks/s':>12} | {'of bare':>8} |")
    print(f"|{'-' * 68}|{'-' * 14}:|{'-' * 10}:|")
    rows = []
    bare = statistics.median(samples[0])
    for (label, lib_name, _), values in zip(measured, samples, strict=True):
        per_second = statistics.median(values)
        share = "-" if "get_message_writer" in label else f"{per_second / bare:.0%}"
        print(f"| {label:66} | {per_second:>12,.0f} | {share:>8} |", flush=True)
        rows.append({"workload": label, "library": lib_name, "chunks_per_second": per_second})
    return rows


def _calibrate(run: Any, budget: float) -> int:
    """Runs per sample (about ``budget`` seconds); checks the reply really streams."""
    run()  # warm up
    start = time.perf_counter()
    count = run()
    once = time.perf_counter() - start
    assert count >= TOKENS - 1, f"only {count} chunks streamed: the reply was not streamed"
    return max(1, int(budget / max(once, 1e-6)))
