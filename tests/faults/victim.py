"""A graph run for the fault tests, in its own process: ``python victim.py KIND TARGET THREAD
LOG DURABILITY run|resume [STALL]``.

A 12-node chain; every node appends "start <name>" and "done <name>" to LOG (flushed at once)
and sleeps 50 ms in between. Node STALL, if given, never finishes: the test kills the process
while it runs, whatever the machine's speed. With ``resume`` it continues the thread from its
checkpoint; in both modes it prints the final state as JSON when the run finishes.
"""

from __future__ import annotations

import json
import operator
import os
import sys
import threading
import time
from contextlib import contextmanager
from typing import Annotated, Any, TypedDict

from streamgraph.graph import START, StateGraph

NODES = [f"n{i:02d}" for i in range(12)]


class State(TypedDict):
    done: Annotated[list, operator.add]


def log(path: str, line: str) -> None:
    with open(path, "a") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def node(name: str, log_path: str, stall: bool = False) -> Any:
    def run(state: State) -> dict:
        log(log_path, f"start {name}")
        if stall:
            threading.Event().wait()  # until the process is killed
        time.sleep(0.05)
        log(log_path, f"done {name}")
        return {"done": [name]}

    run.__name__ = name
    return run


@contextmanager
def saver_for(kind: str, target: str) -> Any:
    if kind == "sqlite":
        from streamgraph.checkpoint.sqlite import SqliteSaver

        with SqliteSaver.from_conn_string(target) as saver:
            yield saver
    else:
        from streamgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(target) as saver:
            saver.setup()
            yield saver


def main(
    kind: str, target: str, thread: str, log_path: str, durability: str, mode: str, stall: str = ""
) -> None:
    builder = StateGraph(State)
    builder.add_sequence([node(name, log_path, name == stall) for name in NODES])
    builder.add_edge(START, NODES[0])
    with saver_for(kind, target) as saver:
        graph = builder.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": thread}}
        result = graph.invoke(
            {"done": []} if mode == "run" else None, config, durability=durability
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
