"""Request schemas: one declaration per body, used to validate requests and to write
``/openapi.json``.

Schemas are JSON Schema (the subset below), so the OpenAPI document carries them as they
are. ``validate`` checks a value against one, fills in ``default``s, and raises
``RequestInvalid`` naming the first bad field (``body.stream_mode[1]: 'bogus' is not one of
...``). Unknown object fields are accepted and ignored, as LangGraph's server does (clients
send fields only some servers know).

Supported keywords: ``type`` (a name or a list of names), ``enum``, ``properties``,
``required``, ``items``, ``additionalProperties`` (a schema for the values of free-form
objects), ``format: uuid``, ``minimum``, ``maximum``, ``default``, ``anyOf``.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ("SCHEMAS", "RequestInvalid", "validate")

Schema = dict[str, Any]

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


class RequestInvalid(Exception):
    """A request that does not match its schema (HTTP 422)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where


def _type_ok(value: Any, names: list[str]) -> bool:
    for name in names:
        if name in ("integer", "number") and isinstance(value, bool):
            continue
        if isinstance(value, _TYPES[name]):
            return True
    return False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validate(schema: Schema, value: Any, where: str = "body") -> Any:
    """``value`` checked against ``schema``, with defaults filled in (see the module
    docstring); raises ``RequestInvalid``."""
    if "anyOf" in schema:
        return _validate_any_of(schema["anyOf"], value, where)
    if "type" in schema:
        names = _names(schema["type"])
        if not _type_ok(value, names):
            raise RequestInvalid(
                where, f"expected {' or '.join(names)}, got {_json_type(value)} {_short(value)}"
            )
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(repr(v) for v in schema["enum"])
        raise RequestInvalid(where, f"{_short(value)} is not one of {allowed}")
    if isinstance(value, dict):
        return _validate_object(schema, value, where)
    if isinstance(value, list) and "items" in schema:
        return [validate(schema["items"], item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, str) and schema.get("format") == "uuid":
        try:
            uuid.UUID(value)
        except ValueError:
            raise RequestInvalid(where, f"{_short(value)} is not a UUID") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise RequestInvalid(where, f"{value} is less than {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise RequestInvalid(where, f"{value} is more than {schema['maximum']}")
    return value


def _validate_any_of(options: list[Schema], value: Any, where: str) -> Any:
    problems: list[RequestInvalid] = []
    for option in options:
        try:
            return validate(option, value, where)
        except RequestInvalid as problem:
            problems.append(problem)
    # The option whose type the value has is the one the client meant: say what is wrong
    # inside it (``body.stream_mode[1]: 'bogus' is not one of ...``), not just "no match".
    typed = [
        problem
        for option, problem in zip(options, problems, strict=True)
        if "type" in option and _type_ok(value, _names(option["type"]))
    ]
    if len(typed) == 1:
        raise typed[0]
    expected = " or ".join(name for option in options for name in _names(option.get("type", [])))
    raise RequestInvalid(
        where, f"expected {expected or 'another form'}, got {_json_type(value)} {_short(value)}"
    )


def _names(names: str | list[str]) -> list[str]:
    return [names] if isinstance(names, str) else names


def _validate_object(schema: Schema, value: dict[str, Any], where: str) -> dict[str, Any]:
    properties: dict[str, Schema] = schema.get("properties", {})
    for name in schema.get("required", ()):
        if value.get(name) is None:
            raise RequestInvalid(f"{where}.{name}", "field required")
    result = dict(value)
    for name, sub in properties.items():
        if value.get(name) is not None:
            result[name] = validate(sub, value[name], f"{where}.{name}")
        elif "default" in sub:
            result[name] = _copy(sub["default"])
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for name, item in value.items():
            if name not in properties:
                result[name] = validate(extra, item, f"{where}.{name}")
    return result


def _copy(value: Any) -> Any:
    return (
        list(value)
        if isinstance(value, list)
        else dict(value)
        if isinstance(value, dict)
        else value
    )


def _json_type(value: Any) -> str:
    for name, types in _TYPES.items():
        if isinstance(value, types) and not (
            name in ("integer", "number") and isinstance(value, bool)
        ):
            return name
    return type(value).__name__


# -- the request bodies ------------------------------------------------------------------------

OBJECT: Schema = {"type": "object"}
ANY: Schema = {}
UUID: Schema = {"type": "string", "format": "uuid"}
STRINGS: Schema = {"type": "array", "items": {"type": "string"}}
STREAM_MODES = [
    "values",
    "updates",
    "messages",
    "messages-tuple",
    "tasks",
    "checkpoints",
    "events",
    "debug",
    "custom",
]
STREAM_MODE: Schema = {
    "anyOf": [
        {"type": "string", "enum": STREAM_MODES},
        {"type": "array", "items": {"type": "string", "enum": STREAM_MODES}},
    ]
}
NODES: Schema = {"anyOf": [{"type": "string", "enum": ["*"]}, STRINGS]}
CONFIG: Schema = {
    "type": "object",
    "properties": {
        "tags": STRINGS,
        "recursion_limit": {"type": "integer", "minimum": 1},
        "configurable": OBJECT,
    },
}
CHECKPOINT: Schema = {
    "type": "object",
    "properties": {
        "checkpoint_id": {"type": "string"},
        "checkpoint_ns": {"type": "string"},
        "checkpoint_map": OBJECT,
        "thread_id": {"type": "string"},
    },
}
COMMAND: Schema = {
    "type": "object",
    "properties": {
        "update": ANY,
        "resume": ANY,
        "goto": {"anyOf": [{"type": "string"}, {"type": "object"}, {"type": "array"}]},
    },
}
SORT_ORDER: Schema = {"type": "string", "enum": ["asc", "desc"]}
LIMIT: Schema = {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}
OFFSET: Schema = {"type": "integer", "minimum": 0, "default": 0}

_RUN_COMMON: dict[str, Schema] = {
    "assistant_id": {"type": "string"},
    "input": {"type": ["object", "array", "string", "number", "boolean", "null"]},
    "command": COMMAND,
    "metadata": OBJECT,
    "config": CONFIG,
    "context": OBJECT,
    "webhook": {"type": "string"},
    "interrupt_before": NODES,
    "interrupt_after": NODES,
    "stream_mode": {**STREAM_MODE, "default": ["values"]},
    "stream_subgraphs": {"type": "boolean", "default": False},
    "stream_resumable": {"type": "boolean", "default": False},
    "on_disconnect": {"type": "string", "enum": ["cancel", "continue"], "default": "continue"},
    "feedback_keys": STRINGS,
    "after_seconds": {"type": "number", "minimum": 0},
    "checkpoint_id": {"type": "string"},
    "checkpoint": CHECKPOINT,
    "checkpoint_during": {"type": "boolean"},
    "durability": {"type": "string", "enum": ["sync", "async", "exit"]},
}

SCHEMAS: dict[str, Schema] = {
    "AssistantCreate": {
        "type": "object",
        "required": ["graph_id"],
        "properties": {
            "graph_id": {"type": "string"},
            "assistant_id": UUID,
            "config": OBJECT,
            "context": OBJECT,
            "metadata": OBJECT,
            "name": {"type": "string"},
            "description": {"type": ["string", "null"]},
            "if_exists": {"type": "string", "enum": ["raise", "do_nothing"], "default": "raise"},
        },
    },
    "AssistantPatch": {
        "type": "object",
        "properties": {
            "graph_id": {"type": "string"},
            "config": OBJECT,
            "context": OBJECT,
            "metadata": OBJECT,
            "name": {"type": "string"},
            "description": {"type": ["string", "null"]},
        },
    },
    "AssistantSearch": {
        "type": "object",
        "properties": {
            "metadata": OBJECT,
            "graph_id": {"type": "string"},
            "name": {"type": "string"},
            "limit": LIMIT,
            "offset": OFFSET,
            "sort_by": {
                "type": "string",
                "enum": ["assistant_id", "graph_id", "name", "created_at", "updated_at"],
                "default": "created_at",
            },
            "sort_order": {**SORT_ORDER, "default": "desc"},
            "select": STRINGS,
        },
    },
    "AssistantLatest": {
        "type": "object",
        "properties": {"version": {"type": "integer", "minimum": 1}},
    },
    "AssistantVersionsSearch": {
        "type": "object",
        "properties": {"metadata": OBJECT, "limit": LIMIT, "offset": OFFSET},
    },
    "ThreadCreate": {
        "type": "object",
        "properties": {
            "thread_id": UUID,
            "metadata": OBJECT,
            "if_exists": {"type": "string", "enum": ["raise", "do_nothing"], "default": "raise"},
            "ttl": ANY,
            "supersteps": {"type": "array"},
            "graph_id": {"type": "string"},
        },
    },
    "ThreadPatch": {"type": "object", "properties": {"metadata": OBJECT, "ttl": ANY}},
    "ThreadSearch": {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": UUID},
            "metadata": OBJECT,
            "values": OBJECT,
            "status": {"type": "string", "enum": ["idle", "busy", "interrupted", "error"]},
            "limit": LIMIT,
            "offset": OFFSET,
            "sort_by": {
                "type": "string",
                "enum": ["thread_id", "status", "created_at", "updated_at", "state_updated_at"],
                "default": "created_at",
            },
            "sort_order": {**SORT_ORDER, "default": "desc"},
            "select": STRINGS,
            "extract": OBJECT,
        },
    },
    "ThreadCount": {
        "type": "object",
        "properties": {
            "metadata": OBJECT,
            "values": OBJECT,
            "status": {"type": "string", "enum": ["idle", "busy", "interrupted", "error"]},
        },
    },
    "ThreadPrune": {
        "type": "object",
        "required": ["thread_ids"],
        "properties": {
            "thread_ids": {"type": "array", "items": UUID},
            "strategy": {"type": "string", "enum": ["delete", "keep_latest"], "default": "delete"},
        },
    },
    "ThreadStateUpdate": {
        "type": "object",
        "properties": {
            "values": {"type": ["object", "array", "null"]},
            "as_node": {"type": "string"},
            "checkpoint": CHECKPOINT,
            "checkpoint_id": {"type": "string"},
        },
    },
    "ThreadStateCheckpoint": {
        "type": "object",
        "required": ["checkpoint"],
        "properties": {
            "checkpoint": CHECKPOINT,
            "subgraphs": {"type": "boolean", "default": False},
        },
    },
    "ThreadHistory": {
        "type": "object",
        "properties": {
            "limit": LIMIT,
            "before": {"type": ["string", "object"]},
            "metadata": OBJECT,
            "checkpoint": CHECKPOINT,
        },
    },
    "RunCreateStateful": {
        "type": "object",
        "required": ["assistant_id"],
        "properties": {
            **_RUN_COMMON,
            "multitask_strategy": {
                "type": "string",
                "enum": ["reject", "interrupt", "rollback", "enqueue"],
                "default": "enqueue",
            },
            "if_not_exists": {"type": "string", "enum": ["reject", "create"], "default": "reject"},
        },
    },
    "RunCreateStateless": {
        "type": "object",
        "required": ["assistant_id"],
        "properties": {
            **_RUN_COMMON,
            "on_completion": {"type": "string", "enum": ["delete", "keep"], "default": "delete"},
        },
    },
    "RunsCancel": {
        "type": "object",
        "properties": {
            "thread_id": UUID,
            "run_ids": {"type": "array", "items": UUID},
            "status": {"type": "string", "enum": ["pending", "running", "all"]},
        },
    },
}
SCHEMAS["RunBatch"] = {"type": "array", "items": SCHEMAS["RunCreateStateless"]}
