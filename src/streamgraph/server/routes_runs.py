"""Run routes: create (background, streamed, waited), list, get, delete, join, cancel, on a
thread or stateless. Behaviour follows LangGraph's server (``server-api.md`` §1.2, §2, §3);
where we differ (join replays from the start; every event carries an id; stateless runs can
be re-joined at ``GET /runs/{run_id}/stream``), COMPAT.md says so."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from streamgraph.sdk.schema import Assistant, Run
from streamgraph.server.access import (
    RUN_CANCEL,
    RUN_CREATE,
    RUN_DELETE,
    RUN_READ,
    RUNS_CANCEL,
    principal_of_scope,
)
from streamgraph.server.api import ApiError, new_id, now, thread_row
from streamgraph.server.auth import AuthHandlerFailed, Principal
from streamgraph.server.models import (
    STREAM_MODES,
    JsonObject,
    RunBatchCreate,
    RunCreate,
    RunCreateStateful,
    RunCreateStateless,
    RunCreateStreamingStateful,
    RunCreateStreamingStateless,
    RunsCancel,
)
from streamgraph.server.responses import event_filter, keepalive_json, sse
from streamgraph.server.routing import EventStream, Req, RequestInvalid, endpoint, json_response

if TYPE_CHECKING:
    from streamgraph.server.api import Api
    from streamgraph.server.filters import MetadataFilter
    from streamgraph.server.runs import ActiveRun

from streamgraph.server.runs import Phase

__all__ = ()

BUSY = (
    "Thread is already running a task. Wait for it to finish or choose a different "
    "multitask strategy."
)
NOT_FOUND = "Thread or assistant not found."


# -- creating a run ------------------------------------------------------------------------------


def _check_body(body: RunCreate, stateless: bool) -> None:
    configurable = (body.config or {}).get("configurable")
    if configurable and body.context:
        raise ApiError(
            400,
            "Cannot specify both config.configurable and context: pass the "
            "run's context in context alone",
        )
    if stateless and (body.command or {}).get("resume") is not None:
        raise ApiError(400, "You must provide a thread_id when resuming.")


async def _prepare_thread(
    api: Api,
    thread_id: str,
    body: RunCreateStateful,
    allowed: MetadataFilter | None,
    metadata: JsonObject,
) -> None:
    """The thread must exist (or be created, ``if_not_exists=create``, with the run's
    metadata) and pass the ``create_run`` handler's filter; a run already on it is handled
    by ``multitask_strategy``."""
    existing = await api.call(api.storage.get_thread, thread_id)
    if existing is None:
        if body.if_not_exists != "create":
            raise ApiError(404, NOT_FOUND)
        await api.call(api.storage.create_thread, thread_row(thread_id, metadata))
    elif allowed is not None and not allowed.matches(existing.get("metadata")):
        raise ApiError(404, NOT_FOUND)
    if not api.runs.thread_busy(thread_id):
        return
    strategy = body.multitask_strategy
    if strategy == "reject":
        raise ApiError(409, BUSY)
    if strategy in ("interrupt", "rollback"):
        for active in api.runs.on_thread(thread_id):
            await api.runs.cancel(active.run_id, action=strategy)


def principal(req: Req[Any]) -> Principal:
    """Who makes the request (anonymous without custom auth)."""
    return req.grant.principal if req.grant is not None else principal_of_scope(req.request.scope)


async def create_run(api: Api, thread_id: str | None, body: RunCreate, who: Principal) -> ActiveRun:
    """Check, authorize, store and queue a run (a ``RunCreateStateless`` body: no thread)."""
    stateless = isinstance(body, RunCreateStateless)
    _check_body(body, stateless)
    if body.webhook is not None:
        await api.check_webhook(body.webhook)
    assistant = await api.lookup_assistant(body.assistant_id)
    temporary = isinstance(body, RunCreateStateless) and body.on_completion == "delete"
    thread_id = new_id() if stateless else thread_id
    assert thread_id is not None
    run = _run_row(body, thread_id, assistant, temporary, who)
    allowed, metadata = await _authorize(api, run, body, temporary)
    run["metadata"] = {**metadata, **run["metadata"]}
    await _check_assistant(api, assistant)
    # A thread the run creates has the run's metadata (what an auth handler stamped on it).
    given: Any = (body.config or {}).get("metadata")
    config_metadata: JsonObject = dict(given) if isinstance(given, dict) else {}
    thread_metadata = {
        "graph_id": assistant["graph_id"],
        "assistant_id": assistant["assistant_id"],
        **config_metadata,
        **metadata,
    }
    if isinstance(body, RunCreateStateful):
        await _prepare_thread(api, thread_id, body, allowed, thread_metadata)
    elif not temporary:
        await api.call(api.storage.create_thread, thread_row(thread_id, thread_metadata))
    if not temporary:
        await api.call(api.storage.create_run, run)
        try:
            await api.call(
                api.storage.update_thread,
                thread_id,
                {
                    "status": "busy",
                    "metadata": {
                        "graph_id": assistant["graph_id"],
                        "assistant_id": assistant["assistant_id"],
                    },
                },
            )
        except BaseException:  # not queued: it must not stay pending (a restart would run it)
            await api.call(api.storage.delete_run, run["run_id"])
            raise
    return api.runs.submit(run, temporary=temporary)


async def _authorize(
    api: Api, run: Run, body: RunCreate, temporary: bool
) -> tuple[MetadataFilter | None, JsonObject]:
    """The ``threads.create_run`` handler's filter, and the run's metadata as it left it."""
    value = {
        "thread_id": None if temporary else uuid.UUID(run["thread_id"]),
        "assistant_id": uuid.UUID(run["assistant_id"]),
        "run_id": uuid.UUID(run["run_id"]),
        "status": "pending",
        "metadata": dict(body.metadata or {}),
        "prevent_insert_if_inflight": False,
        "multitask_strategy": run["multitask_strategy"],
        "if_not_exists": getattr(body, "if_not_exists", "create" if temporary else "reject"),
        "after_seconds": body.after_seconds or 0,
        "kwargs": run["kwargs"],
    }
    allowed = await api.authorize("threads", "create_run", value)
    if not isinstance(value["metadata"], dict):
        raise AuthHandlerFailed("The auth handler changed its value wrongly: metadata")
    return allowed, dict(value["metadata"])


async def _check_assistant(api: Api, assistant: Assistant) -> None:
    """A run may use an assistant the request may read (a graph's own assistant always)."""
    if (assistant.get("metadata") or {}).get("created_by") == "system":
        return
    value = {"assistant_id": uuid.UUID(assistant["assistant_id"])}
    readable = await api.authorize("assistants", "read", value)
    if readable is not None and not readable.matches(assistant.get("metadata")):
        raise ApiError(404, NOT_FOUND)


def _run_row(
    body: RunCreate, thread_id: str, assistant: Assistant, temporary: bool, who: Principal
) -> Run:
    modes = body.stream_mode or ["values"]
    # As LangGraph's server: a delayed run is created in the future (it starts then, also
    # after a restart).
    stamp = now(body.after_seconds or 0.0)
    # The creator, as the run's graph sees it (whatever the client put there).
    config: JsonObject = dict(body.config or {})
    config["configurable"] = {**(config.get("configurable") or {}), **who.configurable()}
    kwargs = {
        "input": body.input,
        "command": body.command,
        "config": config,
        "context": body.context or {},
        "stream_mode": [modes] if isinstance(modes, str) else list(modes),
        "interrupt_before": body.interrupt_before,
        "interrupt_after": body.interrupt_after,
        "webhook": body.webhook,
        "feedback_keys": body.feedback_keys,
        "temporary": temporary,
        "subgraphs": body.stream_subgraphs,
        "resumable": body.stream_resumable,
        "checkpoint_during": True if body.checkpoint_during is None else body.checkpoint_during,
        "durability": body.durability or "async",
        "checkpoint_id": body.checkpoint_id,
        "checkpoint": body.checkpoint,
    }
    strategy = body.multitask_strategy if isinstance(body, RunCreateStateful) else "enqueue"
    return {
        "run_id": new_id(),
        "thread_id": thread_id,
        "assistant_id": assistant["assistant_id"],
        "metadata": {
            "created_by": "system",
            "graph_id": assistant["graph_id"],
            "assistant_id": assistant["assistant_id"],
        },
        "status": "pending",
        "kwargs": kwargs,
        "multitask_strategy": strategy,
        "created_at": stamp,
        "updated_at": stamp,
    }


def _locations(active: ActiveRun, stateless: bool, tail: str) -> dict[str, str]:
    base = (
        f"/runs/{active.run_id}"
        if stateless
        else f"/threads/{active.thread_id}/runs/{active.run_id}"
    )
    return {"Location": base + tail, "Content-Location": base}


Streaming = RunCreateStreamingStateful | RunCreateStreamingStateless


def _stream_response(api: Api, active: ActiveRun, body: Streaming, stateless: bool) -> Response:
    on_disconnect = None
    if body.on_disconnect == "cancel":

        def on_disconnect() -> None:
            api.runs.request_cancel(active.run_id)

    return sse(
        active.log, on_disconnect=on_disconnect, headers=_locations(active, stateless, "/stream")
    )


def _wait_response(api: Api, active: ActiveRun, body: Streaming, stateless: bool) -> Response:
    on_disconnect = None
    if body.on_disconnect == "cancel":

        def on_disconnect() -> None:
            api.runs.request_cancel(active.run_id)

    location = f"/threads/{active.thread_id}/runs/{active.run_id}/join"
    headers = {
        "Location": location,
        "Content-Location": _locations(active, stateless, "")["Content-Location"],
    }
    return keepalive_json(api.runs.wait(active), headers=headers, on_disconnect=on_disconnect)


RUN_ERRORS = (400, 409)  # bad combination of fields; thread busy (multitask_strategy=reject)
RESULT = JsonObject  # a run's final values, or its interrupt or error (see wait_body)


@endpoint(
    "POST",
    "/threads/{thread_id}/runs",
    body=RunCreateStateful,
    response=Run,
    errors=RUN_ERRORS,
    tag="runs",
    auth=RUN_CREATE,
)
async def create_background(api: Api, req: Req[RunCreateStateful]) -> Response:
    """Create a run on a thread, in the background."""
    active = await create_run(api, req.path["thread_id"], req.body, principal(req))
    return json_response(active.run, headers=_locations(active, False, ""))


@endpoint(
    "POST",
    "/threads/{thread_id}/runs/stream",
    body=RunCreateStreamingStateful,
    response=EventStream,
    errors=RUN_ERRORS,
    tag="runs",
    auth=RUN_CREATE,
)
async def create_stream(api: Api, req: Req[RunCreateStreamingStateful]) -> Response:
    """Create a run on a thread and stream its events (SSE)."""
    active = await create_run(api, req.path["thread_id"], req.body, principal(req))
    return _stream_response(api, active, req.body, stateless=False)


@endpoint(
    "POST",
    "/threads/{thread_id}/runs/wait",
    body=RunCreateStreamingStateful,
    response=RESULT,
    errors=RUN_ERRORS,
    tag="runs",
    auth=RUN_CREATE,
)
async def create_wait(api: Api, req: Req[RunCreateStreamingStateful]) -> Response:
    """Create a run on a thread and wait for its final values."""
    active = await create_run(api, req.path["thread_id"], req.body, principal(req))
    return _wait_response(api, active, req.body, stateless=False)


@endpoint(
    "POST",
    "/runs",
    body=RunCreateStateless,
    response=Run,
    errors=RUN_ERRORS,
    tag="stateless runs",
    auth=RUN_CREATE,
)
async def create_stateless_background(api: Api, req: Req[RunCreateStateless]) -> Response:
    """Create a run without a thread, in the background."""
    active = await create_run(api, None, req.body, principal(req))
    return json_response(active.run, headers=_locations(active, True, ""))


@endpoint(
    "POST",
    "/runs/stream",
    body=RunCreateStreamingStateless,
    response=EventStream,
    errors=RUN_ERRORS,
    tag="stateless runs",
    auth=RUN_CREATE,
)
async def create_stateless_stream(api: Api, req: Req[RunCreateStreamingStateless]) -> Response:
    """Create a run without a thread and stream its events (SSE)."""
    active = await create_run(api, None, req.body, principal(req))
    return _stream_response(api, active, req.body, stateless=True)


@endpoint(
    "POST",
    "/runs/wait",
    body=RunCreateStreamingStateless,
    response=RESULT,
    errors=RUN_ERRORS,
    tag="stateless runs",
    auth=RUN_CREATE,
)
async def create_stateless_wait(api: Api, req: Req[RunCreateStreamingStateless]) -> Response:
    """Create a run without a thread and wait for its final values."""
    active = await create_run(api, None, req.body, principal(req))
    return _wait_response(api, active, req.body, stateless=True)


@endpoint(
    "POST",
    "/runs/batch",
    body=RunBatchCreate,
    response=list[Run],
    errors=RUN_ERRORS,
    tag="stateless runs",
    auth=RUN_CREATE,
)
async def create_batch(api: Api, req: Req[RunBatchCreate]) -> list[Run]:
    """Create several stateless background runs."""
    who = principal(req)
    return [(await create_run(api, None, body, who)).run for body in req.body.root]


# -- reading runs ---------------------------------------------------------------------------------


async def _run(api: Api, thread_id: str | None, run_id: str) -> Run:
    """A run (of ``thread_id``, if given); 404 if the request may not see its thread."""
    if thread_id is not None and api.auth_filter("threads") is not None:
        await api.thread(thread_id)
    run = await _find_run(api, thread_id, run_id)
    if thread_id is None and not await _visible(api, run):
        raise ApiError(404, f"Run {run_id} not found")
    return run


async def _find_run(api: Api, thread_id: str | None, run_id: str) -> Run:
    active = api.runs.active.get(run_id)
    if active is not None and (thread_id is None or active.thread_id == thread_id):
        stored = None if active.temporary else await api.call(api.storage.get_run, run_id)
        return stored or active.run
    run = await api.call(api.storage.get_run, run_id)
    if run is None:  # a finished temporary run is known by its log while that is kept
        log = api.logs.get(run_id)
        run = log.run if log is not None else None
    if run is None or (thread_id is not None and run["thread_id"] != thread_id):
        raise ApiError(404, f"Run {run_id} not found")
    return run.copy()


async def _visible(api: Api, run: Run) -> bool:
    """Whether the request may see ``run``: its thread's metadata passes the request's
    filter (a stateless run's thread, never stored, would have had the run's metadata)."""
    if api.auth_filter("threads") is None:
        return True
    thread = await api.call(api.storage.get_thread, run["thread_id"])
    return api.visible("threads", thread if thread is not None else run)


@endpoint(
    "GET",
    "/threads/{thread_id}/runs",
    response=list[Run],
    tag="runs",
    query={
        "limit": "page size (10)",
        "offset": "rows to skip (0)",
        "status": "only runs with this status",
    },
    auth=RUN_READ,
)
async def list_runs(api: Api, req: Req[None]) -> list[Run]:
    """A thread's runs, newest first."""
    await api.thread(req.path["thread_id"])
    status = req.query.get("status")
    if status is not None and status not in (
        "pending",
        "running",
        "error",
        "success",
        "timeout",
        "interrupted",
    ):
        raise RequestInvalid("query.status", f"{status!r} is not a run status")
    return await api.call(
        api.storage.list_runs,
        req.path["thread_id"],
        status=status,
        limit=req.number("limit", 10, minimum=1),
        offset=req.number("offset", 0),
    )


@endpoint("GET", "/threads/{thread_id}/runs/{run_id}", response=Run, tag="runs", auth=RUN_READ)
async def get_run(api: Api, req: Req[None]) -> Run:
    """One run."""
    return await _run(api, req.path["thread_id"], req.path["run_id"])


@endpoint(
    "DELETE", "/threads/{thread_id}/runs/{run_id}", response=None, tag="runs", auth=RUN_DELETE
)
async def delete_run(api: Api, req: Req[None]) -> None:
    """Delete a run (a run in progress is cancelled first)."""
    run = await _run(api, req.path["thread_id"], req.path["run_id"])
    await api.runs.cancel(run["run_id"], action="interrupt", wait=True)
    await api.call(api.storage.delete_run, run["run_id"])
    return None


@endpoint(
    "GET",
    "/threads/{thread_id}/runs/{run_id}/join",
    response=RESULT,
    tag="runs",
    query={"cancel_on_disconnect": "cancel the run if this client goes away"},
    auth=RUN_READ,
)
async def join_run(api: Api, req: Req[None]) -> Any:
    """Wait for a run to finish; its final values."""
    return await _join(api, req, req.path["thread_id"])


async def _join(api: Api, req: Req[None], thread_id: str | None) -> Any:
    run_id = req.path["run_id"]
    run = await _run(api, thread_id, run_id)
    active = api.runs.active.get(run_id)
    if active is not None:
        on_disconnect = (
            (lambda: api.runs.request_cancel(run_id)) if req.flag("cancel_on_disconnect") else None
        )
        # Location: where a client whose connection is cut asks again (the SDKs do).
        headers = {"Location": req.request.url.path}
        return keepalive_json(api.runs.wait(active), headers=headers, on_disconnect=on_disconnect)
    body = api.runs.finished_body(run_id)
    if body is not None:
        return body
    if run["status"] == "error":  # (ended in an earlier process, or long ago)
        error = await api.call(api.storage.run_error, run_id)
        return {"__error__": error or {"error": "Error", "message": "the run failed"}}
    if run["status"] in ("pending", "running"):  # queued in no process: cannot end
        raise ApiError(409, f"Run {run_id} is {run['status']} but not queued on this server")
    thread = await api.call(api.storage.get_thread, run["thread_id"])
    return (thread["values"] if thread is not None else None) or {}


def _last_event_id(req: Req[None]) -> int:
    value = req.request.headers.get("last-event-id")
    if value is None or value in ("", "-"):
        return 0
    try:
        return max(int(value), 0)
    except ValueError:
        raise RequestInvalid(
            "header.Last-Event-ID", f"{value!r} is not an event id of this server (an integer)"
        ) from None


def _join_modes(req: Req[None]) -> list[str] | None:
    """``stream_mode`` of a join: repeated parameters, or one mode, or a JSON list."""
    values = req.query.getlist("stream_mode")
    modes: list[str] = []
    for value in values:
        if not value:  # langgraph_sdk sends an empty one for "all modes"
            continue
        if value.startswith("["):
            from streamgraph.server.serialize import loads

            try:
                parsed = loads(value)
            except ValueError:
                raise RequestInvalid("query.stream_mode", f"{value!r} is not JSON") from None
            modes.extend(parsed if isinstance(parsed, list) else [parsed])
        else:
            modes.append(value)
    for mode in modes:
        if mode not in STREAM_MODES:
            raise RequestInvalid(
                "query.stream_mode", f"{mode!r} is not one of {', '.join(map(repr, STREAM_MODES))}"
            )
    return modes or None


async def _join_stream(api: Api, req: Req[None], thread_id: str | None) -> Response:
    run_id = req.path["run_id"]
    run = await _run(api, thread_id, run_id)
    after = _last_event_id(req)
    keep = event_filter(_join_modes(req))
    log = api.logs.get(run_id)
    if log is None:  # its events are gone: say so, with how the run ended
        raise ApiError(410, _gone(api, run))
    on_disconnect = (
        (lambda: api.runs.request_cancel(run_id)) if req.flag("cancel_on_disconnect") else None
    )
    path = req.request.url.path
    stateless = thread_id is None
    base = f"/runs/{run_id}" if stateless else f"/threads/{run['thread_id']}/runs/{run_id}"
    headers = {"Location": path, "Content-Location": base}
    return sse(log, after=after, keep=keep, on_disconnect=on_disconnect, headers=headers)


def _gone(api: Api, run: Run) -> str:
    how = (
        f"it ended with status '{run['status']}'"
        if run["status"] not in ("pending", "running")
        else f"it is '{run['status']}'"
    )
    return (
        f"The events of run {run['run_id']} are no longer kept (a run's events are kept "
        f"{api.logs.keep_seconds:g} s after it ends): {how}. Its result: GET "
        f"/threads/{run['thread_id']}/runs/{run['run_id']}/join"
    )


@endpoint(
    "GET",
    "/threads/{thread_id}/runs/{run_id}/stream",
    response=EventStream,
    tag="runs",
    query={
        "stream_mode": "only these modes",
        "cancel_on_disconnect": "cancel the run if this client goes away",
    },
    auth=RUN_READ,
)
async def join_stream(api: Api, req: Req[None]) -> Response:
    """Stream a run's events from the start, or after the ``Last-Event-ID`` header."""
    return await _join_stream(api, req, req.path["thread_id"])


@endpoint(
    "GET",
    "/runs/{run_id}/stream",
    response=EventStream,
    tag="stateless runs",
    query={"stream_mode": "only these modes"},
    auth=RUN_READ,
)
async def join_stateless_stream(api: Api, req: Req[None]) -> Response:
    """Stream a stateless run's events (LangGraph's server has no such route)."""
    return await _join_stream(api, req, None)


# -- cancelling -----------------------------------------------------------------------------------


@endpoint(
    "POST",
    "/threads/{thread_id}/runs/{run_id}/cancel",
    response=JsonObject,
    other_responses={202: "Cancelling (without wait=true)"},
    tag="runs",
    query={"wait": "return once the run has stopped", "action": "interrupt|rollback"},
    auth=RUN_CANCEL,
)
async def cancel_run(api: Api, req: Req[None]) -> Any:
    """Cancel a pending or running run."""
    run_id = req.path["run_id"]
    await _run(api, req.path["thread_id"], run_id)
    action = req.choice("action", "interrupt", ("interrupt", "rollback"))
    wait = req.flag("wait")
    if not await api.runs.cancel(run_id, action=action, wait=wait):
        raise ApiError(404, "No matching runs to cancel: the run is not pending or running")
    if wait:
        return {}
    return Response(status_code=202)


@endpoint(
    "POST",
    "/runs/cancel",
    body=RunsCancel,
    response=None,
    tag="runs",
    query={"action": "interrupt|rollback"},
    auth=RUNS_CANCEL,
)
async def cancel_runs(api: Api, req: Req[RunsCancel]) -> None:
    """Cancel several runs: ``{thread_id, run_ids}`` or ``{status}`` (only runs the request
    may see: with custom auth, those on threads its filter lets through)."""
    body = req.body
    action = req.choice("action", "interrupt", ("interrupt", "rollback"))
    if (body.run_ids is None) == (body.status is None):
        raise RequestInvalid("body", "give either thread_id and run_ids, or status")
    if body.run_ids is not None:
        for run_id in body.run_ids:
            active = api.runs.active.get(run_id)
            if active is not None and await _visible(api, active.run):
                await api.runs.cancel(run_id, action=action)
        return None
    wanted = {"pending", "running"} if body.status == "all" else {body.status}
    for active in list(api.runs.active.values()):
        state = "pending" if active.phase is Phase.QUEUED else "running"
        if state in wanted and await _visible(api, active.run):
            await api.runs.cancel(active.run_id, action=action)
    return None
