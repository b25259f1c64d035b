"""Assistant routes (a graph plus a config), and the graph's drawing and schemas; also
``/ok``, ``/info`` and ``/openapi.json``."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, cast

from starlette.responses import Response

from streamgraph.sdk.schema import Assistant, Config, GraphSchema
from streamgraph.server.access import (
    ASSISTANT_COUNT,
    ASSISTANT_CREATE,
    ASSISTANT_DELETE,
    ASSISTANT_READ,
    ASSISTANT_SEARCH,
    ASSISTANT_UPDATE,
    ASSISTANT_VERSION,
    PUBLIC,
)
from streamgraph.server.api import ApiError, found, new_id, now
from streamgraph.server.models import (
    AssistantCountRequest,
    AssistantCreate,
    AssistantPatch,
    AssistantSearchRequest,
    AssistantVersionChange,
    AssistantVersionsSearchRequest,
    GraphDrawing,
    GraphSchemaNoId,
    Health,
    JsonObject,
    ServerInfo,
    Subgraphs,
)
from streamgraph.server.routing import Req, RequestInvalid, endpoint, json_response, openapi
from streamgraph.server.storage.base import Conflict

if TYPE_CHECKING:
    from streamgraph.server.api import Api

__all__ = ()


@endpoint("GET", "/ok", response=Health, tag="system", auth=PUBLIC)
async def ok(api: Api, req: Req[None]) -> Health:
    """Health check (open even when API keys are required)."""
    return {"ok": True, "services": {}}


@endpoint("GET", "/info", response=ServerInfo, tag="system", auth=PUBLIC)
async def info(api: Api, req: Req[None]) -> ServerInfo:
    """Server version and features."""
    import streamgraph

    return {
        "version": streamgraph.__version__,
        "streamgraph": True,
        "flags": {
            "assistants": True,
            "crons": False,
            "langsmith": False,
            "resumable_streams": True,
        },
        "graphs": sorted(api.graphs),
    }


@endpoint("GET", "/openapi.json", response=JsonObject, tag="system", auth=PUBLIC)
async def openapi_document(api: Api, req: Req[None]) -> JsonObject:
    """This server's OpenAPI document."""
    import streamgraph

    return openapi("streamgraph server", streamgraph.__version__)


@endpoint(
    "POST",
    "/assistants",
    body=AssistantCreate,
    response=Assistant,
    errors=(409,),
    tag="assistants",
    auth=ASSISTANT_CREATE,
)
async def create_assistant(api: Api, req: Req[AssistantCreate]) -> Assistant:
    """Create an assistant for a served graph."""
    body = req.body
    api.entry(body.graph_id)
    stamp = now()
    assistant: Assistant = {
        "assistant_id": body.assistant_id or new_id(),
        "graph_id": body.graph_id,
        "config": cast(Config, body.config or {}),  # any object, as LangGraph's server takes
        "context": body.context or {},
        "metadata": body.metadata or {},
        "name": body.name or "Untitled",
        "description": body.description,
        "created_at": stamp,
        "updated_at": stamp,
        "version": 1,
    }
    try:
        return await api.call(api.storage.create_assistant, assistant)
    except Conflict:
        if body.if_exists == "do_nothing":
            existing = await api.lookup_assistant(assistant["assistant_id"])
            if await _readable(api, existing):
                return existing
        raise ApiError(409, f"Assistant {assistant['assistant_id']} already exists") from None


async def _readable(api: Api, assistant: Assistant) -> bool:
    """Whether an existing assistant may be handed to the request trying to create it (see
    ``routes_threads._readable``)."""
    if not api.visible("assistants", assistant):
        return False
    value = {"assistant_id": uuid.UUID(assistant["assistant_id"])}
    read = await api.authorize("assistants", "read", value)
    return read is None or read.matches(assistant.get("metadata"))


@endpoint(
    "POST",
    "/assistants/search",
    body=AssistantSearchRequest,
    response=list[Assistant],
    tag="assistants",
    auth=ASSISTANT_SEARCH,
)
async def search_assistants(api: Api, req: Req[AssistantSearchRequest]) -> Response:
    """Assistants matching graph id, metadata and name."""
    body = req.body
    rows, total = await api.search_assistants(
        graph_id=body.graph_id,
        metadata=body.metadata,
        name=body.name,
        limit=body.limit,
        offset=body.offset,
        sort_by=body.sort_by,
        sort_order=body.sort_order,
    )
    shown: list[Any] = rows
    if body.select:
        shown = [{k: v for k, v in row.items() if k in body.select} for row in rows]
    headers = {"X-Pagination-Total": str(total)}
    if body.offset + len(rows) < total:
        headers["X-Pagination-Next"] = str(body.offset + len(rows))
    return json_response(shown, headers=headers)


@endpoint(
    "POST",
    "/assistants/count",
    body=AssistantCountRequest,
    response=int,
    tag="assistants",
    auth=ASSISTANT_COUNT,
)
async def count_assistants(api: Api, req: Req[AssistantCountRequest]) -> int:
    """How many assistants match."""
    body = req.body
    _, total = await api.search_assistants(
        graph_id=body.graph_id,
        metadata=body.metadata,
        name=body.name,
        limit=1,
        offset=0,
        sort_by="created_at",
        sort_order="desc",
    )
    return total


@endpoint(
    "GET", "/assistants/{assistant_id}", response=Assistant, tag="assistants", auth=ASSISTANT_READ
)
async def get_assistant(api: Api, req: Req[None]) -> Assistant:
    """One assistant (by id, or a graph's system assistant by graph id)."""
    return await api.assistant(req.path["assistant_id"])


@endpoint(
    "PATCH",
    "/assistants/{assistant_id}",
    body=AssistantPatch,
    response=Assistant,
    tag="assistants",
    auth=ASSISTANT_UPDATE,
)
async def patch_assistant(api: Api, req: Req[AssistantPatch]) -> Assistant:
    """Change an assistant (a new version)."""
    assistant = await api.assistant(req.path["assistant_id"])
    body = req.body
    if body.graph_id:
        api.entry(body.graph_id)
    # Only the fields the client gave (``description: null`` clears the description).
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    assistant_id = assistant["assistant_id"]
    api.forget_assistant(assistant_id)
    changed = await api.call(api.storage.update_assistant, assistant_id, changes)
    return found(changed, f"Assistant '{assistant_id}' not found")


@endpoint(
    "DELETE",
    "/assistants/{assistant_id}",
    response=None,
    tag="assistants",
    query={"delete_threads": "also delete the threads it ran on"},
    auth=ASSISTANT_DELETE,
)
async def delete_assistant(api: Api, req: Req[None]) -> None:
    """Delete an assistant (with ``delete_threads``, the threads it ran on that the
    request may delete)."""
    assistant = await api.assistant(req.path["assistant_id"])
    if req.flag("delete_threads"):
        value = {"assistant_id": uuid.UUID(assistant["assistant_id"])}
        deletable = await api.authorize("threads", "delete", value)
        rows, _ = await api.call(
            api.storage.search_threads,
            auth_filter=deletable,
            ids=None,
            metadata={"assistant_id": assistant["assistant_id"]},
            values=None,
            status=None,
            limit=1000,
            offset=0,
            sort_by="created_at",
            sort_order="desc",
        )
        for row in rows:
            await api.call(api.storage.delete_thread, row["thread_id"])
    api.forget_assistant(assistant["assistant_id"])
    await api.call(api.storage.delete_assistant, assistant["assistant_id"])
    return None


@endpoint(
    "POST",
    "/assistants/{assistant_id}/versions",
    body=AssistantVersionsSearchRequest,
    response=list[Assistant],
    tag="assistants",
    auth=ASSISTANT_READ,
)
async def assistant_versions(api: Api, req: Req[AssistantVersionsSearchRequest]) -> list[Assistant]:
    """Every version of an assistant, newest first."""
    assistant = await api.assistant(req.path["assistant_id"])
    return await api.call(
        api.storage.list_versions,
        assistant["assistant_id"],
        metadata=req.body.metadata,
        limit=req.body.limit,
        offset=req.body.offset,
    )


@endpoint(
    "POST",
    "/assistants/{assistant_id}/latest",
    body=AssistantVersionChange,
    response=Assistant,
    tag="assistants",
    query={"version": "the version (or in the body)"},
    auth=ASSISTANT_VERSION,
)
async def set_latest_version(api: Api, req: Req[AssistantVersionChange]) -> Assistant:
    """Make an earlier version of an assistant the current one."""
    assistant = await api.assistant(req.path["assistant_id"])
    version = req.body.version or req.number("version", 0, minimum=1)
    if not version:
        raise RequestInvalid("body.version", "field required")
    api.forget_assistant(assistant["assistant_id"])
    found = await api.call(api.storage.set_latest_version, assistant["assistant_id"], version)
    if found is None:
        raise ApiError(404, f"Assistant {assistant['assistant_id']} has no version {version}")
    return found


async def _graph(api: Api, assistant_id: str) -> Any:
    assistant = await api.assistant(assistant_id)
    return await api.entry(assistant["graph_id"]).resolve(
        {"configurable": {"assistant_id": assistant["assistant_id"]}}
    ), assistant


@endpoint(
    "GET",
    "/assistants/{assistant_id}/graph",
    response=GraphDrawing,
    tag="assistants",
    query={"xray": "draw subgraphs' nodes: true, false or a depth"},
    auth=ASSISTANT_READ,
)
async def assistant_graph(api: Api, req: Req[None]) -> GraphDrawing:
    """The graph's nodes and edges."""
    graph, _ = await _graph(api, req.path["assistant_id"])
    raw = req.query.get("xray", "false").lower()
    xray: bool | int = raw == "true" if raw in ("true", "false") else req.number("xray", 0)
    drawing: GraphDrawing = graph.get_graph(xray=xray).to_json()
    return drawing


@endpoint(
    "GET",
    "/assistants/{assistant_id}/schemas",
    response=GraphSchema,
    tag="assistants",
    auth=ASSISTANT_READ,
)
async def assistant_schemas(api: Api, req: Req[None]) -> GraphSchema:
    """JSON schemas of the graph's input, output, state, config and context."""
    graph, assistant = await _graph(api, req.path["assistant_id"])
    schemas = graph_schemas(graph, assistant["graph_id"])
    return {
        "graph_id": assistant["graph_id"],
        "input_schema": schemas["input_schema"],
        "output_schema": schemas["output_schema"],
        "state_schema": schemas["state_schema"],
        "config_schema": schemas["config_schema"],
        "context_schema": schemas["context_schema"],
    }


@endpoint(
    "GET",
    "/assistants/{assistant_id}/subgraphs",
    response=Subgraphs,
    tag="assistants",
    query={"recurse": "include nested subgraphs"},
    auth=ASSISTANT_READ,
)
async def assistant_subgraphs(api: Api, req: Req[None]) -> Subgraphs:
    """Schemas of the graph's subgraphs, by namespace."""
    graph, _ = await _graph(api, req.path["assistant_id"])
    return dict(_subgraphs(graph, "", req.flag("recurse")))


def _subgraphs(graph: Any, prefix: str, recurse: bool) -> list[tuple[str, Any]]:
    found = []
    for name, node in graph.nodes.items():
        if node.is_subgraph:
            namespace = f"{prefix}{name}"
            found.append((namespace, graph_schemas(node.fn)))
            if recurse:
                found.extend(_subgraphs(node.fn, namespace + "|", recurse))
    return found


def graph_schemas(graph: Any, graph_id: str | None = None) -> GraphSchemaNoId:
    """JSON schemas of a graph's state (and its input and output when they differ), as
    LangGraph's server writes them: one property per key, each with ``default: null``."""
    name = graph_id or graph.name
    state = graph.state_spec
    builder = getattr(graph, "builder", None)
    context = getattr(builder, "context_schema", None) or graph.context_schema
    if graph.low_level:  # (an entrypoint's, say): its channels' own schemas, as LangGraph's
        return {
            "input_schema": graph.get_input_jsonschema(),
            "output_schema": graph.get_output_jsonschema(),
            "state_schema": _object_schema(state.hints, f"{name}_state"),
            "config_schema": {},
            "context_schema": None if context is None else _class_schema(context, name),
        }
    return {
        "input_schema": None
        if graph.input_spec is state
        else _object_schema(graph.input_spec.hints, f"{name}_input"),
        "output_schema": None
        if graph.output_spec is state
        else _object_schema(graph.output_spec.hints, f"{name}_output"),
        "state_schema": _object_schema(state.hints, f"{name}_state"),
        "config_schema": {},
        "context_schema": None if context is None else _class_schema(context, name),
    }


def _object_schema(hints: dict[str, Any], title: str) -> dict[str, Any]:
    properties = {
        key: {"default": None, "title": key.replace("_", " ").title(), **_type_schema(hint)}
        for key, hint in hints.items()
    }
    return {"properties": properties, "title": title, "type": "object"}


def _class_schema(cls: Any, graph_name: str) -> Any:
    from streamgraph.graph._schema import schema_of

    try:
        return _object_schema(schema_of(cls).hints, f"{graph_name}_context")
    except Exception:  # not a schema class
        return None


def _type_schema(hint: Any) -> dict[str, Any]:
    """A type's JSON schema through pydantic (reducers and managed markers left out);
    ``{}`` (anything) for a type pydantic cannot describe."""
    import typing

    if typing.get_origin(hint) is typing.Annotated:
        hint = typing.get_args(hint)[0]
    try:
        from pydantic import TypeAdapter

        schema: dict[str, Any] = TypeAdapter(hint).json_schema()
    except Exception:
        return {}
    schema.pop("title", None)
    return schema
