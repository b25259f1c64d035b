"""``/openapi.json``: every route with its parameters, body and responses, written from the
types the routes declare (``routing.endpoint``). pydantic writes the JSON Schemas; the
objects they share (``Assistant``, ``Config``, ...) go to ``components/schemas`` once, under
their class names. The document is built on first request and kept (routes are fixed once
the modules are imported)."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaValue

from streamgraph.server.models import ErrorResponse

if TYPE_CHECKING:
    from streamgraph.server.routing import Endpoint

__all__ = ("document",)

REF = "#/components/schemas/{model}"
ERRORS = {
    400: "The request cannot be done (the detail says why)",
    404: "Not found",
    409: "Conflict (exists already, or the thread is busy)",
    422: "Invalid request: the detail names the field and the problem",
}
_cache: dict[tuple[int, str, str], dict[str, Any]] = {}


def document(endpoints: list[Endpoint], title: str, version: str) -> dict[str, Any]:
    key = (len(endpoints), title, version)
    if key not in _cache:
        _cache[key] = _build(endpoints, title, version)
    return _cache[key]


def _build(endpoints: list[Endpoint], title: str, version: str) -> dict[str, Any]:
    from streamgraph.server.routing import EventStream

    inputs: list[tuple[Any, Any, TypeAdapter[Any]]] = [("error", "validation", _ERROR)]
    for index, item in enumerate(endpoints):
        if item.validator is not None:
            inputs.append((("body", index), "validation", item.validator))
        if item.response is not None and item.response is not EventStream:
            inputs.append((("response", index), "validation", TypeAdapter(item.response)))
    schemas, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF)
    found = {key[0]: schema for key, schema in schemas.items()}
    paths: dict[str, Any] = {}
    for index, item in enumerate(endpoints):
        operation = _operation(item, found.get(("body", index)), found.get(("response", index)))
        paths.setdefault(item.path, {})[item.method.lower()] = operation
    components = definitions.get("$defs", {})
    _describe_fields(components)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {"schemas": components},
    }


_ERROR: TypeAdapter[Any] = TypeAdapter(ErrorResponse)


def _operation(
    item: Endpoint, body: JsonSchemaValue | None, response: JsonSchemaValue | None
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": item.handler.__name__,
        "summary": item.summary,
        "tags": [item.tag] if item.tag else [],
    }
    parameters = _parameters(item)
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    operation["responses"] = _responses(item, response, bool(parameters))
    return operation


def _parameters(item: Endpoint) -> list[dict[str, Any]]:
    path = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(name)}
        for name in _path_names(item.path)
    ]
    query = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": {"type": "string"},
        }
        for name, text in item.query.items()
    ]
    return path + query


def _path_schema(name: str) -> dict[str, Any]:
    from streamgraph.server.routing import UUID_PARAMS

    return {"type": "string", "format": "uuid"} if name in UUID_PARAMS else {"type": "string"}


def _responses(
    item: Endpoint, response: JsonSchemaValue | None, has_parameters: bool
) -> dict[str, Any]:
    from streamgraph.server.routing import EventStream

    responses: dict[str, Any] = {}
    if item.response is None:
        responses["204"] = {"description": "Done (no content)"}
    elif item.response is EventStream:
        responses["200"] = {
            "description": "Server-sent events: `event: <mode>`, `data: <json>`, `id: <n>`",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    else:
        responses["200"] = {
            "description": "OK",
            "content": {"application/json": {"schema": response}},
        }
    for status, text in item.other_responses.items():
        responses[str(status)] = {"description": text}
    errors = set(item.errors)
    if item.validator is not None or has_parameters:
        errors.add(422)
    if _path_names(item.path):
        errors.add(404)
    error = {"application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}}
    for status in sorted(errors):
        responses[str(status)] = {"description": ERRORS[status], "content": error}
    return responses


def _describe_fields(schemas: dict[str, Any]) -> None:
    """The models' attribute docstrings (a string under a field) as their properties'
    descriptions. Read here, from the source, when the document is first asked for: pydantic's
    ``use_attribute_docstrings`` would parse every class's source at server start."""
    from streamgraph.server import models

    try:
        source = inspect.getsource(models)
    except OSError:  # installed without its sources: no descriptions
        return
    docs: dict[str, dict[str, str]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            docs[node.name] = dict(_field_docs(node.body))
    for name, schema in schemas.items():
        cls = getattr(models, name, None)
        properties = schema.get("properties", {})
        for base in reversed(getattr(cls, "__mro__", ())):  # (subclasses may say it again)
            for field, text in docs.get(base.__name__, {}).items():
                if field in properties:
                    properties[field]["description"] = text


def _field_docs(body: list[ast.stmt]) -> Iterator[tuple[str, str]]:
    for statement, following in zip(body, body[1:], strict=False):
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            yield statement.target.id, inspect.cleandoc(following.value.value)


def _path_names(path: str) -> list[str]:
    return [
        part[1:-1].split(":")[0]
        for part in path.split("/")
        if part.startswith("{") and part.endswith("}")
    ]
