"""JSON for the wire: what graphs put in state and streams, as the LangGraph server writes it.

``orjson`` handles JSON types, dataclasses, UUIDs and datetimes itself; the rest goes through
``_default``: pydantic models (LangChain messages among them) as their ``model_dump()``,
``Interrupt`` as ``{value, id}`` (plus ``response_schema``, as in stream payloads), ``Send``
as ``{node, args}``, sets as lists, bytes as base64, exceptions as ``{error, message}``.
Anything else becomes its ``repr`` rather than failing the stream it is in.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from streamgraph.types import Command, Interrupt, Send

__all__ = ("INTERNAL_ERROR", "dumps", "error_payload", "loads")

INTERNAL_ERROR = {"error": "InternalServerError", "message": "Internal Server Error"}
"""What clients see of a failure of the server itself (its storage, a bug): the details
are in the server's log, with the run's id, not in the response."""


_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _default(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    if isinstance(value, Interrupt):
        return {"value": value.value, "id": value.id, "response_schema": value.response_schema}
    if isinstance(value, Send):
        return {"node": value.node, "args": value.arg}
    if isinstance(value, Command):
        return {
            k: v
            for k, v in (
                ("update", value.update),
                ("resume", value.resume),
                ("goto", value.goto),
                ("graph", value.graph),
            )
            if v
        }
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, BaseException):
        return error_payload(value)
    if isinstance(value, tuple):  # tuple subclasses orjson does not take (NamedTuples)
        return list(value)
    return repr(value)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def error_payload(error: BaseException) -> dict[str, str]:
    """An exception as the stream's ``error`` event carries it: the graph's own errors as
    LangGraph's server sends them (type and message); the server's (its database, its
    code) as ``INTERNAL_ERROR``, unless they were written for clients (``public``)."""
    kind = type(error)
    if getattr(error, "public", False):
        return {"error": kind.__name__, "message": str(error)}
    if kind.__module__.split(".")[0] in ("sqlite3", "psycopg", "psycopg_pool") or (
        kind.__module__.startswith("streamgraph.server.")
    ):
        return dict(INTERNAL_ERROR)
    return {"error": kind.__name__, "message": str(error)}
