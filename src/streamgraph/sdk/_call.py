"""What an SDK method asks of the server, as a value.

Each client method (``_async_assistants.py``, ``_async_threads.py``, ``_async_runs.py``,
``_async_store.py``, and their generated sync twins) builds a ``Call`` (one JSON request) or
a ``StreamCall`` (an SSE stream) from its arguments and hands it to its ``HttpClient``
(``_async.py``, ``_sync.py``), which carries it out. The helpers here are the rules those
methods share: payloads drop ``None`` fields, path segments are quoted, bodies are orjson,
decoding happens once.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx
import orjson

from streamgraph.sdk.errors import RunError
from streamgraph.sdk.schema import QueryParamTypes, RunCreateMetadata, StreamPart

__all__ = (
    "NOT_PROVIDED",
    "Call",
    "Open",
    "Reply",
    "StreamCall",
    "assistant_path",
    "check_labels",
    "decode_json",
    "decode_none",
    "encode_json",
    "error_body",
    "opening",
    "provided",
    "quote_path",
    "raise_run_error",
    "run_body",
    "run_created",
    "run_metadata",
    "run_path",
    "same_origin",
    "thread_path",
    "to_v2",
    "truthy",
    "ttl_body",
    "with_next_cursor",
    "with_params",
)

T = TypeVar("T")

NOT_PROVIDED: Any = object()
"""Default of ``api_key``: "look in the environment", as opposed to ``None``: "no key"."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A finished response as the decoders see it."""

    status_code: int
    headers: httpx.Headers
    body: bytes


def decode_json(reply: Reply) -> Any:
    body = reply.body
    return orjson.loads(body) if body.strip() else None


def decode_none(reply: Reply) -> None:
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Call(Generic[T]):
    """One request/response exchange."""

    method: str
    path: str
    params: QueryParamTypes | None = None
    json: Any = None
    has_body: bool = False
    """Whether ``json`` is sent (a JSON ``null`` body is never sent)."""
    headers: Mapping[str, str] | None = None
    decode: Callable[[Reply], T] = decode_json
    on_headers: Callable[[httpx.Headers], None] | None = None
    """Called once with the first response's headers (``on_run_created``)."""
    rejoin: bool = False
    """If reading the body fails, fetch the response's ``Location`` again (``wait``/``join``:
    the run goes on without us)."""


@dataclass(frozen=True, slots=True)
class Open:
    """One HTTP request, ready to send."""

    method: str
    path: str
    params: QueryParamTypes | None
    content: bytes | None
    headers: dict[str, str]


def opening(call: Call[Any]) -> Open:
    """The request that carries out ``call``."""
    headers = {"Content-Type": "application/json"} if call.has_body else {}
    headers.update(call.headers or {})
    content = encode_json(call.json) if call.has_body else None
    return Open(call.method, call.path, call.params, content, headers)


def error_body(body: bytes) -> object | None:
    """An error response's body: its JSON, else its text."""
    if not body.strip():
        return None
    try:
        decoded: object = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")
    return decoded


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamCall:
    """A request answered with a run's server-sent events."""

    method: str
    path: str
    params: QueryParamTypes | None = None
    json: Any = None
    has_body: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)
    version: Literal["v1", "v2"] = "v1"
    on_headers: Callable[[httpx.Headers], None] | None = None
    one_run: bool = True
    """The events of one run, whose ids only grow (a thread's stream spans runs)."""


def with_params(query: dict[str, Any], params: QueryParamTypes | None) -> QueryParamTypes:
    """The method's query parameters, overridden by the caller's extra ``params``."""
    if not params:
        return query
    if isinstance(params, Mapping):
        return {**query, **params}
    return httpx.QueryParams(query).merge(httpx.QueryParams(params))


def provided(payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` without its ``None`` values (the server applies its defaults instead)."""
    return {key: value for key, value in payload.items() if value is not None}


def quote_path(value: Any) -> str:
    """``value`` as one URL path segment (``/`` and friends escaped; ``.``/``..`` too, so
    httpx does not resolve them as relative paths)."""
    if value is None:
        raise TypeError("A path parameter (an id) must not be None")
    if isinstance(value, bytes | bytearray):
        raise TypeError("A path parameter (an id) must be a str or a UUID, not bytes")
    quoted = quote(str(value), safe="")
    if quoted and quoted.strip(".") == "":
        return "%2E" * len(quoted)
    return quoted


def _json_default(value: Any) -> Any:
    if isinstance(value, type):
        raise TypeError(f"Cannot send the class {value!r} as JSON; pass an instance")
    for method in ("model_dump", "dict"):
        dump = getattr(value, method, None)
        if callable(dump):
            return dump()
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode_json(value: Any) -> bytes:
    """Request bodies: orjson, with pydantic models, sets and non-str keys accepted."""
    return orjson.dumps(
        value,
        default=_json_default,
        option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY,
    )


_RUN_LOCATION = re.compile(r"(/threads/(?P<thread_id>[^/]+))?/runs/(?P<run_id>[^/]+)")


def run_metadata(headers: httpx.Headers) -> RunCreateMetadata | None:
    """``{run_id, thread_id}`` from a run-creating response's ``Content-Location``."""
    location = headers.get("content-location")
    match = _RUN_LOCATION.search(location) if location else None
    if match is None:
        return None
    return RunCreateMetadata(run_id=match["run_id"], thread_id=match["thread_id"] or None)


def same_origin(base_url: httpx.URL, location: str) -> bool:
    """Whether ``location`` (relative, or absolute) is on the server we talk to: a reconnect
    must never send our API key somewhere else."""
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return True
    default = {"http": 80, "https": 443}
    return (parts.scheme, parts.hostname or "", parts.port or default.get(parts.scheme)) == (
        base_url.scheme,
        base_url.host,
        base_url.port or default.get(base_url.scheme),
    )


def to_v2(part: StreamPart) -> dict[str, Any] | None:
    """A v1 part as a v2 dict: ``{type, ns, data, interrupts}``; ``None`` for ``end``."""
    if part.event == "end":
        return None
    mode, *ns = part.event.split("|")
    data = part.data
    interrupts: Any = []
    if mode == "values" and isinstance(data, dict):
        interrupts = data.pop("__interrupt__", [])
    return {"type": mode, "ns": ns, "data": data, "interrupts": interrupts}


# -- pieces of particular requests, shared by the async client and its generated twin -------


def assistant_path(assistant_id: str) -> str:
    return f"/assistants/{quote_path(assistant_id)}"


def thread_path(thread_id: str) -> str:
    return f"/threads/{quote_path(thread_id)}"


def run_path(thread_id: str, run_id: str) -> str:
    return f"/threads/{quote_path(thread_id)}/runs/{quote_path(run_id)}"


def truthy(**fields: Any) -> dict[str, Any]:
    """The fields that are set (``langgraph_sdk`` leaves empty filters out too)."""
    return {key: value for key, value in fields.items() if value}


def ttl_body(ttl: int | Mapping[str, Any]) -> Any:
    """A thread's ``ttl`` field: minutes, or the API's ``{ttl, strategy}`` as given."""
    return {"ttl": ttl, "strategy": "delete"} if isinstance(ttl, int | float) else ttl


def check_labels(namespace: Sequence[str]) -> None:
    """Store namespaces travel dot-joined in query strings, so a label may not hold a dot."""
    for label in namespace:
        if "." in label:
            raise ValueError(
                f"Invalid namespace label {label!r}: namespace labels cannot contain '.'"
            )


def with_next_cursor(reply: Reply) -> dict[str, Any]:
    """``assistants.search(response_format="object")``: the page and the next page's cursor."""
    return {"assistants": decode_json(reply), "next": reply.headers.get("x-pagination-next")}


def raise_run_error(reply: Reply) -> Any:
    """``runs.wait(raise_error=True)``: a failed run's ``__error__`` raised as ``RunError``."""
    result = decode_json(reply)
    if isinstance(result, dict) and isinstance(result.get("__error__"), dict):
        error = result["__error__"]
        raise RunError(error.get("error"), error.get("message"))
    return result


def run_created(
    callback: Callable[[RunCreateMetadata], None] | None,
) -> Callable[[httpx.Headers], None] | None:
    """``on_run_created`` as a response-headers hook."""
    if callback is None:
        return None

    def on_headers(headers: httpx.Headers) -> None:
        metadata = run_metadata(headers)
        if metadata is not None:
            callback(metadata)

    return on_headers


def run_body(*, checkpoint_during: bool | None, command: Any, **fields: Any) -> dict[str, Any]:
    """The JSON body of ``runs.create``/``stream``/``wait``, called by them with their
    run-creation arguments under the API's field names; ``None`` is left out, so the server
    applies its defaults."""
    if checkpoint_during is not None:
        warnings.warn(
            "`checkpoint_during` is deprecated; use `durability` instead "
            "(True is durability='async', False is durability='exit').",
            DeprecationWarning,
            stacklevel=3,  # the caller of the client method
        )
    fields["checkpoint_during"] = checkpoint_during
    fields["command"] = provided(command) if command else None
    return provided(fields)
