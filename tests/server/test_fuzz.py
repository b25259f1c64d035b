"""A seeded mutation fuzz of every route, on SQLite and Postgres: valid requests (real ids,
a thread with checkpoints) with one to three parts replaced by hostile values (deep JSON,
integers past 64 bits and past the database's, NUL and lone surrogates in strings, huge
lists, wrong types, unknown nodes and checkpoints, missing or extra fields) in the body, the
query, the path or the headers. No response may be a 5xx; every 4xx has a string
``detail``. The seeds are fixed: a failure repeats (its request is in the message)."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import random
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from streamgraph.server.routing import ENDPOINTS
from tests.server.conftest import ServerThread, start_server

pytestmark = pytest.mark.timeout(300)

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", 1500))  # per backend (10-20 s each here)
SEED = int(os.environ.get("FUZZ_SEED", 0))  # added to the suite's seeds, to explore


def _deep(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for i in range(depth):
        value = {"a": value} if i % 2 else [value]
    return value


HOSTILE: list[Any] = [
    None,
    True,
    0,
    -1,
    2**31,
    2**53 + 1,
    2**63,
    2**64 + 1,
    -(2**63) - 1,
    10**30,
    1e308,
    -1e308,
    0.5,
    "",
    " ",
    "\x00",
    "a\x00b",
    "💥\u2028",
    "x" * 20_000,
    "*",
    "-",
    "../../etc/passwd",
    "1795299239697-0",
    "00000000-0000-0000-0000-000000000000",
    "not-a-uuid",
    [],
    {},
    [None],
    [1, "a", {}],
    {"": None},
    {"\x00": 1},
    {"__proto__": {"x": 1}},
    list(range(5000)),
    _deep(50),
    _deep(200),
    "__DEEP300__",
    "__DEEP__",  # (replaced by 3,000 nested arrays once encoded: orjson cannot write them)
]
DEEP = b"[" * 3000 + b"]" * 3000
RAW_BODIES = [
    b'"\\ud800"',
    b'{"a": "\\udfff"}',
    b"\xff\xfe",
    b"1" * 400,
    b'{"a": 1e999}',
    b"[" * 5000 + b"]" * 5000,
    b'{"assistant_id": "joke", "input": {"topic": "\\u0000"}}',
]


class World:
    """Real objects for the paths and bodies: an assistant, a thread with checkpoints, a
    run and a checkpoint id."""

    def __init__(self, client: httpx.Client) -> None:
        self.assistant = client.post("/assistants", json={"graph_id": "joke"}).json()[
            "assistant_id"
        ]
        self.thread = client.post("/threads", json={}).json()["thread_id"]
        client.post(
            f"/threads/{self.thread}/runs/wait",
            json={"assistant_id": "joke", "input": {"topic": "f"}},
        )
        self.run = client.get(f"/threads/{self.thread}/runs").json()[0]["run_id"]
        history = client.post(f"/threads/{self.thread}/history", json={"limit": 3}).json()
        self.checkpoint = history[-1]["checkpoint"]["checkpoint_id"]

    def path(self, template: str, rng: random.Random) -> str:
        values = {
            "assistant_id": self.assistant,
            "thread_id": self.thread,
            "run_id": self.run,
            "checkpoint_id": self.checkpoint,
        }
        return re.sub(r"\{([a-z_]+)\}", lambda m: values[m[1]], template)

    def body(self, method: str, path: str) -> Any:
        run = {
            "assistant_id": "joke",
            "input": {"topic": "x"},
            "stream_mode": ["values", "updates"],
            "config": {"recursion_limit": 10, "tags": ["t"], "configurable": {"a": 1}},
            "metadata": {"m": 1},
            "interrupt_before": ["generate_joke"],
            "after_seconds": 0,
            "checkpoint_during": True,
            "durability": "sync",
            "feedback_keys": ["a"],
            "checkpoint": {"checkpoint_id": self.checkpoint, "checkpoint_ns": ""},
            "command": {"update": {"topic": "y"}, "goto": ["refine_topic"]},
        }
        checkpoint = {"checkpoint_id": self.checkpoint, "checkpoint_ns": ""}
        bodies: dict[str, Any] = {
            "POST /assistants": {
                "graph_id": "joke",
                "config": {"configurable": {"a": 1}},
                "metadata": {"k": "v"},
                "name": "n",
                "context": {"c": 1},
                "if_exists": "do_nothing",
            },
            "POST /assistants/search": {
                "graph_id": "joke",
                "metadata": {"k": "v"},
                "limit": 10,
                "offset": 0,
                "sort_by": "created_at",
                "sort_order": "desc",
                "name": "n",
            },
            "POST /assistants/count": {"graph_id": "joke", "metadata": {"k": "v"}, "name": "x"},
            "PATCH /assistants/{assistant_id}": {"metadata": {"k": 2}, "name": "m"},
            "POST /assistants/{assistant_id}/versions": {"metadata": {}, "limit": 5},
            "POST /assistants/{assistant_id}/latest": {"version": 1},
            "POST /threads/{thread_id}/runs": {**run, "multitask_strategy": "enqueue"},
            "POST /threads/{thread_id}/runs/stream": {**run, "on_disconnect": "continue"},
            "POST /threads/{thread_id}/runs/wait": run,
            "POST /runs": {**run, "on_completion": "delete"},
            "POST /runs/stream": run,
            "POST /runs/wait": {**run, "on_completion": "keep"},
            "POST /runs/batch": [run, {"assistant_id": "joke", "input": {"topic": "b"}}],
            "POST /runs/cancel": {"thread_id": self.thread, "run_ids": [self.run]},
            "POST /threads": {
                "metadata": {"k": 1},
                "if_exists": "do_nothing",
                "supersteps": [
                    {"updates": [{"values": {"topic": "a"}, "as_node": "refine_topic"}]}
                ],
                "graph_id": "joke",
            },
            "POST /threads/search": {
                "metadata": {"k": 1},
                "values": {"topic": "x"},
                "status": "idle",
                "limit": 10,
                "ids": [self.thread],
            },
            "POST /threads/count": {"metadata": {}, "values": {"topic": "f"}},
            "POST /threads/prune": {"thread_ids": [str(uuid.uuid4())], "strategy": "delete"},
            "PATCH /threads/{thread_id}": {"metadata": {"a": 1}},
            "POST /threads/{thread_id}/state/checkpoint": {"checkpoint": checkpoint},
            "POST /threads/{thread_id}/state": {
                "values": {"topic": "y"},
                "as_node": "refine_topic",
                "checkpoint": checkpoint,
            },
            "POST /threads/{thread_id}/history": {
                "limit": 10,
                "before": {"checkpoint_id": self.checkpoint},
                "metadata": {"step": 1},
                "checkpoint": {"checkpoint_ns": ""},
            },
        }
        return copy.deepcopy(bodies.get(f"{method} {path}"))


def _slots(value: Any, where: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON value (as key paths), the value itself included."""
    yield where
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _slots(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _slots(item, (*where, index))


def _put(value: Any, where: tuple[Any, ...], new: Any) -> Any:
    if not where:
        return new
    container = value
    for key in where[:-1]:
        container = container[key]
    container[where[-1]] = new
    return value


def _mutate(body: Any, rng: random.Random) -> Any:
    for _ in range(rng.randint(1, 3)):
        slots = list(_slots(body))
        where = rng.choice(slots)
        action = rng.random()
        if action < 0.7:
            body = _put(body, where, copy.deepcopy(rng.choice(HOSTILE)))
        elif action < 0.85 and where:  # delete it
            container = body
            for key in where[:-1]:
                container = container[key]
            del container[where[-1]]
        else:  # an extra field next to it
            container = body
            for key in where:
                if not isinstance(container, dict | list):
                    break
                container = container[key]
            if isinstance(container, dict):
                container[rng.choice(["limit", "as_node", "x", "\x00"])] = rng.choice(HOSTILE)
    return body


def _query(item: Any, rng: random.Random) -> dict[str, str]:
    names = [*item.query, "limit", "offset", "subgraphs"]
    values = ["-1", "0", "1", "99999999999999999999", "true", "maybe", "", "\x00", "[1", "[]"]
    values += ['["values", 5]', "1795299239697-0", "values", "x" * 5000]
    return {rng.choice(names): rng.choice(values) for _ in range(rng.randint(0, 3))}


def _headers(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.8:
        return {}
    value = rng.choice(["-1", "abc", "99999999999999999999999", "1795299239697-0", "", "1e3"])
    return {"Last-Event-ID": value}


async def _fuzz(server: ServerThread, seed: int) -> list[str]:
    rng = random.Random(seed)
    with httpx.Client(base_url=server.url, timeout=60) as setup:
        world = World(setup)
    failures: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:

        async def one(n: int) -> None:
            item = rng.choice(ENDPOINTS)
            path = world.path(item.path, rng)
            if "{" in item.path and rng.random() < 0.1:  # a hostile id in the path
                path = path.replace(world.thread, rng.choice(["%00", "x" * 300, "-1"]))
            content: bytes | None = None
            if item.body is not None:
                if rng.random() < 0.05:
                    content = rng.choice(RAW_BODIES)
                else:
                    body = _mutate(world.body(item.method, item.path), rng)
                    content = json.dumps(body).encode()  # (orjson stops at 64-bit integers)
                    content = content.replace(b'"__DEEP__"', DEEP)
                    content = content.replace(b'"__DEEP300__"', b"[" * 300 + b"]" * 300)
            query = _query(item, rng)
            headers = _headers(rng)
            try:
                response = await client.request(
                    item.method, path, content=content, params=query, headers=headers
                )
            except httpx.HTTPError as error:
                failures.append(f"#{n} {item.method} {path} {query} {headers}: {error!r}")
                return
            text = response.text
            if response.status_code >= 500:
                failures.append(
                    f"#{n} {item.method} {path} {query} {headers} "
                    f"{(content or b'')[:300]!r} -> {response.status_code} {text[:300]}"
                )
            elif response.status_code >= 400 and not isinstance(response.json()["detail"], str):
                failures.append(f"#{n} {item.method} {path}: detail not a string: {text[:200]}")

        for start in range(0, REQUESTS, 10):  # ten at a time
            await asyncio.gather(*(one(n) for n in range(start, min(start + 10, REQUESTS))))
    return failures


def test_fuzz_every_route_sqlite(tmp_path: Any) -> None:
    server = start_server(storage=str(tmp_path / "db.sqlite"))
    try:
        failures = asyncio.run(_fuzz(server, seed=2024 + SEED))
    finally:
        server.stop()
    assert not failures, "\n".join(failures[:30]) + f"\n({len(failures)} in all)"


def test_fuzz_every_route_postgres(pg_url: str) -> None:
    server = start_server(storage=pg_url)
    try:
        failures = asyncio.run(_fuzz(server, seed=4202 + SEED))
    finally:
        server.stop()
    assert not failures, "\n".join(failures[:30]) + f"\n({len(failures)} in all)"
