"""SqliteSaver specifics: shared by many threads at once, and its state outlives the process
(the file is the database)."""

from __future__ import annotations

import operator
import threading
from pathlib import Path
from typing import Annotated, TypedDict

from streamgraph.checkpoint.sqlite import SqliteSaver
from streamgraph.graph import START, StateGraph


class S(TypedDict):
    log: Annotated[list, operator.add]


def build(saver: SqliteSaver):  # type: ignore[no-untyped-def]
    def a(state: S) -> dict:
        return {"log": ["a"]}

    def b(state: S) -> dict:
        return {"log": ["b"]}

    return StateGraph(S).add_sequence([a, b]).add_edge(START, "a").compile(checkpointer=saver)


def test_one_saver_shared_by_many_threads(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with SqliteSaver.from_conn_string(str(tmp_path / "db.sqlite")) as saver:
        graph = build(saver)

        def worker(index: int) -> None:
            try:
                for run in range(5):
                    config = {"configurable": {"thread_id": f"t{index}"}}
                    graph.invoke({"log": [f"run{run}"]}, config, durability="sync")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for index in range(8):
            state = graph.get_state({"configurable": {"thread_id": f"t{index}"}})
            assert state.values["log"] == [x for run in range(5) for x in (f"run{run}", "a", "b")]
            history = list(graph.get_state_history({"configurable": {"thread_id": f"t{index}"}}))
            assert len(history) == 5 * 4  # input, after start, after a, after b; per run


def test_state_survives_reopening_the_file(tmp_path: Path) -> None:
    path = str(tmp_path / "db.sqlite")
    config = {"configurable": {"thread_id": "kept"}}
    with SqliteSaver.from_conn_string(path) as saver:
        build(saver).invoke({"log": []}, config)
    with SqliteSaver.from_conn_string(path) as saver:
        graph = build(saver)
        assert graph.get_state(config).values == {"log": ["a", "b"]}
        assert graph.invoke({"log": ["again"]}, config)["log"] == ["a", "b", "again", "a", "b"]
