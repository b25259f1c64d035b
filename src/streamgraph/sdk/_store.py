"""Requests of ``client.store`` (cross-thread key-value memory): pure functions to ``Call``s.

(The clients take the first argument positional-only, as ``langgraph_sdk`` does; it is an
ordinary parameter here so that the clients can pass their arguments by name.)

Namespaces travel as lists in bodies and dot-joined in query strings, so a label may not
contain a dot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from streamgraph.sdk._call import Call, decode_none, provided, with_params
from streamgraph.sdk.schema import Item, QueryParamTypes

__all__ = ("delete_item", "get_item", "list_namespaces", "put_item", "search_items")


def _check_labels(namespace: Sequence[str]) -> None:
    for label in namespace:
        if "." in label:
            raise ValueError(
                f"Invalid namespace label {label!r}: namespace labels cannot contain '.'"
            )


def put_item(
    namespace: Sequence[str],
    key: str,
    value: Mapping[str, Any],
    index: Literal[False] | list[str] | None = None,
    ttl: int | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[None]:
    """Store ``value`` under ``namespace``/``key`` (``ttl`` in minutes)."""
    _check_labels(namespace)
    payload = provided(
        {"namespace": namespace, "key": key, "value": value, "index": index, "ttl": ttl}
    )
    return Call(
        method="PUT",
        path="/store/items",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
        decode=decode_none,
    )


def get_item(
    namespace: Sequence[str],
    key: str,
    *,
    refresh_ttl: bool | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Item]:
    """The item at ``namespace``/``key`` (``None`` when there is none)."""
    _check_labels(namespace)
    query: dict[str, Any] = {"namespace": ".".join(namespace), "key": key}
    if refresh_ttl is not None:
        query["refresh_ttl"] = refresh_ttl
    return Call(
        method="GET", path="/store/items", params=with_params(query, params), headers=headers
    )


def delete_item(
    namespace: Sequence[str],
    key: str,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[None]:
    """Delete the item at ``namespace``/``key``."""
    return Call(
        method="DELETE",
        path="/store/items",
        params=params,
        json={"namespace": namespace, "key": key},
        has_body=True,
        headers=headers,
        decode=decode_none,
    )


def search_items(
    namespace_prefix: Sequence[str],
    filter: Mapping[str, Any] | None = None,
    limit: int = 10,
    offset: int = 0,
    query: str | None = None,
    refresh_ttl: bool | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """Items under ``namespace_prefix`` matching ``filter`` (and ``query``, semantically,
    when the store has an index): ``{"items": [...]}``."""
    payload = provided(
        {
            "namespace_prefix": namespace_prefix,
            "filter": filter,
            "limit": limit,
            "offset": offset,
            "query": query,
            "refresh_ttl": refresh_ttl,
        }
    )
    return Call(
        method="POST",
        path="/store/items/search",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )


def list_namespaces(
    prefix: list[str] | None = None,
    suffix: list[str] | None = None,
    max_depth: int | None = None,
    limit: int = 100,
    offset: int = 0,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """The namespaces in the store: ``{"namespaces": [[...], ...]}``."""
    payload = provided(
        {
            "prefix": prefix,
            "suffix": suffix,
            "max_depth": max_depth,
            "limit": limit,
            "offset": offset,
        }
    )
    return Call(
        method="POST",
        path="/store/namespaces",
        params=params,
        json=payload,
        has_body=True,
        headers=headers,
    )
