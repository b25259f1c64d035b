"""The sync client: ``get_sync_client()`` and the shells that carry out ``Call``s with
``httpx.Client``. The same file as ``_async.py``, without ``async``/``await``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx

from streamgraph.sdk import _assistants, _runs, _store, _threads
from streamgraph.sdk._call import (
    NOT_PROVIDED,
    Call,
    Open,
    Reply,
    StreamCall,
    error_body,
    given,
    opening,
    same_origin,
)
from streamgraph.sdk._config import client_options
from streamgraph.sdk._flow import StreamFlow, rejoin_delays, retryable, run_status
from streamgraph.sdk.errors import APIConnectionError, error_for_status, error_for_transport
from streamgraph.sdk.schema import (
    All,
    Assistant,
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
    Item,
    Json,
    LangSmithTracing,
    MultitaskStrategy,
    OnCompletionBehavior,
    OnConflictBehavior,
    PruneStrategy,
    QueryParamTypes,
    Run,
    RunCreate,
    RunCreateMetadata,
    RunStatus,
    SortOrder,
    StreamMode,
    StreamVersion,
    Thread,
    ThreadState,
    ThreadStatus,
    ThreadStreamMode,
)

__all__ = (
    "SyncAssistantsClient",
    "SyncHttpClient",
    "SyncLangGraphClient",
    "SyncRunsClient",
    "SyncStoreClient",
    "SyncThreadsClient",
    "get_sync_client",
)

T = TypeVar("T")
C = TypeVar("C", bound=type)
_list = list


def get_sync_client(
    *,
    url: str | None = None,
    api_key: str | None = NOT_PROVIDED,
    headers: Mapping[str, str] | None = None,
    timeout: Any = None,
) -> SyncLangGraphClient:
    """A sync client for a LangGraph-compatible server (ours or LangGraph's).

    Args:
        url: The server's base URL. ``None`` means ``http://127.0.0.1:2024``, where
            ``streamgraph dev`` listens. (``langgraph_sdk`` mounts an in-process LangGraph
            app for ``None``; there is no such app here, so this is a plain URL.)
        api_key: Sent as ``x-api-key``. Omitted: read from ``LANGGRAPH_API_KEY``,
            ``LANGSMITH_API_KEY`` or ``LANGCHAIN_API_KEY``; ``None``: send no key.
        headers: Extra headers for every request (``x-api-key`` is reserved).
        timeout: An ``httpx`` timeout; default: 5 s to connect, 300 s per read.

    Example::

        client = get_sync_client(url="http://127.0.0.1:2024")
        for part in client.runs.stream(None, "agent", input={"topic": "cats"},
                                       stream_mode="updates"):
            print(part.event, part.data)
    """
    options = client_options(url=url, api_key=api_key, headers=headers, timeout=timeout)
    transport = httpx.HTTPTransport(retries=5)  # retries connecting only
    return SyncLangGraphClient(httpx.Client(transport=transport, **options))


class SyncLangGraphClient:
    """The sync client: ``assistants``, ``threads``, ``runs`` and ``store``."""

    def __init__(self, client: httpx.Client) -> None:
        self.http = SyncHttpClient(client)
        self.assistants = SyncAssistantsClient(self.http)
        self.threads = SyncThreadsClient(self.http)
        self.runs = SyncRunsClient(self.http)
        self.store = SyncStoreClient(self.http)

    def __enter__(self) -> SyncLangGraphClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections."""
        self.http.client.close()


class SyncHttpClient:
    """Carries out ``Call``s and ``StreamCall``s over an ``httpx.Client``."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def send(self, call: Call[T]) -> T:
        """One request; its decoded response."""
        response = self._open(opening(call))
        try:
            if call.on_headers is not None:
                call.on_headers(response.headers)
            try:
                body = response.read()
            except httpx.TransportError as error:
                location = response.headers.get("location")
                if not (call.rejoin and location and same_origin(self.client.base_url,
                                                                 location)):
                    raise error_for_transport(error, self.client.base_url) from error
                body = self._rejoin(location, dict(call.headers or {}), error)
        finally:
            response.close()
        return call.decode(Reply(response.status_code, response.headers, body))

    def _rejoin(self, location: str, headers: dict[str, str], error: Exception
                      ) -> bytes:
        # The run goes on without us: fetch its result where the server said it would be.
        for delay in rejoin_delays():
            time.sleep(delay)
            try:
                response = self._open(Open("GET", location, None, None, headers))
                try:
                    return response.read()
                finally:
                    response.close()
            except httpx.HTTPError as failure:
                if not retryable(failure):
                    raise
                error = failure
        raise APIConnectionError(f"Gave up fetching {location} from {self.client.base_url}: "
                                 f"{error}") from error

    def stream(self, call: StreamCall) -> Iterator[Any]:
        """The events of a run stream, reconnecting after drops (see ``_flow.py``)."""
        flow = StreamFlow(call, self.client.base_url)
        while not flow.finished:
            if flow.delay:
                time.sleep(flow.delay)
            try:
                response = self._open(flow.request())
                try:
                    flow.opened(response.headers)
                    for chunk in response.iter_bytes():
                        yield from flow.feed(chunk)
                finally:
                    response.close()
                check = flow.run_check()
                if check is not None:
                    flow.checked(self._run_status(check))
            except httpx.HTTPError as error:
                flow.dropped(error)

    def _run_status(self, check: Open) -> str | None:
        try:
            response = self._open(check)
            try:
                body = response.read()
            finally:
                response.close()
        except httpx.HTTPStatusError as error:
            if retryable(error):
                raise
            return None
        return run_status(body)

    def _open(self, spec: Open) -> httpx.Response:
        """Send a request and return the response with its body unread; error statuses are
        raised as ``APIStatusError``s, transport failures as ``APIConnectionError``s."""
        request = self.client.build_request(
            spec.method, spec.path, params=spec.params, content=spec.content,
            headers=spec.headers)
        try:
            response = self.client.send(request, stream=True)
            if response.status_code < 400:
                return response
            try:
                body = response.read()
            finally:
                response.close()
        except httpx.TransportError as error:
            raise error_for_transport(error, self.client.base_url) from error
        raise error_for_status(response, error_body(body))


def _documented(module: Any) -> Callable[[C], C]:
    """Give each method of the decorated class the docstring of its description."""

    def document(cls: C) -> C:
        for name in module.__all__:
            getattr(cls, name).__doc__ = getattr(module, name).__doc__
        return cls

    return document


@_documented(_assistants)
class SyncAssistantsClient:
    """``client.assistants``."""

    def __init__(self, http: SyncHttpClient) -> None:
        self.http = http

    def count(
        self,
        *,
        metadata: Json = None,
        graph_id: str | None = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> int:
        return self.http.send(_assistants.count(**given(locals())))

    def create(
        self,
        graph_id: str | None,
        config: Config | None = None,
        *,
        context: Context | None = None,
        metadata: Json = None,
        assistant_id: str | None = None,
        if_exists: OnConflictBehavior | None = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        description: str | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        return self.http.send(_assistants.create(**given(locals())))

    def delete(
        self,
        assistant_id: str,
        *,
        delete_threads: bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return self.http.send(_assistants.delete(**given(locals())))

    def get(
        self,
        assistant_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        return self.http.send(_assistants.get(**given(locals())))

    def get_graph(
        self,
        assistant_id: str,
        *,
        xray: int | bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        return self.http.send(_assistants.get_graph(**given(locals())))

    def get_schemas(
        self,
        assistant_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return self.http.send(_assistants.get_schemas(**given(locals())))

    def get_subgraphs(
        self,
        assistant_id: str,
        namespace: str | None = None,
        recurse: bool = False,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return self.http.send(_assistants.get_subgraphs(**given(locals())))

    def get_versions(
        self,
        assistant_id: str,
        metadata: Json = None,
        limit: int = 10,
        offset: int = 0,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> list[dict[str, Any]]:
        return self.http.send(_assistants.get_versions(**given(locals())))

    def search(
        self,
        *,
        metadata: Json = None,
        graph_id: str | None = None,
        name: str | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str | None = None,
        sort_order: SortOrder | None = None,
        select: list[str] | None = None,
        response_format: Literal["array", "object"] = "array",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        return self.http.send(_assistants.search(**given(locals())))

    def set_latest(
        self,
        assistant_id: str,
        version: int,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        return self.http.send(_assistants.set_latest(**given(locals())))

    def update(
        self,
        assistant_id: str,
        *,
        graph_id: str | None = None,
        config: Config | None = None,
        context: Context | None = None,
        metadata: Json = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        description: str | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        return self.http.send(_assistants.update(**given(locals())))


@_documented(_threads)
class SyncThreadsClient:
    """``client.threads``."""

    def __init__(self, http: SyncHttpClient) -> None:
        self.http = http

    def copy(
        self,
        thread_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        return self.http.send(_threads.copy(**given(locals())))

    def count(
        self,
        *,
        metadata: Json = None,
        values: Json = None,
        status: ThreadStatus | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> int:
        return self.http.send(_threads.count(**given(locals())))

    def create(
        self,
        *,
        metadata: Json = None,
        thread_id: str | None = None,
        if_exists: OnConflictBehavior | None = None,
        supersteps: Sequence[dict[str, Sequence[dict[str, Any]]]] | None = None,
        graph_id: str | None = None,
        ttl: int | Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread:
        return self.http.send(_threads.create(**given(locals())))

    def delete(
        self,
        thread_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return self.http.send(_threads.delete(**given(locals())))

    def get(
        self,
        thread_id: str,
        *,
        include: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread:
        return self.http.send(_threads.get(**given(locals())))

    def get_history(
        self,
        thread_id: str,
        *,
        limit: int = 10,
        before: str | Checkpoint | None = None,
        metadata: Mapping[str, Any] | None = None,
        checkpoint: Checkpoint | None = None,
        select: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> list[ThreadState]:
        return self.http.send(_threads.get_history(**given(locals())))

    def get_state(
        self,
        thread_id: str,
        checkpoint: Checkpoint | None = None,
        checkpoint_id: str | None = None,
        *,
        subgraphs: bool = False,
        select: list[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> ThreadState:
        return self.http.send(_threads.get_state(**given(locals())))

    def join_stream(
        self,
        thread_id: str,
        *,
        last_event_id: str | None = None,
        stream_mode: ThreadStreamMode | Sequence[ThreadStreamMode] = "run_modes",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Iterator[Any]:
        return self.http.stream(_threads.join_stream(**given(locals())))

    def prune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: PruneStrategy = "delete",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return self.http.send(_threads.prune(**given(locals())))

    def search(
        self,
        *,
        metadata: Json = None,
        values: Json = None,
        ids: Sequence[str] | None = None,
        status: ThreadStatus | None = None,
        limit: int = 10,
        offset: int = 0,
        sort_by: str | None = None,
        sort_order: SortOrder | None = None,
        select: list[str] | None = None,
        extract: dict[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> list[Thread]:
        return self.http.send(_threads.search(**given(locals())))

    def update(
        self,
        thread_id: str,
        *,
        metadata: Mapping[str, Any],
        ttl: int | Mapping[str, Any] | None = None,
        return_minimal: bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread | None:
        return self.http.send(_threads.update(**given(locals())))

    def update_state(
        self,
        thread_id: str,
        values: dict[str, Any] | Sequence[dict[str, Any]] | None,
        *,
        as_node: str | None = None,
        checkpoint: Checkpoint | None = None,
        checkpoint_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return self.http.send(_threads.update_state(**given(locals())))


@_documented(_runs)
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
        return self.http.send(_runs.cancel(**given(locals())))

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
        return self.http.send(_runs.cancel_many(**given(locals())))

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
        return self.http.send(_runs.create(**given(locals())))

    def create_batch(
        self,
        payloads: _list[RunCreate],
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> _list[Run]:
        return self.http.send(_runs.create_batch(**given(locals())))

    def delete(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return self.http.send(_runs.delete(**given(locals())))

    def get(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Run:
        return self.http.send(_runs.get(**given(locals())))

    def join(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return self.http.send(_runs.join(**given(locals())))

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
        return self.http.stream(_runs.join_stream(**given(locals())))

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
        return self.http.send(_runs.list(**given(locals())))

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
        return self.http.stream(_runs.stream(**given(locals())))

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
        return self.http.send(_runs.wait(**given(locals())))


@_documented(_store)
class SyncStoreClient:
    """``client.store``."""

    def __init__(self, http: SyncHttpClient) -> None:
        self.http = http

    def delete_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return self.http.send(_store.delete_item(**given(locals())))

    def get_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        *,
        refresh_ttl: bool | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Item:
        return self.http.send(_store.get_item(**given(locals())))

    def list_namespaces(
        self,
        prefix: list[str] | None = None,
        suffix: list[str] | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return self.http.send(_store.list_namespaces(**given(locals())))

    def put_item(
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
        return self.http.send(_store.put_item(**given(locals())))

    def search_items(
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
        return self.http.send(_store.search_items(**given(locals())))
