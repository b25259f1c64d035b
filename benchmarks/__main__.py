"""``python -m benchmarks [--quick] [--json FILE]``: streamgraph next to LangGraph.

Both libraries run in this process, interleaved round by round, so that machine noise hits
both alike; each row reports the median time per run and the ratio LangGraph / streamgraph.
Without LangGraph installed, only streamgraph's numbers are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks.workloads import WORKLOADS, is_async, load


def time_sync(run: Any, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        run()
    return (time.perf_counter() - start) / repeat


def time_async(loop: asyncio.AbstractEventLoop, run: Any, repeat: int) -> float:
    async def many() -> float:
        start = time.perf_counter()
        for _ in range(repeat):
            await run()
        return (time.perf_counter() - start) / repeat

    return loop.run_until_complete(many())


def calibrate(measure: Any, budget: float) -> int:
    """How many runs fit in ``budget`` seconds (at least one)."""
    once = measure(1)
    return max(1, int(budget / max(once, 1e-7)))


def bench_workload(
    name: str, libs: dict[str, Any], rounds: int, budget: float, factory: Any = None
) -> dict[str, float]:
    loop = asyncio.new_event_loop()
    measures = {}
    for lib_name, lib in libs.items():
        run = (factory or WORKLOADS[name])(lib)
        if is_async(run):
            measures[lib_name] = lambda n, run=run: time_async(loop, run, n)
        else:
            measures[lib_name] = lambda n, run=run: time_sync(run, n)
        measures[lib_name](1)  # warm up
    repeats = {lib_name: calibrate(m, budget) for lib_name, m in measures.items()}
    samples: dict[str, list[float]] = {lib_name: [] for lib_name in libs}
    for _ in range(rounds):
        for lib_name, measure in measures.items():
            samples[lib_name].append(measure(repeats[lib_name]))
    loop.close()
    return {lib_name: statistics.median(values) for lib_name, values in samples.items()}


def import_time(module: str, rounds: int) -> float:
    """Median time of ``import module`` in a fresh interpreter, bytecode already compiled
    (as after ``pip install``: the first, untimed run writes it)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    times = []
    for _ in range(rounds + 1):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        times.append(float(out.stdout))
    return statistics.median(times[1:])


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds * 1e6:,.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer rounds, rougher numbers")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    rounds, budget = (3, 0.05) if args.quick else (7, 0.2)

    libs = {"streamgraph": load("streamgraph")}
    try:
        libs["langgraph"] = load("langgraph")
    except ImportError:
        print("(langgraph is not installed: streamgraph's numbers only)")

    rows: list[dict[str, Any]] = []
    header = f"| {'workload':66} | {'streamgraph':>12} | {'langgraph':>12} | {'speed-up':>8} |"
    print(header)
    print(f"|{'-' * 68}|{'-' * 14}:|{'-' * 14}:|{'-' * 10}:|")
    for name in WORKLOADS:
        result = bench_workload(name, libs, rounds, budget)
        rows.append({"workload": name, **result})
        print_row(name, result)
    imports = {"streamgraph": import_time("streamgraph.graph", rounds)}
    if "langgraph" in libs:
        imports["langgraph"] = import_time("langgraph.graph", rounds)
    name = "cold `import <lib>.graph` (fresh interpreter)"
    rows.append({"workload": name, **imports})
    print_row(name, imports)
    from benchmarks.tokens import token_rows

    rows.extend(token_rows(libs, rounds, budget))
    rows.extend(persistence_rows(libs, rounds, budget))
    from benchmarks.v3 import v3_rows

    rows.extend(v3_rows(libs, rounds, budget))
    try:
        import uvicorn  # noqa: F401 - the server extra
    except ImportError:
        print("(the server extra is not installed: no server benchmarks)")
    else:
        from benchmarks.server import server_rows

        rows.extend(server_rows(quick=args.quick))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)


def persistence_rows(libs: dict[str, Any], rounds: int, budget: float) -> list[dict[str, Any]]:
    """Big state, long threads, many events (``benchmarks/persistence.py``)."""
    from benchmarks import persistence

    rows: list[dict[str, Any]] = []
    print(
        f"\n| {'big state and long threads':66} | {'streamgraph':>12} | {'langgraph':>12} | "
        f"{'speed-up':>8} |"
    )
    print(f"|{'-' * 68}|{'-' * 14}:|{'-' * 14}:|{'-' * 10}:|")
    with persistence.postgres_database() as pg_url:
        savers = persistence.Savers(pg_url)
        try:
            for name, factory in persistence.time_workloads(savers).items():
                result = bench_workload(name, libs, min(rounds, 3), budget, factory)
                rows.append({"workload": name, **result})
                print_row(name, result)
        finally:
            savers.close()
    events = {name: persistence.custom_events(name) for name in libs}
    name = f"{persistence.EVENTS:,} custom events from one node, stream(custom)"
    result = {lib_name: found["seconds"] for lib_name, found in events.items()}
    rows.append({"workload": name, **result})
    print_row(name, result)
    print(
        f"\n| {'memory (less is better)':66} | {'streamgraph':>12} | {'langgraph':>12} | "
        f"{'ratio':>8} |"
    )
    print(f"|{'-' * 68}|{'-' * 14}:|{'-' * 14}:|{'-' * 10}:|")
    memory = {
        f"peak memory of the {persistence.EVENTS:,} custom events run": {
            lib_name: found["peak_bytes"] for lib_name, found in events.items()
        },
        "InMemorySaver holding a 10k-checkpoint thread": {
            lib_name: float(persistence.in_memory_saver_bytes(lib))
            for lib_name, lib in libs.items()
        },
    }
    for name, result in memory.items():
        rows.append({"workload": name, "unit": "bytes", **result})
        print_memory_row(name, result)
    return rows


def print_memory_row(name: str, result: dict[str, float]) -> None:
    ours = result["streamgraph"]
    theirs = result.get("langgraph")
    other = f"{theirs / 2**20:,.1f} MB" if theirs is not None else "-"
    ratio = f"{ours / theirs:.2f}x" if theirs else "-"
    print(f"| {name:66} | {ours / 2**20:>9,.1f} MB | {other:>12} | {ratio:>8} |", flush=True)


def print_row(name: str, result: dict[str, float]) -> None:
    ours = result["streamgraph"]
    theirs = result.get("langgraph")
    other = fmt(theirs) if theirs is not None else "-"
    ratio = f"{theirs / ours:.1f}x" if theirs is not None else "-"
    print(f"| {name:66} | {fmt(ours):>12} | {other:>12} | {ratio:>8} |", flush=True)


if __name__ == "__main__":
    main()
