"""Thread routes: create, read, search, edit, delete, copy, and the thread's state and
history through its graph (``server-api.md`` §1.2, §3.8)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from streamgraph.sdk.schema import Checkpoint, Thread, ThreadState, ThreadUpdateStateResponse
from streamgraph.server.access import (
    THREAD_COPY,
    THREAD_COUNT,
    THREAD_CREATE,
    THREAD_DELETE,
    THREAD_PRUNE,
    THREAD_READ,
    THREAD_SEARCH,
    THREAD_STATE_UPDATE,
    THREAD_UPDATE,
)
from streamgraph.server.api import ApiError, found, new_id, now, thread_row
from streamgraph.server.models import (
    JsonObject,
    ThreadCountRequest,
    ThreadCreate,
    ThreadPatch,
    ThreadPruneRequest,
    ThreadPruneResponse,
    ThreadSearchRequest,
    ThreadStateCheckpointRequest,
    ThreadStateSearch,
    ThreadStateUpdate,
    ThreadSuperstep,
)
from streamgraph.server.routing import Req, endpoint, json_response
from streamgraph.server.state import EMPTY_STATE, interrupts_map, json_ready, snapshot_json
from streamgraph.server.storage.base import Conflict

if TYPE_CHECKING:
    from streamgraph.server.api import Api

__all__ = ()


@endpoint(
    "POST",
    "/threads",
    body=ThreadCreate,
    response=Thread,
    errors=(400, 409),
    tag="threads",
    auth=THREAD_CREATE,
)
async def create_thread(api: Api, req: Req[ThreadCreate]) -> Thread:
    """Create a thread (``if_exists``: raise or do_nothing); ``supersteps`` fill it."""
    body = req.body
    thread_id = body.thread_id or new_id()
    metadata = dict(body.metadata or {})
    if body.graph_id:
        api.entry(body.graph_id)
        metadata.setdefault("graph_id", body.graph_id)
    try:
        thread = await api.call(api.storage.create_thread, thread_row(thread_id, metadata))
    except Conflict:
        existing = await api.call(api.storage.get_thread, thread_id)
        if body.if_exists == "do_nothing" and existing and await _readable(api, existing):
            return existing
        raise ApiError(409, f"Thread with ID {thread_id} already exists") from None
    if body.supersteps:
        thread = await _apply_supersteps(api, thread, body.supersteps)
    return thread


async def _readable(api: Api, thread: Thread) -> bool:
    """Whether an existing thread may be handed to the request trying to create it: the
    create handler's filter and the read handler's (LangGraph checks only the first, so a
    create handler that stamps an owner without returning a filter would let anyone who
    knows a thread's id read it through ``if_exists=do_nothing``)."""
    if not api.visible("threads", thread):
        return False
    value = {"thread_id": uuid.UUID(thread["thread_id"])}
    read = await api.authorize("threads", "read", value)
    return read is None or read.matches(thread.get("metadata"))


async def _apply_supersteps(api: Api, thread: Thread, supersteps: list[ThreadSuperstep]) -> Thread:
    graph = await api.thread_graph(thread)
    if graph is None:
        raise ApiError(400, "supersteps need the thread's graph: pass graph_id")
    from streamgraph.types import StateUpdate

    steps = [
        [StateUpdate(u.get("values"), u.get("as_node")) for u in step.get("updates", [])]
        for step in supersteps
    ]
    config = {"configurable": {"thread_id": thread["thread_id"]}}
    await graph.abulk_update_state(config, steps)
    return await _refresh(api, thread["thread_id"], graph)


async def _refresh(api: Api, thread_id: str, graph: Any) -> Thread:
    """Store the thread's values, interrupts and status from its latest checkpoint."""
    snapshot = await graph.aget_state({"configurable": {"thread_id": thread_id}})
    changes: JsonObject = {
        "values": json_ready(snapshot.values),
        "interrupts": interrupts_map(snapshot),
        "state_updated_at": now(),
    }
    if not api.runs.thread_busy(thread_id):
        changes["status"] = "interrupted" if snapshot.next else "idle"
    thread = await api.call(api.storage.update_thread, thread_id, changes)
    return found(thread, f"Thread with ID {thread_id} not found")


@endpoint(
    "POST",
    "/threads/search",
    body=ThreadSearchRequest,
    response=list[Thread],
    tag="threads",
    auth=THREAD_SEARCH,
)
async def search_threads(api: Api, req: Req[ThreadSearchRequest]) -> Response:
    """Threads matching ids, metadata, values and status."""
    body = req.body
    rows, total = await api.search_threads(
        ids=body.ids,
        metadata=body.metadata,
        values=body.values,
        status=body.status,
        limit=body.limit,
        offset=body.offset,
        sort_by=body.sort_by,
        sort_order=body.sort_order,
    )
    shown = [_select(row, body.select) for row in rows]
    following = body.offset + len(shown)
    headers = {"X-Pagination-Total": str(total)}
    if following < total:
        headers["X-Pagination-Next"] = str(following)
    return json_response(shown, headers=headers)


def _select(row: Thread, fields: list[str] | None) -> Any:
    return row if not fields else {k: v for k, v in row.items() if k in fields}


@endpoint(
    "POST",
    "/threads/count",
    body=ThreadCountRequest,
    response=int,
    tag="threads",
    auth=THREAD_COUNT,
)
async def count_threads(api: Api, req: Req[ThreadCountRequest]) -> int:
    """How many threads match."""
    body = req.body
    _, total = await api.search_threads(
        ids=None,
        metadata=body.metadata,
        values=body.values,
        status=body.status,
        limit=1,
        offset=0,
        sort_by="created_at",
        sort_order="desc",
    )
    return total


@endpoint(
    "POST",
    "/threads/prune",
    body=ThreadPruneRequest,
    response=ThreadPruneResponse,
    tag="threads",
    auth=THREAD_PRUNE,
)
async def prune_threads(api: Api, req: Req[ThreadPruneRequest]) -> ThreadPruneResponse:
    """Delete threads (``strategy=delete``); threads the request may not see are left."""
    if req.body.strategy != "delete":
        raise ApiError(422, "body.strategy: only 'delete' is supported")
    pruned = 0
    for thread_id in req.body.thread_ids:
        thread = await api.call(api.storage.get_thread, thread_id)
        if thread is not None and api.visible("threads", thread):
            pruned += bool(await _delete(api, thread_id))
    return {"pruned_count": pruned}


@endpoint("GET", "/threads/{thread_id}", response=Thread, tag="threads", auth=THREAD_READ)
async def get_thread(api: Api, req: Req[None]) -> Thread:
    """One thread."""
    return await api.thread(req.path["thread_id"])


@endpoint(
    "PATCH",
    "/threads/{thread_id}",
    body=ThreadPatch,
    response=Thread,
    tag="threads",
    auth=THREAD_UPDATE,
)
async def patch_thread(api: Api, req: Req[ThreadPatch]) -> Thread:
    """Merge metadata into a thread."""
    thread_id = req.path["thread_id"]
    await api.thread(thread_id)
    changes = {"metadata": req.body.metadata or {}}
    thread = await api.call(api.storage.update_thread, thread_id, changes)
    return found(thread, f"Thread with ID {thread_id} not found")


async def _delete(api: Api, thread_id: str) -> bool:
    for active in api.runs.on_thread(thread_id):  # (queued ones too: none may start after)
        await api.runs.cancel(active.run_id, wait=True)
    return bool(await api.call(api.storage.delete_thread, thread_id))


@endpoint("DELETE", "/threads/{thread_id}", response=None, tag="threads", auth=THREAD_DELETE)
async def delete_thread(api: Api, req: Req[None]) -> None:
    """Delete a thread, its runs (cancelled if in progress) and its checkpoints."""
    await api.thread(req.path["thread_id"])
    if not await _delete(api, req.path["thread_id"]):
        raise ApiError(404, f"Thread with ID {req.path['thread_id']} not found")
    return None


@endpoint("POST", "/threads/{thread_id}/copy", response=Thread, tag="threads", auth=THREAD_COPY)
async def copy_thread(api: Api, req: Req[None]) -> Thread:
    """A new thread with this one's metadata, values and checkpoints."""
    thread_id = req.path["thread_id"]
    await api.thread(thread_id)
    copy_id = new_id()
    await api.authorize("threads", "create", {"thread_id": uuid.UUID(copy_id)})
    copy = await api.call(api.storage.copy_thread, thread_id, copy_id, now())
    return found(copy, f"Thread with ID {thread_id} not found")


# -- state -----------------------------------------------------------------------------------------


async def _state(
    api: Api, thread_id: str, checkpoint: Checkpoint | None, subgraphs: bool
) -> ThreadState:
    thread = await api.thread(thread_id)
    graph = await api.thread_graph(thread)
    if graph is None:
        return EMPTY_STATE.copy()
    configurable = {
        "thread_id": thread_id,
        **{k: v for k, v in (checkpoint or {}).items() if v is not None and k != "thread_id"},
    }
    snapshot = await graph.aget_state({"configurable": configurable}, subgraphs=subgraphs)
    if snapshot.config.get("configurable", {}).get("checkpoint_id") is None and checkpoint:
        raise ApiError(404, f"Checkpoint {checkpoint.get('checkpoint_id')} not found")
    return snapshot_json(snapshot)


@endpoint(
    "GET",
    "/threads/{thread_id}/state",
    response=ThreadState,
    tag="threads",
    query={"subgraphs": "include subgraph states"},
    auth=THREAD_READ,
)
async def get_state(api: Api, req: Req[None]) -> ThreadState:
    """The thread's state at its latest checkpoint."""
    return await _state(api, req.path["thread_id"], None, req.flag("subgraphs"))


@endpoint(
    "GET",
    "/threads/{thread_id}/state/{checkpoint_id}",
    response=ThreadState,
    tag="threads",
    query={"subgraphs": "include subgraph states"},
    auth=THREAD_READ,
)
async def get_state_at(api: Api, req: Req[None]) -> ThreadState:
    """The thread's state at one checkpoint."""
    checkpoint: Checkpoint = {"checkpoint_id": req.path["checkpoint_id"]}
    return await _state(api, req.path["thread_id"], checkpoint, req.flag("subgraphs"))


@endpoint(
    "POST",
    "/threads/{thread_id}/state/checkpoint",
    body=ThreadStateCheckpointRequest,
    response=ThreadState,
    tag="threads",
    auth=THREAD_READ,
)
async def post_state_at(api: Api, req: Req[ThreadStateCheckpointRequest]) -> ThreadState:
    """The thread's state at the checkpoint in the body."""
    return await _state(api, req.path["thread_id"], req.body.checkpoint, req.body.subgraphs)


@endpoint(
    "POST",
    "/threads/{thread_id}/state",
    body=ThreadStateUpdate,
    response=ThreadUpdateStateResponse,
    errors=(400,),
    tag="threads",
    auth=THREAD_STATE_UPDATE,
)
async def update_state(api: Api, req: Req[ThreadStateUpdate]) -> ThreadUpdateStateResponse:
    """Write values to the thread as if ``as_node`` had returned them."""
    thread_id = req.path["thread_id"]
    thread = await api.thread(thread_id)
    graph = await api.thread_graph(thread)
    if graph is None:
        raise ApiError(
            400,
            f"Thread {thread_id} has no graph yet: run it once, or create "
            "it with a graph_id, before updating its state",
        )
    body = req.body
    configurable = {"thread_id": thread_id}
    checkpoint_id = body.checkpoint_id or (body.checkpoint or {}).get("checkpoint_id")
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    try:
        stored = await graph.aupdate_state(
            {"configurable": configurable}, body.values, as_node=body.as_node
        )
    except (ValueError, KeyError, TypeError) as error:
        raise ApiError(400, f"Cannot update the state: {error}") from None
    await _refresh(api, thread_id, graph)
    checkpoint: Checkpoint = {
        "thread_id": stored["configurable"].get("thread_id"),
        "checkpoint_ns": stored["configurable"].get("checkpoint_ns"),
        "checkpoint_id": stored["configurable"].get("checkpoint_id"),
    }
    return {
        "checkpoint": checkpoint,
        "configurable": checkpoint,
        "checkpoint_id": checkpoint["checkpoint_id"],
    }


async def _history(
    api: Api,
    thread_id: str,
    limit: int,
    before: Any,
    metadata: JsonObject | None,
    checkpoint: Checkpoint | None,
) -> list[ThreadState]:
    thread = await api.thread(thread_id)
    graph = await api.thread_graph(thread)
    if graph is None:
        return []
    configurable = {
        "thread_id": thread_id,
        **{k: v for k, v in (checkpoint or {}).items() if v is not None and k != "thread_id"},
    }
    if isinstance(before, str):
        before = {"configurable": {"thread_id": thread_id, "checkpoint_id": before}}
    elif isinstance(before, dict) and "configurable" not in before:
        before = {"configurable": {"thread_id": thread_id, **before}}
    states = []
    async for snapshot in graph.aget_state_history(
        {"configurable": configurable}, filter=metadata, before=before, limit=limit
    ):
        states.append(snapshot_json(snapshot))
    return states


@endpoint(
    "GET",
    "/threads/{thread_id}/history",
    response=list[ThreadState],
    tag="threads",
    query={"limit": "how many (10)", "before": "checkpoint id"},
    auth=THREAD_READ,
)
async def get_history(api: Api, req: Req[None]) -> list[ThreadState]:
    """The thread's checkpoints, newest first."""
    return await _history(
        api,
        req.path["thread_id"],
        req.number("limit", 10, minimum=1),
        req.query.get("before"),
        None,
        None,
    )


@endpoint(
    "POST",
    "/threads/{thread_id}/history",
    body=ThreadStateSearch,
    response=list[ThreadState],
    tag="threads",
    auth=THREAD_READ,
)
async def post_history(api: Api, req: Req[ThreadStateSearch]) -> list[ThreadState]:
    """The thread's checkpoints, newest first, filtered by metadata."""
    body = req.body
    return await _history(
        api, req.path["thread_id"], body.limit, body.before, body.metadata, body.checkpoint
    )
