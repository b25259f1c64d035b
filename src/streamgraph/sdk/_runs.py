"""Requests of ``client.runs``: pure functions from a method's arguments to a ``Call``.

Paths and payloads are those of ``langgraph_sdk`` 0.4 (``server-api.md`` §1.2, §1.3):
stateful runs live under ``/threads/{thread_id}/runs``, stateless ones under ``/runs``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from streamgraph.sdk._call import (
    Call,
    Reply,
    StreamCall,
    decode_json,
    decode_none,
    provided,
    quote_path,
    run_metadata,
    with_params,
)
from streamgraph.sdk.errors import RunError
from streamgraph.sdk.schema import (
    All,
    BulkCancelRunsStatus,
    CancelAction,
    Checkpoint,
    Command,
    Config,
    Context,
    DisconnectMode,
    Durability,
    IfNotExists,
    Input,
    LangSmithTracing,
    MultitaskStrategy,
    OnCompletionBehavior,
    QueryParamTypes,
    Run,
    RunCreate,
    RunCreateMetadata,
    RunStatus,
    StreamMode,
    StreamVersion,
)

__all__ = (
    "cancel",
    "cancel_many",
    "create",
    "create_batch",
    "delete",
    "get",
    "join",
    "join_stream",
    "list",
    "stream",
    "wait",
)

_list = list


def _run_path(thread_id: str, run_id: str) -> str:
    return f"/threads/{quote_path(thread_id)}/runs/{quote_path(run_id)}"


def _warn_checkpoint_during(checkpoint_during: bool | None) -> None:
    if checkpoint_during is not None:
        warnings.warn(
            "`checkpoint_during` is deprecated; use `durability` instead "
            "(True is durability='async', False is durability='exit').",
            DeprecationWarning,
            stacklevel=5,  # the caller of the client method
        )


def _created(
    callback: Callable[[RunCreateMetadata], None] | None,
) -> Callable[[httpx.Headers], None] | None:
    if callback is None:
        return None

    def on_headers(headers: httpx.Headers) -> None:
        metadata = run_metadata(headers)
        if metadata is not None:
            callback(metadata)

    return on_headers


_SHAPE_THE_REQUEST = frozenset(
    {"thread_id", "headers", "params", "on_run_created", "version", "raise_error"}
)


def _run_body(arguments: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of ``create``/``stream``/``wait``: every argument (their ``locals()`` on
    entry) but those that shape the request itself, under the API's field names, ``None``
    left out so the server applies its defaults."""
    _warn_checkpoint_during(arguments["checkpoint_during"])
    body = {
        ("langsmith_tracer" if name == "langsmith_tracing" else name): value
        for name, value in arguments.items()
        if name not in _SHAPE_THE_REQUEST
    }
    command = body["command"]
    body["command"] = provided(command) if command else None
    return provided(body)


def stream(
    thread_id: str | None,
    assistant_id: str,
    *,
    input: Input | None = None,
    command: Command | None = None,
    stream_mode: StreamMode | Sequence[StreamMode] = "values",
    stream_subgraphs: bool = False,
    stream_resumable: bool = False,
    metadata: Mapping[str, Any] | None = None,
    config: Config | None = None,
    context: Context | None = None,
    checkpoint: Checkpoint | None = None,
    checkpoint_id: str | None = None,
    checkpoint_during: bool | None = None,
    interrupt_before: All | Sequence[str] | None = None,
    interrupt_after: All | Sequence[str] | None = None,
    feedback_keys: Sequence[str] | None = None,
    on_disconnect: DisconnectMode | None = None,
    on_completion: OnCompletionBehavior | None = None,
    webhook: str | None = None,
    multitask_strategy: MultitaskStrategy | None = None,
    if_not_exists: IfNotExists | None = None,
    after_seconds: int | None = None,
    langsmith_tracing: LangSmithTracing | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
    on_run_created: Callable[[RunCreateMetadata], None] | None = None,
    durability: Durability | None = None,
    strict_resume: bool | None = None,
    version: StreamVersion = "v1",
) -> StreamCall:
    """Create a run and stream its events.

    Args:
        thread_id: The thread to run on; ``None`` for a stateless run (the server makes a
            temporary thread).
        assistant_id: An assistant id, or a graph id (its default assistant).
        input: The graph input. ``command``: a ``Command`` as a dict (``resume``, ``update``,
            ``goto``) instead of input.
        stream_mode: One mode or a list (``values``, ``updates``, ``messages-tuple``,
            ``custom``, ``debug``, ``tasks``, ``checkpoints``, ``events``...).
        stream_subgraphs: Also stream events of subgraphs (their event names carry the
            namespace: ``updates|node:<task id>``).
        stream_resumable: Ask the server to keep the run's events so that a reconnect can
            replay them (a LangGraph server only sends event ids then).
        on_run_created: Called with ``{run_id, thread_id}`` once the server created the run.
        version: ``"v1"`` yields ``StreamPart(event, data, id)``; ``"v2"`` yields dicts
            ``{type, ns, data, interrupts}`` (and drops the ``end`` event).

    The other arguments are the run-creation fields of the LangGraph Server API; ``None``
    means "the server's default". If the connection drops before the run ends, the stream
    reconnects to the run and resumes after the last event received.

    Returns:
        An iterator of the run's events.
    """
    body = _run_body(locals())
    if version not in ("v1", "v2"):
        raise ValueError(f"Unknown stream version {version!r}; valid versions are: v1, v2")
    path = (
        f"/threads/{quote_path(thread_id)}/runs/stream" if thread_id is not None else "/runs/stream"
    )
    return StreamCall(
        method="POST",
        path=path,
        params=params,
        json=body,
        has_body=True,
        headers=dict(headers or {}),
        version=version,
        on_headers=_created(on_run_created),
    )


def create(
    thread_id: str | None,
    assistant_id: str,
    *,
    input: Input | None = None,
    command: Command | None = None,
    stream_mode: StreamMode | Sequence[StreamMode] = "values",
    stream_subgraphs: bool = False,
    stream_resumable: bool = False,
    metadata: Mapping[str, Any] | None = None,
    config: Config | None = None,
    context: Context | None = None,
    checkpoint: Checkpoint | None = None,
    checkpoint_id: str | None = None,
    checkpoint_during: bool | None = None,
    interrupt_before: All | Sequence[str] | None = None,
    interrupt_after: All | Sequence[str] | None = None,
    webhook: str | None = None,
    multitask_strategy: MultitaskStrategy | None = None,
    if_not_exists: IfNotExists | None = None,
    on_completion: OnCompletionBehavior | None = None,
    after_seconds: int | None = None,
    langsmith_tracing: LangSmithTracing | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
    on_run_created: Callable[[RunCreateMetadata], None] | None = None,
    durability: Durability | None = None,
    strict_resume: bool | None = None,
) -> Call[Run]:
    """Create a background run and return it (status ``pending``).

    Its events can be followed with ``join_stream`` (from the start only when created with
    ``stream_resumable=True``), its result read with ``join``. Arguments as for ``stream``.
    """
    body = _run_body(locals())
    path = f"/threads/{quote_path(thread_id)}/runs" if thread_id else "/runs"
    return Call(
        method="POST",
        path=path,
        params=params,
        json=body,
        has_body=True,
        headers=headers,
        on_headers=_created(on_run_created),
    )


def create_batch(
    payloads: _list[RunCreate],
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[_list[Run]]:
    """Create several stateless background runs in one request."""
    return Call(
        method="POST",
        path="/runs/batch",
        params=params,
        json=[provided(payload) for payload in payloads],
        has_body=True,
        headers=headers,
    )


def _raise_run_error(reply: Reply) -> Any:
    result = decode_json(reply)
    if isinstance(result, dict) and isinstance(result.get("__error__"), dict):
        error = result["__error__"]
        raise RunError(error.get("error"), error.get("message"))
    return result


def wait(
    thread_id: str | None,
    assistant_id: str,
    *,
    input: Input | None = None,
    command: Command | None = None,
    metadata: Mapping[str, Any] | None = None,
    config: Config | None = None,
    context: Context | None = None,
    checkpoint: Checkpoint | None = None,
    checkpoint_id: str | None = None,
    checkpoint_during: bool | None = None,
    interrupt_before: All | Sequence[str] | None = None,
    interrupt_after: All | Sequence[str] | None = None,
    webhook: str | None = None,
    on_disconnect: DisconnectMode | None = None,
    on_completion: OnCompletionBehavior | None = None,
    multitask_strategy: MultitaskStrategy | None = None,
    if_not_exists: IfNotExists | None = None,
    after_seconds: int | None = None,
    langsmith_tracing: LangSmithTracing | None = None,
    raise_error: bool = True,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
    on_run_created: Callable[[RunCreateMetadata], None] | None = None,
    durability: Durability | None = None,
    strict_resume: bool | None = None,
) -> Call[Any]:
    """Create a run, wait for it to finish, and return its final values.

    With interrupts, the values carry ``__interrupt__``. A failed run raises ``RunError``
    (``"<ErrorClass>: <message>"``) when ``raise_error``; otherwise its
    ``{"__error__": {...}}`` is returned. Arguments as for ``stream``.
    """
    body = _run_body(locals())
    path = f"/threads/{quote_path(thread_id)}/runs/wait" if thread_id is not None else "/runs/wait"
    return Call(
        method="POST",
        path=path,
        params=params,
        json=body,
        has_body=True,
        headers=headers,
        on_headers=_created(on_run_created),
        decode=_raise_run_error if raise_error else decode_json,
        rejoin=True,
    )


def list(
    thread_id: str,
    *,
    limit: int = 10,
    offset: int = 0,
    status: RunStatus | None = None,
    select: _list[str] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[_list[Run]]:
    """The runs of a thread, newest first."""
    query: dict[str, Any] = {"limit": limit, "offset": offset}
    if status is not None:
        query["status"] = status
    if select:
        query["select"] = select
    return Call(
        method="GET",
        path=f"/threads/{quote_path(thread_id)}/runs",
        params=with_params(query, params),
        headers=headers,
    )


def get(
    thread_id: str,
    run_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Run]:
    """One run (its ``status`` tells whether it finished)."""
    return Call(method="GET", path=_run_path(thread_id, run_id), params=params, headers=headers)


def cancel(
    thread_id: str,
    run_id: str,
    *,
    wait: bool = False,
    action: CancelAction = "interrupt",
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[Any]:
    """Cancel a pending or running run.

    ``action="interrupt"`` keeps the steps it finished, ``"rollback"`` deletes the run and
    its checkpoints. With ``wait`` the call returns once the run stopped.
    """
    query: dict[str, Any] = {"wait": 1 if wait else 0, "action": action}
    return Call(
        method="POST",
        path=f"{_run_path(thread_id, run_id)}/cancel",
        params=with_params(query, params),
        headers=headers,
        rejoin=wait,
    )


def cancel_many(
    *,
    thread_id: str | None = None,
    run_ids: Sequence[str] | None = None,
    status: BulkCancelRunsStatus | None = None,
    action: CancelAction = "interrupt",
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[None]:
    """Cancel several runs: ``run_ids`` of ``thread_id``, or every run with ``status``."""
    payload: dict[str, Any] = {}
    if thread_id:
        payload["thread_id"] = thread_id
    if run_ids:
        payload["run_ids"] = run_ids
    if status:
        payload["status"] = status
    query: dict[str, Any] = {"action": action}
    return Call(
        method="POST",
        path="/runs/cancel",
        params=with_params(query, params),
        json=payload,
        has_body=True,
        headers=headers,
        decode=decode_none,
    )


def join(
    thread_id: str,
    run_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[dict[str, Any]]:
    """Wait for a run to finish and return its final values (as ``wait`` does)."""
    return Call(
        method="GET",
        path=f"{_run_path(thread_id, run_id)}/join",
        params=params,
        headers=headers,
        rejoin=True,
    )


def join_stream(
    thread_id: str,
    run_id: str,
    *,
    cancel_on_disconnect: bool = False,
    stream_mode: StreamMode | Sequence[StreamMode] | None = None,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
    last_event_id: str | None = None,
) -> StreamCall:
    """Stream the events of a run that already exists.

    Without ``last_event_id`` only events sent from now on arrive; with it, a resumable run's
    stored events after that id are replayed first (``"0"``: all of them).
    """
    query: dict[str, Any] = {"cancel_on_disconnect": cancel_on_disconnect}
    if stream_mode is not None:
        query["stream_mode"] = stream_mode
    request_headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    request_headers.update(headers or {})
    return StreamCall(
        method="GET",
        path=f"{_run_path(thread_id, run_id)}/stream",
        params=with_params(query, params),
        headers=request_headers,
    )


def delete(
    thread_id: str,
    run_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: QueryParamTypes | None = None,
) -> Call[None]:
    """Delete a finished run."""
    return Call(
        method="DELETE",
        path=_run_path(thread_id, run_id),
        params=params,
        headers=headers,
        decode=decode_none,
    )
