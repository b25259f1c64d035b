"""``client.threads`` of the async client.

Each method builds its request (a ``Call``, or a ``StreamCall`` for ``join_stream``) from its
arguments and hands it to the ``HttpClient``. The signatures are ``langgraph_sdk`` 0.4's
(``tests/sdk/test_signatures.py``). The sync client is generated from the async code.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from streamgraph.sdk._call import (
    Call,
    StreamCall,
    decode_none,
    quote_path,
    thread_path,
    truthy,
    ttl_body,
    with_params,
)
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

if TYPE_CHECKING:
    from streamgraph.sdk._async import HttpClient

__all__ = ("ThreadsClient",)


class ThreadsClient:
    """``client.threads``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def copy(
        self,
        thread_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        """Copy a thread with its checkpoints into a new thread."""
        return await self.http.send(
            Call(
                method="POST", path=f"{thread_path(thread_id)}/copy", params=params, headers=headers
            )
        )

    async def count(
        self,
        *,
        metadata: Json = None,
        values: Json = None,
        status: ThreadStatus | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> int:
        """How many threads match every filter given."""
        payload = truthy(metadata=metadata, values=values, status=status)
        return await self.http.send(
            Call(
                method="POST",
                path="/threads/count",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def create(
        self,
        *,
        metadata: Json = None,
        thread_id: str | None = None,
        if_exists: OnConflictBehavior | None = None,
        supersteps: Sequence[dict[str, Sequence[dict[str, Any]]]] | None = None,
        graph_id: str | None = None,
        ttl: int | Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread:
        """Create a thread (``thread_id`` to choose its id; ``if_exists="do_nothing"`` to
        return an existing one; ``supersteps`` to start it with state updates)."""
        payload = truthy(thread_id=thread_id, if_exists=if_exists)
        if metadata or graph_id:
            graph = {"graph_id": graph_id} if graph_id else {}
            payload["metadata"] = {**(metadata or {}), **graph}
        if supersteps:
            payload["supersteps"] = [
                {
                    "updates": [
                        {
                            "values": u["values"],
                            "command": u.get("command"),
                            "as_node": u["as_node"],
                        }
                        for u in step["updates"]
                    ]
                }
                for step in supersteps
            ]
        if ttl is not None:
            payload["ttl"] = ttl_body(ttl)
        return await self.http.send(
            Call(
                method="POST",
                path="/threads",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def delete(
        self,
        thread_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        """Delete a thread with its runs and checkpoints."""
        return await self.http.send(
            Call(
                method="DELETE",
                path=thread_path(thread_id),
                params=params,
                headers=headers,
                decode=decode_none,
            )
        )

    async def get(
        self,
        thread_id: str,
        *,
        include: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread:
        """One thread (``include=["ttl"]`` adds its TTL)."""
        query: dict[str, Any] = {"include": ",".join(include)} if include else {}
        return await self.http.send(
            Call(
                method="GET",
                path=thread_path(thread_id),
                params=with_params(query, params) or None,
                headers=headers,
            )
        )

    async def get_history(
        self,
        thread_id: str,
        *,
        limit: int = 10,
        before: str | Checkpoint | None = None,
        metadata: Mapping[str, Any] | None = None,
        checkpoint: Checkpoint | None = None,
        select: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> list[ThreadState]:
        """The thread's states, newest first."""
        payload: dict[str, Any] = {
            "limit": limit,
            **truthy(before=before, metadata=metadata, checkpoint=checkpoint, select=select),
        }
        return await self.http.send(
            Call(
                method="POST",
                path=f"{thread_path(thread_id)}/history",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def get_state(
        self,
        thread_id: str,
        checkpoint: Checkpoint | None = None,
        checkpoint_id: str | None = None,
        *,
        subgraphs: bool = False,
        select: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> ThreadState:
        """The thread's state: the latest checkpoint, or the one given."""
        path = thread_path(thread_id)
        if checkpoint:
            payload: dict[str, Any] = {"checkpoint": checkpoint, "subgraphs": subgraphs}
            if select:
                payload["select"] = select
            return await self.http.send(
                Call(
                    method="POST",
                    path=f"{path}/state/checkpoint",
                    params=params,
                    json=payload,
                    has_body=True,
                    headers=headers,
                )
            )
        query: dict[str, Any] = {"subgraphs": subgraphs}
        if select:
            query["select"] = select
        if checkpoint_id:
            path = f"{path}/state/{quote_path(checkpoint_id)}"
        else:
            path = f"{path}/state"
        return await self.http.send(
            Call(method="GET", path=path, params=with_params(query, params), headers=headers)
        )

    async def join_stream(
        self,
        thread_id: str,
        *,
        last_event_id: str | None = None,
        stream_mode: ThreadStreamMode | Sequence[ThreadStreamMode] = "run_modes",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> AsyncIterator[Any]:
        """Stream the events of every run on the thread, now and later (it never ends by
        itself). ``last_event_id`` replays what came after it."""
        query: dict[str, Any] = {"stream_mode": stream_mode}
        request_headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        request_headers.update(headers or {})
        return self.http.stream(
            StreamCall(
                method="GET",
                path=f"{thread_path(thread_id)}/stream",
                params=with_params(query, params),
                headers=request_headers,
                one_run=False,
            )
        )

    async def prune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: PruneStrategy = "delete",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        """Delete threads (``"delete"``) or their old checkpoints (``"keep_latest"``)."""
        payload: dict[str, Any] = {"thread_ids": thread_ids}
        if strategy != "delete":
            payload["strategy"] = strategy
        return await self.http.send(
            Call(
                method="POST",
                path="/threads/prune",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def search(
        self,
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
    ) -> list[Thread]:
        """Threads matching every filter given."""
        payload = {
            "limit": limit,
            "offset": offset,
            **truthy(
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
        return await self.http.send(
            Call(
                method="POST",
                path="/threads/search",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def update(
        self,
        thread_id: str,
        *,
        metadata: Mapping[str, Any],
        ttl: int | Mapping[str, Any] | None = None,
        return_minimal: bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread | None:
        """Merge ``metadata`` into the thread's; return the thread (``None`` with
        ``return_minimal``)."""
        payload: dict[str, Any] = {"metadata": metadata}
        if ttl is not None:
            payload["ttl"] = ttl_body(ttl)
        request_headers = dict(headers or {})
        if return_minimal:
            request_headers["Prefer"] = "return=minimal"
        return await self.http.send(
            Call(
                method="PATCH",
                path=thread_path(thread_id),
                params=params,
                json=payload,
                has_body=True,
                headers=request_headers or None,
            )
        )

    async def update_state(
        self,
        thread_id: str,
        values: dict[str, Any] | Sequence[dict[str, Any]] | None,
        *,
        as_node: str | None = None,
        checkpoint: Checkpoint | None = None,
        checkpoint_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        """Write ``values`` as if node ``as_node`` returned them; return the new checkpoint."""
        payload: dict[str, Any] = {
            "values": values,
            **truthy(checkpoint_id=checkpoint_id, checkpoint=checkpoint, as_node=as_node),
        }
        return await self.http.send(
            Call(
                method="POST",
                path=f"{thread_path(thread_id)}/state",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )
