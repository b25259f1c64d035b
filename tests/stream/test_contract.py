"""Bad input gets clear errors; memory stays bounded for what nobody reads; transformers'
contract (native attributes, named channels, the async lane); protocol events for servers."""

from __future__ import annotations

import asyncio
import tracemalloc
from typing import Any, TypedDict

import pytest

from streamgraph.config import get_stream_writer
from streamgraph.graph import START, StateGraph
from streamgraph.stream import (
    CustomTransformer,
    ProtocolEncoder,
    ProtocolEvent,
    StreamChannel,
    StreamTransformer,
    astream_protocol_events,
)
from tests.stream.test_run_stream import START_INPUT, chain, nested


class Passthrough(StreamTransformer):
    def init(self) -> dict[str, Any]:
        return {}

    def process(self, event: ProtocolEvent) -> bool:
        return True


def test_versions() -> None:
    graph = chain("a")
    with pytest.raises(ValueError, match="'v4'"):
        graph.stream_events(START_INPUT, version="v4")
    with pytest.raises(ValueError, match="'v4'"):
        graph.astream_events(START_INPUT, version="v4")
    with pytest.raises(NotImplementedError, match="astream_events"):
        graph.stream_events(START_INPUT, version="v2")
    assert graph.stream_events(START_INPUT).output["value"] == "a"  # v3 is the default
    with pytest.raises(TypeError, match="version='v3'"):
        graph.astream_events(START_INPUT, transformers=[CustomTransformer])  # a v2 run


@pytest.mark.parametrize(
    ("transformers", "error", "match"),
    [
        ([Passthrough()], TypeError, "pre-built instance Passthrough"),
        ([int], TypeError, "int is not a StreamTransformer subclass"),
        ([42], TypeError, "got int: 42"),
        ([lambda scope: "nope"], TypeError, "returned str, not a StreamTransformer"),
        (CustomTransformer, TypeError, "must be a list"),
    ],
)
def test_transformers_that_are_not_transformers(transformers: Any, error: Any, match: str) -> None:
    with pytest.raises(error, match=match):
        chain("a").stream_events(START_INPUT, version="v3", transformers=transformers)


def test_compile_checks_its_transformers() -> None:
    builder = StateGraph(TypedDict("S", {"x": int}))  # type: ignore[operator]
    builder.add_node("a", lambda s: s).add_edge(START, "a")
    with pytest.raises(TypeError, match="compile\\(transformers=...\\).*pre-built instance"):
        builder.compile(transformers=[Passthrough()])


def test_transformer_contract_errors() -> None:
    class ListInit(Passthrough):
        def init(self) -> Any:
            return ["values"]

    class Clash(Passthrough):
        def init(self) -> dict[str, Any]:
            return {"values": StreamChannel()}

    class NeedsLoop(Passthrough):
        requires_async = True

    class UnknownMode(Passthrough):
        required_stream_modes = ("telepathy",)

    graph = chain("a")
    for cls, error, match in [
        (ListInit, TypeError, "must return a dict of projections, got list"),
        (Clash, ValueError, "'values' \\(owned by ValuesTransformer\\)"),
        (NeedsLoop, RuntimeError, "requires an async run"),
        (UnknownMode, ValueError, "'telepathy'"),
    ]:
        with pytest.raises(error, match=match):
            graph.stream_events(START_INPUT, version="v3", transformers=[cls])
    for kwargs, match in [
        ({"stream_mode": "values"}, "stream_mode"),
        ({"subgraphs": True}, "subgraphs"),
        ({"debug": True}, "unexpected keyword arguments: debug"),
    ]:
        with pytest.raises(TypeError, match=match):
            graph.stream_events(START_INPUT, version="v3", **kwargs)


def test_native_and_named_projections() -> None:
    class Counter(StreamTransformer):
        _native = True

        def __init__(self, scope: tuple[str, ...] = ()) -> None:
            super().__init__(scope)
            self.count: StreamChannel[int] = StreamChannel("count")
            self.seen = 0

        def init(self) -> dict[str, Any]:
            return {"count": self.count}

        def process(self, event: ProtocolEvent) -> bool:
            if event["method"] == "values":
                self.seen += 1
                self.count.push(self.seen)
            return event["method"] != "values"  # keep values out of the main log

    run = chain("a").stream_events(START_INPUT, version="v3", transformers=[Counter])
    counts = iter(run.count)  # native: an attribute
    events = list(run)
    assert [(e["method"], e["params"]["data"]) for e in events] == [("count", 1), ("count", 2)]
    assert list(counts) == [1, 2]


def test_async_lane_transformers() -> None:
    class Scored(StreamTransformer):
        requires_async = True

        def __init__(self, scope: tuple[str, ...] = ()) -> None:
            super().__init__(scope)
            self.scores: StreamChannel[int] = StreamChannel()

        def init(self) -> dict[str, Any]:
            return {"scores": self.scores}

        async def aprocess(self, event: ProtocolEvent) -> bool:
            if event["method"] == "values":

                async def score() -> None:
                    await asyncio.sleep(0)
                    self.scores.push(len(event["params"]["data"]["items"]))

                self.schedule(score())
            return True

    async def main() -> list[int]:
        run = await chain("a", "b").astream_events(START_INPUT, version="v3", transformers=[Scored])
        scores = aiter(run.extensions["scores"])
        await run.output()
        return sorted([s async for s in scores])

    assert asyncio.run(main()) == [0, 1, 2]


class Count(TypedDict):
    n: int


def writes(count: int) -> Any:
    def node(state: Count) -> dict[str, int]:
        write = get_stream_writer()
        for i in range(count):
            write(i)
        return {"n": count}

    return StateGraph(Count).add_node("w", node).add_edge(START, "w").compile()


@pytest.mark.parametrize("runs", [1, 2])  # 2: the node then runs on a worker thread
def test_events_nobody_reads_are_not_kept(runs: int) -> None:
    graph = writes(100_000)
    for _ in range(runs - 1):
        graph.stream_events({"n": 0}, version="v3").output  # noqa: B018
    tracemalloc.start()
    try:
        run = graph.stream_events({"n": 0}, version="v3", transformers=[CustomTransformer])
        assert run.output == {"n": 100_000}
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # all 100k events held would be ~10 MB
    assert not run.custom._items and not run._mux._events._items


def test_a_subscribed_projection_keeps_what_is_not_read_yet() -> None:
    run = writes(1000).stream_events({"n": 0}, version="v3", transformers=[CustomTransformer])
    custom = iter(run.custom)
    run.output  # noqa: B018 - reading output drives the run to its end
    assert len(run.custom._items) == 1000
    assert list(custom) == list(range(1000))


def test_protocol_events_for_servers_match_the_main_log() -> None:
    graph = nested()

    async def main() -> list[ProtocolEvent]:
        return [e async for e in astream_protocol_events(graph, START_INPUT)]

    served = asyncio.run(main())
    main_log = list(graph.stream_events(START_INPUT, version="v3"))

    def comparable(event: ProtocolEvent) -> Any:
        params = {**event["params"], "timestamp": 0, "namespace": len(event["params"]["namespace"])}
        if event["method"] == "lifecycle":
            params["data"] = {**params["data"], "namespace": None, "trigger_call_id": None}
        return event["method"], params

    assert [comparable(e) for e in served] == [comparable(e) for e in main_log]
    assert all("seq" not in e for e in served)
    with pytest.raises(ValueError, match="unknown channels"):
        asyncio.run(astream_protocol_events(graph, START_INPUT, channels=["nope"]).__anext__())


def test_protocol_encoder_from_records() -> None:
    encoder = ProtocolEncoder(["values", "lifecycle"])
    start = {"id": "t1", "name": "i", "input": {}, "triggers": ()}
    assert encoder.encode(((), "updates", {"a": 1})) == []  # not a channel it keeps
    assert [e["method"] for e in encoder.encode((("sub:t0",), "tasks", start))] == ["lifecycle"]
    [values] = encoder.encode(((), "values", {"x": 1, "__interrupt__": ("i",)}))
    assert values["params"]["data"] == {"x": 1} and values["params"]["interrupts"] == ("i",)
    [ended] = encoder.fail(ValueError("broke"))
    assert ended["params"]["data"] == {
        "event": "failed",
        "namespace": ["sub:t0"],
        "error": "broke",
    }
