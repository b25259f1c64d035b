"""The custom auth of the auth tests, written as LangGraph's documentation writes it: two
users by token, everything a user creates stamped with their identity, everything else
scoped to it. Served by our server and by ``langgraph dev`` alike (``langgraph_sdk.Auth``
is also what the in-process tests load, as ``streamgraph.sdk.Auth`` would be)."""

from typing import Any

from langgraph_sdk import Auth

auth = Auth()

USERS: dict[str, dict[str, Any]] = {
    "Bearer alice-token": {"identity": "alice", "permissions": ["write"], "display_name": "Alice"},
    "Bearer bob-token": {"identity": "bob", "permissions": []},
}


@auth.authenticate
async def authenticate(authorization: str | None) -> Auth.types.MinimalUserDict:
    user = USERS.get(authorization or "")
    if user is None:
        raise Auth.exceptions.HTTPException(
            status_code=401, detail="Invalid token", headers={"WWW-Authenticate": "Bearer"}
        )
    return user  # type: ignore[return-value]


@auth.on
async def owner_only(ctx: Auth.types.AuthContext, value: Any) -> Auth.types.FilterType:
    filters = {"owner": ctx.user.identity}
    metadata = value.setdefault("metadata", {})
    metadata.update(filters)
    return filters


@auth.on.store
async def own_namespace(ctx: Auth.types.AuthContext, value: Any) -> None:
    namespace = tuple(value["namespace"] or ())
    if namespace[:1] != (ctx.user.identity,):
        value["namespace"] = (ctx.user.identity, *namespace)
