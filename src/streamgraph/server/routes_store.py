"""Store routes: items by namespace and key, search and namespaces, on the server's store
(``Api.store``: in memory, or in the SQLite or Postgres database of the server's storage;
the same store the server's graphs get as ``store``). LangGraph's ``/store`` API.

With custom auth, the ``store`` handlers see each operation's value and may rewrite its
``namespace`` (a handler scoping items to their user prepends the user's id); a filter
returned by the search handler also applies to the items' values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from streamgraph.server.access import (
    STORE_DELETE,
    STORE_GET,
    STORE_LIST_NAMESPACES,
    STORE_PUT,
    STORE_SEARCH,
)
from streamgraph.server.models import (
    StoreDeleteRequest,
    StoreItem,
    StoreListNamespacesRequest,
    StoreNamespaces,
    StorePutRequest,
    StoreSearchRequest,
    StoreSearchResponse,
)
from streamgraph.server.routing import Req, RequestInvalid, endpoint, json_response
from streamgraph.store.base import InvalidNamespaceError, validate_namespace

if TYPE_CHECKING:
    from streamgraph.server.api import Api

__all__ = ()


def _labels(labels: Sequence[str], where: str, *, empty: bool = False) -> tuple[str, ...]:
    """The namespace as a tuple; 422 naming the label that cannot be one."""
    namespace = tuple(labels)
    if not namespace and empty:
        return namespace
    try:
        validate_namespace(namespace)
    except InvalidNamespaceError as e:
        raise RequestInvalid(where, str(e)) from None
    return namespace


def _pattern(labels: Sequence[str] | None, where: str) -> tuple[str, ...] | None:
    if not labels:
        return None
    for label in labels:
        if not label or "." in label:
            raise RequestInvalid(where, f"label {label!r} must be non-empty, without periods")
    return tuple(labels)


@endpoint("PUT", "/store/items", body=StorePutRequest, response=None, tag="store", auth=STORE_PUT)
async def put_item(api: Api, req: Req[StorePutRequest]) -> None:
    """Store an item (replacing the one at its namespace and key)."""
    body = req.body
    namespace = _labels(body.namespace, "body.namespace")
    index = body.index
    try:
        await api.store.aput(namespace, body.key, body.value, index, ttl=body.ttl)
    except NotImplementedError as e:  # a custom store without TTLs
        raise RequestInvalid("body.ttl", str(e)) from None


@endpoint(
    "GET",
    "/store/items",
    response=StoreItem | None,
    tag="store",
    query={
        "namespace": "The item's namespace, its labels joined with dots.",
        "key": "The item's key.",
        "refresh_ttl": "Whether reading pushes the item's expiry back (default: yes).",
    },
    auth=STORE_GET,
)
async def get_item(api: Api, req: Req[None]) -> Response:
    """The item at a namespace and key (``null`` when there is none)."""
    key = req.query.get("key")
    if not key:
        raise RequestInvalid("query.key", "required")
    namespace = _labels(req.query.get("namespace", "").split("."), "query.namespace")
    refresh = req.flag("refresh_ttl") if "refresh_ttl" in req.query else None
    value: dict[str, Any] = {"namespace": namespace, "key": key, "refresh_ttl": refresh}
    await api.authorize("store", "get", value)
    namespace = _labels(value["namespace"], "namespace (as the auth handler left it)")
    item = await api.store.aget(namespace, value["key"], refresh_ttl=value["refresh_ttl"])
    return json_response(None if item is None else item.dict())  # (a 200 with null, not a 204)


@endpoint(
    "DELETE",
    "/store/items",
    body=StoreDeleteRequest,
    response=None,
    tag="store",
    auth=STORE_DELETE,
)
async def delete_item(api: Api, req: Req[StoreDeleteRequest]) -> None:
    """Delete the item at a namespace and key (nothing happens when there is none)."""
    body = req.body
    await api.store.adelete(_labels(body.namespace, "body.namespace"), body.key)


@endpoint(
    "POST",
    "/store/items/search",
    body=StoreSearchRequest,
    response=StoreSearchResponse,
    tag="store",
    auth=STORE_SEARCH,
)
async def search_items(api: Api, req: Req[StoreSearchRequest]) -> StoreSearchResponse:
    """Items under a namespace prefix, filtered and (with ``query``) ranked."""
    body = req.body
    prefix = _labels(body.namespace_prefix, "body.namespace_prefix", empty=True)
    grant = req.grant.filter if req.grant is not None else None
    # An auth filter applies to the items' values before paging: fetch them all first.
    limit, offset = (body.limit, body.offset) if grant is None else (2**31 - 1, 0)
    try:
        items = await api.store.asearch(
            prefix,
            query=body.query,
            filter=body.filter,
            limit=limit,
            offset=offset,
            refresh_ttl=body.refresh_ttl,
        )
    except ValueError as e:  # an operator the store does not know
        raise RequestInvalid("body.filter", str(e)) from None
    if grant is not None:
        items = [i for i in items if grant.matches(i.value)][body.offset :][: body.limit]
    return {"items": [item.dict() for item in items]}  # type: ignore[misc]


@endpoint(
    "POST",
    "/store/namespaces",
    body=StoreListNamespacesRequest,
    response=StoreNamespaces,
    tag="store",
    auth=STORE_LIST_NAMESPACES,
)
async def list_namespaces(api: Api, req: Req[StoreListNamespacesRequest]) -> StoreNamespaces:
    """The namespaces holding items (sorted), matched and cut to ``max_depth``."""
    body = req.body
    found = await api.store.alist_namespaces(
        prefix=_pattern(body.prefix, "body.prefix"),
        suffix=_pattern(body.suffix, "body.suffix"),
        max_depth=body.max_depth,
        limit=body.limit,
        offset=body.offset,
    )
    return {"namespaces": [list(ns) for ns in found]}
