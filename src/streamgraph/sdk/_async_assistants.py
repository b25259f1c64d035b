"""``client.assistants`` of the async client.

Each method builds its request (a ``Call``) from its arguments and hands it to the
``HttpClient``. The signatures are ``langgraph_sdk`` 0.4's (``tests/sdk/test_signatures.py``).
Path parameters named ``assistant_id`` must be assistant UUIDs here (a graph id is only
accepted where runs are created). The sync client is generated from the async code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from streamgraph.sdk._call import (
    Call,
    assistant_path,
    decode_json,
    decode_none,
    quote_path,
    truthy,
    with_next_cursor,
    with_params,
)
from streamgraph.sdk.schema import (
    Assistant,
    Config,
    Context,
    Json,
    OnConflictBehavior,
    QueryParamTypes,
    SortOrder,
)

if TYPE_CHECKING:
    from streamgraph.sdk._async import HttpClient

__all__ = ("AssistantsClient",)


class AssistantsClient:
    """``client.assistants``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def count(
        self,
        *,
        metadata: Json = None,
        graph_id: str | None = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> int:
        """How many assistants match every filter given."""
        payload = truthy(metadata=metadata, graph_id=graph_id, name=name)
        return await self.http.send(
            Call(
                method="POST",
                path="/assistants/count",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def create(
        self,
        graph_id: str | None,
        config: Config | None = None,
        *,
        context: Context | None = None,
        metadata: Json = None,
        assistant_id: str | None = None,
        if_exists: OnConflictBehavior | None = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        description: str | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        """Create an assistant: a graph with its own config, context and metadata."""
        payload = {
            "graph_id": graph_id,
            **truthy(
                config=config,
                context=context,
                metadata=metadata,
                assistant_id=assistant_id,
                if_exists=if_exists,
                name=name,
                description=description,
            ),
        }
        return await self.http.send(
            Call(
                method="POST",
                path="/assistants",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def delete(
        self,
        assistant_id: str,
        *,
        delete_threads: bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        """Delete an assistant (and its threads with ``delete_threads``)."""
        query: dict[str, Any] = {"delete_threads": True} if delete_threads else {}
        return await self.http.send(
            Call(
                method="DELETE",
                path=assistant_path(assistant_id),
                params=with_params(query, params) or None,
                headers=headers,
                decode=decode_none,
            )
        )

    async def get(
        self,
        assistant_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        """One assistant."""
        return await self.http.send(
            Call(method="GET", path=assistant_path(assistant_id), params=params, headers=headers)
        )

    async def get_graph(
        self,
        assistant_id: str,
        *,
        xray: int | bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """The assistant's graph as ``{"nodes": [...], "edges": [...]}`` (``xray``: expand
        subgraphs, to that depth when an int)."""
        query: dict[str, Any] = {"xray": xray}
        return await self.http.send(
            Call(
                method="GET",
                path=f"{assistant_path(assistant_id)}/graph",
                params=with_params(query, params),
                headers=headers,
            )
        )

    async def get_schemas(
        self,
        assistant_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        """JSON schemas of the graph's input, output, state, config and context."""
        return await self.http.send(
            Call(
                method="GET",
                path=f"{assistant_path(assistant_id)}/schemas",
                params=params,
                headers=headers,
            )
        )

    async def get_subgraphs(
        self,
        assistant_id: str,
        namespace: str | None = None,
        recurse: bool = False,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        """Schemas of the graph's subgraphs, by namespace."""
        path = f"{assistant_path(assistant_id)}/subgraphs"
        if namespace is not None:
            path = f"{path}/{quote_path(namespace)}"
        query: dict[str, Any] = {"recurse": recurse}
        return await self.http.send(
            Call(method="GET", path=path, params=with_params(query, params), headers=headers)
        )

    async def get_versions(
        self,
        assistant_id: str,
        metadata: Json = None,
        limit: int = 10,
        offset: int = 0,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> list[dict[str, Any]]:
        """The assistant's versions, newest first."""
        payload = {"limit": limit, "offset": offset, **truthy(metadata=metadata)}
        return await self.http.send(
            Call(
                method="POST",
                path=f"{assistant_path(assistant_id)}/versions",
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
        graph_id: str | None = None,
        name: str | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str | None = None,
        sort_order: SortOrder | None = None,
        select: list[str] | None = None,
        response_format: Literal["array", "object"] = "array",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        """Assistants matching every filter given: a list, or with ``response_format="object"``
        ``{"assistants": [...], "next": <cursor or None>}``."""
        if response_format not in ("array", "object"):
            raise ValueError(
                f"response_format must be 'array' or 'object', got {response_format!r}"
            )
        payload = {
            "limit": limit,
            "offset": offset,
            **truthy(
                metadata=metadata,
                graph_id=graph_id,
                name=name,
                sort_by=sort_by,
                sort_order=sort_order,
                select=select,
            ),
        }
        return await self.http.send(
            Call(
                method="POST",
                path="/assistants/search",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
                decode=with_next_cursor if response_format == "object" else decode_json,
            )
        )

    async def set_latest(
        self,
        assistant_id: str,
        version: int,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        """Make ``version`` the assistant's current version."""
        return await self.http.send(
            Call(
                method="POST",
                path=f"{assistant_path(assistant_id)}/latest",
                params=params,
                json={"version": version},
                has_body=True,
                headers=headers,
            )
        )

    async def update(
        self,
        assistant_id: str,
        *,
        graph_id: str | None = None,
        config: Config | None = None,
        context: Context | None = None,
        metadata: Json = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        description: str | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        """Change an assistant; this makes a new version of it."""
        payload = truthy(graph_id=graph_id, metadata=metadata, name=name, description=description)
        if config is not None:
            payload["config"] = config
        if context is not None:
            payload["context"] = context
        return await self.http.send(
            Call(
                method="PATCH",
                path=assistant_path(assistant_id),
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )
