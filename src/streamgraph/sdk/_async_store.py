"""``client.store`` of the async client: cross-thread key-value memory.

Each method builds its request (a ``Call``) from its arguments and hands it to the
``HttpClient``. The signatures are ``langgraph_sdk`` 0.4's (``tests/sdk/test_signatures.py``).
Namespaces travel as lists in bodies and dot-joined in query strings, so a label may not
contain a dot. The sync client is generated from the async code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

from streamgraph.sdk._call import Call, check_labels, decode_none, provided, with_params
from streamgraph.sdk.schema import Item, QueryParamTypes

if TYPE_CHECKING:
    from streamgraph.sdk._async import HttpClient

__all__ = ("StoreClient",)


class StoreClient:
    """``client.store``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def delete_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        """Delete the item at ``namespace``/``key``."""
        return await self.http.send(
            Call(
                method="DELETE",
                path="/store/items",
                params=params,
                json={"namespace": namespace, "key": key},
                has_body=True,
                headers=headers,
                decode=decode_none,
            )
        )

    async def get_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        *,
        refresh_ttl: bool | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Item:
        """The item at ``namespace``/``key`` (``None`` when there is none)."""
        check_labels(namespace)
        query: dict[str, Any] = {"namespace": ".".join(namespace), "key": key}
        if refresh_ttl is not None:
            query["refresh_ttl"] = refresh_ttl
        return await self.http.send(
            Call(
                method="GET",
                path="/store/items",
                params=with_params(query, params),
                headers=headers,
            )
        )

    async def list_namespaces(
        self,
        prefix: list[str] | None = None,
        suffix: list[str] | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
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
        return await self.http.send(
            Call(
                method="POST",
                path="/store/namespaces",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )

    async def put_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        value: Mapping[str, Any],
        index: Literal[False] | list[str] | None = None,
        ttl: int | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        """Store ``value`` under ``namespace``/``key`` (``ttl`` in minutes)."""
        check_labels(namespace)
        payload = provided(
            {"namespace": namespace, "key": key, "value": value, "index": index, "ttl": ttl}
        )
        return await self.http.send(
            Call(
                method="PUT",
                path="/store/items",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
                decode=decode_none,
            )
        )

    async def search_items(
        self,
        namespace_prefix: Sequence[str],
        /,
        filter: Mapping[str, Any] | None = None,
        limit: int = 10,
        offset: int = 0,
        query: str | None = None,
        refresh_ttl: bool | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
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
        return await self.http.send(
            Call(
                method="POST",
                path="/store/items/search",
                params=params,
                json=payload,
                has_body=True,
                headers=headers,
            )
        )
