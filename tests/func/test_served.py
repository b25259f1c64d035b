"""An ``@entrypoint`` served over HTTP: schemas, a run interrupted inside a call, its resume."""

from __future__ import annotations

from typing import Any

from streamgraph.func import entrypoint, task
from streamgraph.sdk import get_sync_client
from streamgraph.types import interrupt
from tests.server.conftest import start_server


@task
def double(n: int) -> int:
    return n * 2


@entrypoint()
def program(n: int, *, previous: Any = None) -> dict[str, Any]:
    doubled = double(n).result()
    return {"doubled": doubled, "ok": interrupt("ok?"), "previous": previous}


def test_an_entrypoint_runs_and_resumes_over_http() -> None:
    server = start_server(graphs={"program": program})
    try:
        with get_sync_client(url=server.url) as client:
            _run_and_resume(client)
    finally:
        server.stop()


def _run_and_resume(client: Any) -> None:
    schemas = client.assistants.get_schemas("program")
    assert schemas["input_schema"] == {"title": "LangGraphInput", "type": "integer"}
    thread = client.threads.create()["thread_id"]
    first = [
        (part.event, part.data)
        for part in client.runs.stream(thread, "program", input=3, stream_mode="updates")
    ][1:]
    assert first[0] == ("updates", {"double": 6})
    assert first[1][1]["__interrupt__"][0]["value"] == "ok?"
    resumed = client.runs.wait(thread, "program", command={"resume": "yes"})
    assert resumed == {"doubled": 6, "ok": "yes", "previous": None}
    assert client.threads.get_state(thread)["values"] == resumed
