"""The checkpoint serializers round-trip every type a graph's state may hold, and refuse
what they cannot restore instead of pickling it. Each reads what the other wrote (databases
written before the msgpack format stay readable)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import uuid4

import ormsgpack
import pytest
from pydantic import BaseModel

from streamgraph.checkpoint.serde import JsonSerializer, PackSerializer
from streamgraph.types import Command, Interrupt, Overwrite, Send


class Color(enum.Enum):
    RED = "red"


@dataclass
class Point:
    x: int
    tags: set[str]
    extra: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Frozen:
    a: int
    b: int = field(init=False, default=2)


class Model(BaseModel):
    name: str
    point: Point | None = None
    when: dt.datetime | None = None


VALUES: list[Any] = [
    None,
    True,
    1,
    2.5,
    "text",
    [1, [2]],
    {"a": {"b": 1}},
    (1, "two", (3,)),
    {1, 2},
    frozenset({"x"}),
    b"\x00\xff",
    bytearray(b"ab"),
    dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
    dt.date(2026, 1, 2),
    dt.time(3, 4),
    dt.timedelta(days=1, seconds=2),
    uuid4(),
    Decimal("1.10"),
    Color.RED,
    {1: "int key", (1, 2): "tuple key"},
    {"__sg__": "a user key that looks like a tag"},
    Point(1, {"a"}, [3]),
    Frozen(1),
    Model(name="m", point=Point(2, set()), when=dt.datetime(2026, 1, 1)),
    Send("node", {"arg": (1,)}),
    Interrupt("why?", "id1"),
    Overwrite([1]),
    Command(update={"a": 1}, goto="x", resume={"i": 2}),
]


SERIALIZERS = [JsonSerializer, PackSerializer]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_round_trip(value: Any, serializer: Any) -> None:
    serde = serializer()
    if isinstance(value, bytearray) and serializer is PackSerializer:
        value = bytes(value)  # msgpack has one binary type, as with LangGraph's serializer
    restored = serde.loads_typed(serde.dumps_typed(value))
    assert restored == value
    assert type(restored) is type(value)


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_the_default_reads_what_json_wrote(value: Any) -> None:
    restored = PackSerializer().loads_typed(JsonSerializer().dumps_typed(value))
    assert restored == value
    assert type(restored) is type(value)


def test_values_beyond_msgpack_types_round_trip() -> None:
    serde = PackSerializer()
    nested = {
        "big": [2**80, -(2**70)],
        "keys": {1: {(2, "x"): [Point(3, {"t"}, [4])]}},
        "in a model": Model(name="n", point=Point(1, set(), [{5: "int key in a dataclass"}])),
    }
    assert serde.loads_typed(serde.dumps_typed(nested)) == nested


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_langchain_messages_round_trip(serializer: Any) -> None:
    from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

    serde = serializer()
    messages = [
        HumanMessage("hi", id="h1"),
        AIMessage("hello", id="a1", tool_calls=[{"name": "t", "args": {"q": 1}, "id": "c1"}]),
        ToolMessage("result", tool_call_id="c1"),
        AIMessageChunk("tok"),
    ]
    restored = serde.loads_typed(serde.dumps_typed({"messages": messages}))
    assert restored == {"messages": messages}
    assert [type(m) for m in restored["messages"]] == [type(m) for m in messages]


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_values_of_unknown_types_are_refused_with_their_name(serializer: Any) -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="cannot store a value of type .*Opaque"):
        serializer().dumps_typed({"x": Opaque()})
    with pytest.raises(TypeError, match="cannot store a value of type .*Opaque"):
        serializer().dumps_typed([Point(1, set(), [Opaque()])])  # deep inside a dataclass


def test_stored_data_naming_a_non_model_class_is_refused() -> None:
    serde = JsonSerializer()
    evil = b'{"__sg__": "dataclass", "cls": ["os", "system"], "v": {}}'
    with pytest.raises(TypeError, match="not a class"):
        serde.loads_typed(("json", evil))
    not_imported = b'{"__sg__": "pydantic", "cls": ["some_module_never_imported", "X"], "v": {}}'
    with pytest.raises(TypeError, match="is not imported"):
        serde.loads_typed(("json", not_imported))
    with pytest.raises(TypeError, match="'pickle'.*nothing is ever unpickled"):
        serde.loads_typed(("pickle", b"..."))


def test_msgpack_data_naming_a_non_model_class_is_refused() -> None:
    serde = PackSerializer()

    def ext(code: int, payload: Any) -> ormsgpack.Ext:
        return ormsgpack.Ext(code, ormsgpack.packb(payload))

    evil = ormsgpack.packb([{"deep": ext(0, [ext(11, ["os", "system", {}])])}])
    with pytest.raises(TypeError, match="not a class"):
        serde.loads_typed(("sgpack", evil))
    not_imported = ormsgpack.packb(ext(10, ["some_module_never_imported", "X", {}]))
    with pytest.raises(TypeError, match="is not imported"):
        serde.loads_typed(("sgpack", not_imported))
    with pytest.raises(TypeError, match="unknown extension code 99"):
        serde.loads_typed(("sgpack", ormsgpack.packb(ormsgpack.Ext(99, b""))))


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_a_send_keeps_its_timeout(serializer: Any) -> None:
    from streamgraph.types import TimeoutPolicy

    serde = serializer()
    send = Send("node", {"x": 1}, timeout=TimeoutPolicy(run_timeout=2.5, idle_timeout=1.0))
    restored = serde.loads_typed(serde.dumps_typed(send))
    assert restored == send
    assert restored.timeout == send.timeout


class Tag(str):
    """A ``str`` subclass, as LangChain's ``TextAccessor`` (``message.text``)."""


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_str_int_float_subclasses_are_stored_as_their_base(serializer: Any) -> None:
    class Count(int):
        pass

    class Ratio(float):
        pass

    serde = serializer()
    restored = serde.loads_typed(serde.dumps_typed({"t": Tag("a"), "n": Count(2), "r": Ratio(0.5)}))
    assert restored == {"t": "a", "n": 2, "r": 0.5}
    assert [type(v) for v in restored.values()] == [str, int, float]


@pytest.mark.parametrize("serializer", SERIALIZERS)
def test_a_model_defined_in_a_function_reads_back_as_its_fields(
    serializer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    class Local(BaseModel):  # not findable by name once stored: LangGraph gives a dict too
        a: int

    @dataclass
    class LocalPoint:
        x: int

    serde = serializer()
    with caplog.at_level("WARNING"):
        restored = serde.loads_typed(serde.dumps_typed([Local(a=1), LocalPoint(2)]))
    assert restored == [{"a": 1}, {"x": 2}]
    assert "defined inside a function" in caplog.text
