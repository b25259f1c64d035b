"""Databases written before incremental checkpoints stay readable, and their threads go on:
a checkpoint row holding its values as tagged JSON (no blobs, no refs) is read as it is, and
a child saved after it stores every value it keeps."""

from __future__ import annotations

from typing import Any

import pytest

from streamgraph.checkpoint.serde import JsonSerializer
from tests.conformance.test_checkpointer import Calls, checkpoint, config, new_thread, run

OLD_SQLITE = (
    "INSERT INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
    "type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
OLD_POSTGRES = (
    "INSERT INTO sg_checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, "
    "type, checkpoint, metadata, metadata_json) VALUES (%s, %s, %s, %s, %s, %s, "
    "convert_to(%s, 'UTF8'), %s::jsonb)"
)


async def insert_old_row(saver: Any, row: tuple[Any, ...]) -> None:
    """A checkpoint row as the savers wrote it before blobs (refs left NULL)."""
    from streamgraph.checkpoint.sqlite import SqliteSaver

    if isinstance(saver, SqliteSaver):
        saver.setup()
        with saver.transaction() as conn:
            conn.execute(OLD_SQLITE, row)
        return
    from psycopg_pool import ConnectionPool

    params = (*row, row[-1])
    if isinstance(saver.conn, ConnectionPool):
        with saver.conn.connection() as conn:
            conn.execute(OLD_POSTGRES, params)
    elif hasattr(saver, "loop"):  # the async saver
        await saver.conn.execute(OLD_POSTGRES, params)
    else:
        saver.conn.execute(OLD_POSTGRES, params)


def test_old_rows_are_read_and_continued(make_saver: Any, use_async: bool, saver_kind: str) -> None:
    if saver_kind == "memory":
        pytest.skip("nothing outlives an in-memory saver")
    json = JsonSerializer()

    async def body(call: Calls) -> None:
        thread = new_thread()
        old = checkpoint(0, {"kept": ("a", {1, 2}), "changed": 1})
        metadata = json.dumps({"source": "loop", "step": 0}).decode()
        await insert_old_row(
            call.saver, (thread, "", old["id"], None, "json", json.dumps(old), metadata)
        )
        found = await call("get_tuple", config(thread))
        assert found.checkpoint == old
        assert found.metadata == {"source": "loop", "step": 0}
        child = checkpoint(1, {"kept": ("a", {1, 2}), "changed": 2})
        child["channel_versions"] = {"kept": old["channel_versions"]["kept"], "changed": 5}
        await call("put", config(thread, "", old["id"]), child, {"step": 1}, {"changed": 5})
        found = await call("get_tuple", config(thread))
        assert found.checkpoint["channel_values"] == {"kept": ("a", {1, 2}), "changed": 2}
        assert [t.metadata["step"] for t in await call("list", config(thread))] == [1, 0]

    run(make_saver, use_async, body)
