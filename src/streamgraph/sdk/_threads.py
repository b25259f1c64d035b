"""Requests of ``client.threads``: pure functions from a method's arguments to a ``Call``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from streamgraph.sdk._call import Call, StreamCall, decode_none, quote_path, with_params
from streamgraph.sdk.schema import (
    Checkpoint,
    Json,
    OnConflictBehavior,
    PruneStrategy,
    QueryParamTypes,
    SortOrder,
    Thread,
    ThreadState,
    ThreadStatus,
    ThreadStreamMode,
)

__all__ = (
    "copy",
    "count",
    "create",
    "delete",
    "get",
    "get_history",
    "get_state",
    "join_stream",
    "prune",
    "search",
    "update",
    "update_state",
)


def _thread_path(thread_id: str) -> str:
    return f"/threads/{quote_path(thread_id)}"


def _ttl(ttl: int | Mapping[str, Any]) -> Any:
    return {"ttl": ttl, "strategy": "delete"} if isinstance(ttl, int | float) else ttl


def _truthy(**fields: Any) -> dict[str, Any]:
    """The fields that are set (``langgraph_sdk`` leaves empty filters out too)."""
    return {key: value for key, value in fields.items() if value}


def get(
    thread_id: str,
    *,
    include: Sequence[str] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Thread]:
    """One thread (``include=["ttl"]`` adds its TTL)."""
    query: dict[str, Any] = {"include": ",".join(include)} if include else {}
    return Call(
        method="GET",
        path=_thread_path(thread_id),
        params=with_params(query, params) or None,
        headers=headers,
    )


def create(
    *,
    metadata: Json = None,
    thread_id: str | None = None,
    if_exists: OnConflictBehavior | None = None,
    supersteps: Sequence[dict[str, Sequence[dict[str, Any]]]] | None = None,
    graph_id: str | None = None,
    ttl: int | Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Thread]:
    """Create a thread (``thread_id`` to choose its id; ``if_exists="do_nothing"`` to
    return an existing one; ``supersteps`` to start it with state updates)."""
    payload = _truthy(thread_id=thread_id, if_exists=if_exists)
    if metadata or graph_id:
        payload["metadata"] = {**(metadata or {}), **({"graph_id": graph_id} if graph_id else {})}
    if supersteps:
        payload["supersteps"] = [
            {
                "updates": [
                    {"values": u["values"], "command": u.get("command"), "as_node": u["as_node"]}
                    for u in step["updates"]
                ]
            }
            for step in supersteps
        ]
    if ttl is not None:
        payload["ttl"] = _ttl(ttl)
    return Call(
        method="POST", path="/threads", params=params, json=payload, has_body=True, headers=headers
    )


def update(
    thread_id: str,
    *,
    metadata: Mapping[str, Any],
    ttl: int | Mapping[str, Any] | None = None,
    return_minimal: bool = False,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Thread | None]:
    """Merge ``metadata`` into the thread's; return the thread (``None`` with
    ``return_minimal``)."""
    payload: dict[str, Any] = {"metadata": metadata}
    if ttl is not None:
        payload["ttl"] = _ttl(ttl)
    request_headers = dict(headers or {})
    if return_minimal:
        request_headers["Prefer"] = "return=minimal"
    return Call(
        method="PATCH",
        path=_thread_path(thread_id),
        params=params,
        json=payload,
        has_body=True,
        headers=request_headers or None,
    )


def delete(
    thread_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[None]:
    """Delete a thread with its runs and checkpoints."""
    return Call(
        method="DELETE",
        path=_thread_path(thread_id),
        params=params,
        headers=headers,
        decode=decode_none,
    )


def search(
    *,
    metadata: Json = None,
    values: Json = None,
    ids: Sequence[str] | None = None,
    status: ThreadStatus | None = None,
    limit: int = 10,
    offset: int = 0,
    sort_by: str | None = None,
    sort_order: SortOrder | None = None,
    select: list[str] | None = None,
    extract: dict[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[list[Thread]]:
    """Threads matching every filter given."""
    payload = {
        "limit": limit,
        "offset": offset,
        **_truthy(
            metadata=metadata,
            values=values,
            ids=ids,
            status=status,
            sort_by=sort_by,
            sort_order=sort_order,
            select=select,
            extract=extract,
        ),
    }
    return Call(
        method="POST",
        path="/threads/search",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def count(
    *,
    metadata: Json = None,
    values: Json = None,
    status: ThreadStatus | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[int]:
    """How many threads match every filter given."""
    payload = _truthy(metadata=metadata, values=values, status=status)
    return Call(
        method="POST",
        path="/threads/count",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def copy(
    thread_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Any]:
    """Copy a thread with its checkpoints into a new thread."""
    return Call(
        method="POST", path=f"{_thread_path(thread_id)}/copy", params=params, headers=headers
    )


def prune(
    thread_ids: Sequence[str],
    *,
    strategy: PruneStrategy = "delete",
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """Delete threads (``"delete"``) or their old checkpoints (``"keep_latest"``)."""
    payload: dict[str, Any] = {"thread_ids": thread_ids}
    if strategy != "delete":
        payload["strategy"] = strategy
    return Call(
        method="POST",
        path="/threads/prune",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def get_state(
    thread_id: str,
    checkpoint: Checkpoint | None = None,
    checkpoint_id: str | None = None,
    *,
    subgraphs: bool = False,
    select: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[ThreadState]:
    """The thread's state: the latest checkpoint, or the one given."""
    path = _thread_path(thread_id)
    if checkpoint:
        payload: dict[str, Any] = {"checkpoint": checkpoint, "subgraphs": subgraphs}
        if select:
            payload["select"] = select
        return Call(
            method="POST",
            path=f"{path}/state/checkpoint",
            params=params,
            json=payload,
            has_body=True,
            headers=headers,
        )
    query: dict[str, Any] = {"subgraphs": subgraphs}
    if select:
        query["select"] = select
    if checkpoint_id:
        path = f"{path}/state/{quote_path(checkpoint_id)}"
    else:
        path = f"{path}/state"
    return Call(method="GET", path=path, params=with_params(query, params), headers=headers)


def update_state(
    thread_id: str,
    values: dict[str, Any] | Sequence[dict[str, Any]] | None,
    *,
    as_node: str | None = None,
    checkpoint: Checkpoint | None = None,
    checkpoint_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """Write ``values`` as if node ``as_node`` returned them; return the new checkpoint."""
    payload: dict[str, Any] = {
        "values": values,
        **_truthy(checkpoint_id=checkpoint_id, checkpoint=checkpoint, as_node=as_node),
    }
    return Call(
        method="POST",
        path=f"{_thread_path(thread_id)}/state",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def get_history(
    thread_id: str,
    *,
    limit: int = 10,
    before: str | Checkpoint | None = None,
    metadata: Mapping[str, Any] | None = None,
    checkpoint: Checkpoint | None = None,
    select: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[list[ThreadState]]:
    """The thread's states, newest first."""
    payload: dict[str, Any] = {
        "limit": limit,
        **_truthy(before=before, metadata=metadata, checkpoint=checkpoint, select=select),
    }
    return Call(
        method="POST",
        path=f"{_thread_path(thread_id)}/history",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def join_stream(
    thread_id: str,
    *,
    last_event_id: str | None = None,
    stream_mode: ThreadStreamMode | Sequence[ThreadStreamMode] = "run_modes",
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> StreamCall:
    """Stream the events of every run on the thread, now and later (it never ends by
    itself). ``last_event_id`` replays what came after it."""
    query: dict[str, Any] = {"stream_mode": stream_mode}
    request_headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    request_headers.update(headers or {})
    return StreamCall(
        method="GET",
        path=f"{_thread_path(thread_id)}/stream",
        params=with_params(query, params),
        headers=request_headers,
        one_run=False,
    )
