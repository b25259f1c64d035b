"""Requests of ``client.assistants``: pure functions from a method's arguments to a ``Call``.

Path parameters named ``assistant_id`` must be assistant UUIDs here (a graph id is only
accepted where runs are created).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from streamgraph.sdk._call import Call, Reply, decode_json, decode_none, quote_path, with_params
from streamgraph.sdk.schema import (
    Assistant,
    Config,
    Context,
    Json,
    OnConflictBehavior,
    QueryParamTypes,
    SortOrder,
)

__all__ = (
    "count",
    "create",
    "delete",
    "get",
    "get_graph",
    "get_schemas",
    "get_subgraphs",
    "get_versions",
    "search",
    "set_latest",
    "update",
)


def _assistant_path(assistant_id: str) -> str:
    return f"/assistants/{quote_path(assistant_id)}"


def _truthy(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value}


def get(
    assistant_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Assistant]:
    """One assistant."""
    return Call(method="GET", path=_assistant_path(assistant_id), params=params, headers=headers)


def get_graph(
    assistant_id: str,
    *,
    xray: int | bool = False,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, list[dict[str, Any]]]]:
    """The assistant's graph as ``{"nodes": [...], "edges": [...]}`` (``xray``: expand
    subgraphs, to that depth when an int)."""
    query: dict[str, Any] = {"xray": xray}
    return Call(
        method="GET",
        path=f"{_assistant_path(assistant_id)}/graph",
        params=with_params(query, params),
        headers=headers,
    )


def get_schemas(
    assistant_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """JSON schemas of the graph's input, output, state, config and context."""
    return Call(
        method="GET",
        path=f"{_assistant_path(assistant_id)}/schemas",
        params=params,
        headers=headers,
    )


def get_subgraphs(
    assistant_id: str,
    namespace: str | None = None,
    recurse: bool = False,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """Schemas of the graph's subgraphs, by namespace."""
    path = f"{_assistant_path(assistant_id)}/subgraphs"
    if namespace is not None:
        path = f"{path}/{quote_path(namespace)}"
    query: dict[str, Any] = {"recurse": recurse}
    return Call(method="GET", path=path, params=with_params(query, params), headers=headers)


def create(
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
) -> Call[Assistant]:
    """Create an assistant: a graph with its own config, context and metadata."""
    payload = {
        "graph_id": graph_id,
        **_truthy(
            config=config,
            context=context,
            metadata=metadata,
            assistant_id=assistant_id,
            if_exists=if_exists,
            name=name,
            description=description,
        ),
    }
    return Call(
        method="POST",
        path="/assistants",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def update(
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
) -> Call[Assistant]:
    """Change an assistant; this makes a new version of it."""
    payload = _truthy(graph_id=graph_id, metadata=metadata, name=name, description=description)
    if config is not None:
        payload["config"] = config
    if context is not None:
        payload["context"] = context
    return Call(
        method="PATCH",
        path=_assistant_path(assistant_id),
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def delete(
    assistant_id: str,
    *,
    delete_threads: bool = False,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[None]:
    """Delete an assistant (and its threads with ``delete_threads``)."""
    query: dict[str, Any] = {"delete_threads": True} if delete_threads else {}
    return Call(
        method="DELETE",
        path=_assistant_path(assistant_id),
        params=with_params(query, params) or None,
        headers=headers,
        decode=decode_none,
    )


def _with_next_cursor(reply: Reply) -> dict[str, Any]:
    return {"assistants": decode_json(reply), "next": reply.headers.get("x-pagination-next")}


def search(
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
) -> Call[Any]:
    """Assistants matching every filter given: a list, or with ``response_format="object"``
    ``{"assistants": [...], "next": <cursor or None>}``."""
    if response_format not in ("array", "object"):
        raise ValueError(f"response_format must be 'array' or 'object', got {response_format!r}")
    payload = {
        "limit": limit,
        "offset": offset,
        **_truthy(
            metadata=metadata,
            graph_id=graph_id,
            name=name,
            sort_by=sort_by,
            sort_order=sort_order,
            select=select,
        ),
    }
    return Call(
        method="POST",
        path="/assistants/search",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
        decode=_with_next_cursor if response_format == "object" else decode_json,
    )


def count(
    *,
    metadata: Json = None,
    graph_id: str | None = None,
    name: str | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[int]:
    """How many assistants match every filter given."""
    payload = _truthy(metadata=metadata, graph_id=graph_id, name=name)
    return Call(
        method="POST",
        path="/assistants/count",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def get_versions(
    assistant_id: str,
    metadata: Json = None,
    limit: int = 10,
    offset: int = 0,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[list[dict[str, Any]]]:
    """The assistant's versions, newest first."""
    payload = {"limit": limit, "offset": offset, **_truthy(metadata=metadata)}
    return Call(
        method="POST",
        path=f"{_assistant_path(assistant_id)}/versions",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def set_latest(
    assistant_id: str,
    version: int,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Assistant]:
    """Make ``version`` the assistant's current version."""
    return Call(
        method="POST",
        path=f"{_assistant_path(assistant_id)}/latest",
        params=params,
        json={"version": version},
        has_body=True,
        headers=headers,
    )
