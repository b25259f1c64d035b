# Generated from src/streamgraph/sdk/_async_runs.py by scripts/gen_sync.py: do not edit.
# Change the async source and run `python scripts/gen_sync.py` (or `make format`).
"""``client.runs`` of the sync client.

Each method builds its request (a ``Call``, or a ``StreamCall`` for the streams) from its
arguments and hands it to the ``SyncHttpClient``. Paths and payloads are those of
``langgraph_sdk`` 0.4 (``server-api.md`` §1.2, §1.3): stateful runs live under
``/threads/{thread_id}/runs``, stateless ones under ``/runs``. The sync client is generated
from the async code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from streamgraph.sdk._call import (
    Call,
    StreamCall,
    decode_json,
    decode_none,
    provided,
    quote_path,
    raise_run_error,
    run_body,
    run_created,
    run_path,
    with_params,
)
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

if TYPE_CHECKING:
    from streamgraph.sdk._sync import SyncHttpClient

__all__ = ("SyncRunsClient",)

_list = list  # ``SyncRunsClient.list`` hides the builtin in the class body


class SyncRunsClient:
    """``client.runs``."""

    def __init__(self, http: SyncHttpClient) -> None:
        self.http = http

    def cancel(
        self,
        thread_id: str,
        run_id: str,
        *,
        wait: bool = False,
        action: CancelAction = "interrupt",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        """Cancel a pending or running run.

        ``action="interrupt"`` keeps the steps it finished, ``"rollback"`` deletes the run and
        its checkpoints. With ``wait`` the call returns once the run stopped.
        """
        query: dict[str, Any] = {"wait": 1 if wait else 0, "action": action}
        return self.http.send(
            Call(
                method="POST",
                path=f"{run_path(thread_id, run_id)}/cancel",
                params=with_params(query, params),
                headers=headers,
                rejoin=wait,
            )
        )

    def cancel_many(
        self,
        *,
        thread_id: str | None = None,
        run_ids: Sequence[str] | None = None,
        status: BulkCancelRunsStatus | None = None,
        action: CancelAction = "interrupt",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        """Cancel several runs: ``run_ids`` of ``thread_id``, or every run with ``status``."""
        payload: dict[str, Any] = {}
        if thread_id:
            payload["thread_id"] = thread_id
        if run_ids:
            payload["run_ids"] = run_ids
        if status:
            payload["status"] = status
        query: dict[str, Any] = {"action": action}
        return self.http.send(
            Call(
                method="POST",
                path="/runs/cancel",
                params=with_params(query, params),
                json=payload,
                has_body=True,
                headers=headers,
                decode=decode_none,
            )
        )

    def create(
        self,
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
    ) -> Run:
        """Create a background run and return it (status ``pending``).

        Its events can be followed with ``join_stream`` (from the start only when created with
        ``stream_resumable=True``), its result read with ``join``. Arguments as for ``stream``.
        """
        body = run_body(
            assistant_id=assistant_id,
            input=input,
            command=command,
            stream_mode=stream_mode,
            stream_subgraphs=stream_subgraphs,
            stream_resumable=stream_resumable,
            metadata=metadata,
            config=config,
            context=context,
            checkpoint=checkpoint,
            checkpoint_id=checkpoint_id,
            checkpoint_during=checkpoint_during,
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            webhook=webhook,
            multitask_strategy=multitask_strategy,
            if_not_exists=if_not_exists,
            on_completion=on_completion,
            after_seconds=after_seconds,
            langsmith_tracer=langsmith_tracing,
            durability=durability,
            strict_resume=strict_resume,
        )
        return self.http.send(
            Call(
                method="POST",
                path=f"/threads/{quote_path(thread_id)}/runs" if thread_id else "/runs",
                params=params,
                json=body,
                has_body=True,
                headers=headers,
                on_headers=run_created(on_run_created),
            )
        )

    def create_batch(
        self,
        payloads: _list[RunCreate],
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> _list[Run]:
        """Create several stateless background runs in one request."""
        return self.http.send(
            Call(
                method="POST",
                path="/runs/batch",
                params=params,
                json=[provided(payload) for payload in payloads],
                has_body=True,
                headers=headers,
            )
        )

    def delete(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        """Delete a finished run."""
        return self.http.send(
            Call(
                method="DELETE",
                path=run_path(thread_id, run_id),
                params=params,
                headers=headers,
                decode=decode_none,
            )
        )

    def get(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Run:
        """One run (its ``status`` tells whether it finished)."""
        return self.http.send(
            Call(method="GET", path=run_path(thread_id, run_id), params=params, headers=headers)
        )

    def join(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        """Wait for a run to finish and return its final values (as ``wait`` does)."""
        return self.http.send(
            Call(
                method="GET",
                path=f"{run_path(thread_id, run_id)}/join",
                params=params,
                headers=headers,
                rejoin=True,
            )
        )

    def join_stream(
        self,
        thread_id: str,
        run_id: str,
        *,
        cancel_on_disconnect: bool = False,
        stream_mode: StreamMode | Sequence[StreamMode] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
        last_event_id: str | None = None,
    ) -> Iterator[Any]:
        """Stream the events of a run that already exists.

        Without ``last_event_id`` only events sent from now on arrive; with it, a resumable run's
        stored events after that id are replayed first (``"0"``: all of them).
        """
        query: dict[str, Any] = {"cancel_on_disconnect": cancel_on_disconnect}
        if stream_mode is not None:
            query["stream_mode"] = stream_mode
        request_headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        request_headers.update(headers or {})
        return self.http.stream(
            StreamCall(
                method="GET",
                path=f"{run_path(thread_id, run_id)}/stream",
                params=with_params(query, params),
                headers=request_headers,
            )
        )

    def list(
        self,
        thread_id: str,
        *,
        limit: int = 10,
        offset: int = 0,
        status: RunStatus | None = None,
        select: _list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> _list[Run]:
        """The runs of a thread, newest first."""
        query: dict[str, Any] = {"limit": limit, "offset": offset}
        if status is not None:
            query["status"] = status
        if select:
            query["select"] = select
        return self.http.send(
            Call(
                method="GET",
                path=f"/threads/{quote_path(thread_id)}/runs",
                params=with_params(query, params),
                headers=headers,
            )
        )

    def stream(
        self,
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
    ) -> Iterator[Any]:
        """Create a run and stream its events.

        Args:
            thread_id: The thread to run on; ``None`` for a stateless run (the server makes a
                temporary thread).
            assistant_id: An assistant id, or a graph id (its default assistant).
            input: The graph input. ``command``: a ``Command`` as a dict (``resume``,
                ``update``, ``goto``) instead of input.
            stream_mode: One mode or a list (``values``, ``updates``, ``messages-tuple``,
                ``custom``, ``debug``, ``tasks``, ``checkpoints``, ``events``...).
            stream_subgraphs: Also stream events of subgraphs (their event names carry the
                namespace: ``updates|node:<task id>``).
            stream_resumable: Ask the server to keep the run's events so that a reconnect can
                replay them (a LangGraph server only sends event ids then).
            on_run_created: Called with ``{run_id, thread_id}`` once the server created the
                run.
            version: ``"v1"`` yields ``StreamPart(event, data, id)``; ``"v2"`` yields dicts
                ``{type, ns, data, interrupts}`` (and drops the ``end`` event).

        The other arguments are the run-creation fields of the LangGraph Server API; ``None``
        means "the server's default". If the connection drops before the run ends, the stream
        reconnects to the run and resumes after the last event received.

        Returns:
            An iterator of the run's events.
        """
        body = run_body(
            assistant_id=assistant_id,
            input=input,
            command=command,
            stream_mode=stream_mode,
            stream_subgraphs=stream_subgraphs,
            stream_resumable=stream_resumable,
            metadata=metadata,
            config=config,
            context=context,
            checkpoint=checkpoint,
            checkpoint_id=checkpoint_id,
            checkpoint_during=checkpoint_during,
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            feedback_keys=feedback_keys,
            on_disconnect=on_disconnect,
            on_completion=on_completion,
            webhook=webhook,
            multitask_strategy=multitask_strategy,
            if_not_exists=if_not_exists,
            after_seconds=after_seconds,
            langsmith_tracer=langsmith_tracing,
            durability=durability,
            strict_resume=strict_resume,
        )
        if version not in ("v1", "v2"):
            raise ValueError(f"Unknown stream version {version!r}; valid versions are: v1, v2")
        stateless = thread_id is None
        return self.http.stream(
            StreamCall(
                method="POST",
                path="/runs/stream"
                if stateless
                else f"/threads/{quote_path(thread_id)}/runs/stream",
                params=params,
                json=body,
                has_body=True,
                headers=dict(headers or {}),
                version=version,
                on_headers=run_created(on_run_created),
            )
        )

    def wait(
        self,
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
    ) -> Any:
        """Create a run, wait for it to finish, and return its final values.

        With interrupts, the values carry ``__interrupt__``. A failed run raises ``RunError``
        (``"<ErrorClass>: <message>"``) when ``raise_error``; otherwise its
        ``{"__error__": {...}}`` is returned. Arguments as for ``stream``.
        """
        body = run_body(
            assistant_id=assistant_id,
            input=input,
            command=command,
            metadata=metadata,
            config=config,
            context=context,
            checkpoint=checkpoint,
            checkpoint_id=checkpoint_id,
            checkpoint_during=checkpoint_during,
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            webhook=webhook,
            on_disconnect=on_disconnect,
            on_completion=on_completion,
            multitask_strategy=multitask_strategy,
            if_not_exists=if_not_exists,
            after_seconds=after_seconds,
            langsmith_tracer=langsmith_tracing,
            durability=durability,
            strict_resume=strict_resume,
        )
        stateless = thread_id is None
        return self.http.send(
            Call(
                method="POST",
                path="/runs/wait" if stateless else f"/threads/{quote_path(thread_id)}/runs/wait",
                params=params,
                json=body,
                has_body=True,
                headers=headers,
                on_headers=run_created(on_run_created),
                decode=raise_run_error if raise_error else decode_json,
                rejoin=True,
            )
        )
