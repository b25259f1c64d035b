"""The async client: ``get_client()`` and the shells that carry out ``Call``s with
``httpx.AsyncClient``.

Each method is one line: build the request description (``_assistants.py``, ``_threads.py``,
``_runs.py``, ``_store.py``) from its arguments and hand it to ``HttpClient``. Its docstring is
the description's. ``_sync.py`` is the same file with ``httpx.Client``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
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
    "AssistantsClient",
    "HttpClient",
    "LangGraphClient",
    "RunsClient",
    "StoreClient",
    "ThreadsClient",
    "get_client",
)

T = TypeVar("T")
C = TypeVar("C", bound=type)
_list = list


def get_client(
    *,
    url: str | None = None,
    api_key: str | None = NOT_PROVIDED,
    headers: Mapping[str, str] | None = None,
    timeout: Any = None,
) -> LangGraphClient:
    """An async client for a LangGraph-compatible server (ours or LangGraph's).

    Args:
        url: The server's base URL. ``None`` means ``http://127.0.0.1:2024``, where
            ``streamgraph dev`` listens. (``langgraph_sdk`` mounts an in-process LangGraph
            app for ``None``; there is no such app here, so this is a plain URL.)
        api_key: Sent as ``x-api-key``. Omitted: read from ``LANGGRAPH_API_KEY``,
            ``LANGSMITH_API_KEY`` or ``LANGCHAIN_API_KEY``; ``None``: send no key.
        headers: Extra headers for every request (``x-api-key`` is reserved).
        timeout: An ``httpx`` timeout; default: 5 s to connect, 300 s per read.

    Example::

        client = get_client(url="http://127.0.0.1:2024")
        async for part in client.runs.stream(None, "agent", input={"topic": "cats"},
                                             stream_mode="updates"):
            print(part.event, part.data)
    """
    options = client_options(url=url, api_key=api_key, headers=headers, timeout=timeout)
    transport = httpx.AsyncHTTPTransport(retries=5)  # retries connecting only
    return LangGraphClient(httpx.AsyncClient(transport=transport, **options))


class LangGraphClient:
    """The async client: ``assistants``, ``threads``, ``runs`` and ``store``."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = HttpClient(client)
        self.assistants = AssistantsClient(self.http)
        self.threads = ThreadsClient(self.http)
        self.runs = RunsClient(self.http)
        self.store = StoreClient(self.http)

    async def __aenter__(self) -> LangGraphClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connections."""
        await self.http.client.aclose()


class HttpClient:
    """Carries out ``Call``s and ``StreamCall``s over an ``httpx.AsyncClient``."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def send(self, call: Call[T]) -> T:
        """One request; its decoded response."""
        response = await self._open(opening(call))
        try:
            if call.on_headers is not None:
                call.on_headers(response.headers)
            try:
                body = await response.aread()
            except httpx.TransportError as error:
                location = response.headers.get("location")
                if not (call.rejoin and location and same_origin(self.client.base_url,
                                                                 location)):
                    raise error_for_transport(error, self.client.base_url) from error
                body = await self._rejoin(location, dict(call.headers or {}), error)
        finally:
            await response.aclose()
        return call.decode(Reply(response.status_code, response.headers, body))

    async def _rejoin(self, location: str, headers: dict[str, str], error: Exception
                      ) -> bytes:
        # The run goes on without us: fetch its result where the server said it would be.
        for delay in rejoin_delays():
            await asyncio.sleep(delay)
            try:
                response = await self._open(Open("GET", location, None, None, headers))
                try:
                    return await response.aread()
                finally:
                    await response.aclose()
            except httpx.HTTPError as failure:
                if not retryable(failure):
                    raise
                error = failure
        raise APIConnectionError(f"Gave up fetching {location} from {self.client.base_url}: "
                                 f"{error}") from error

    async def stream(self, call: StreamCall) -> AsyncIterator[Any]:
        """The events of a run stream, reconnecting after drops (see ``_flow.py``)."""
        flow = StreamFlow(call, self.client.base_url)
        while not flow.finished:
            if flow.delay:
                await asyncio.sleep(flow.delay)
            try:
                response = await self._open(flow.request())
                try:
                    flow.opened(response.headers)
                    async for chunk in response.aiter_bytes():
                        for item in flow.feed(chunk):
                            yield item
                finally:
                    await response.aclose()
                check = flow.run_check()
                if check is not None:
                    flow.checked(await self._run_status(check))
            except httpx.HTTPError as error:
                flow.dropped(error)

    async def _run_status(self, check: Open) -> str | None:
        try:
            response = await self._open(check)
            try:
                body = await response.aread()
            finally:
                await response.aclose()
        except httpx.HTTPStatusError as error:
            if retryable(error):
                raise
            return None
        return run_status(body)

    async def _open(self, spec: Open) -> httpx.Response:
        """Send a request and return the response with its body unread; error statuses are
        raised as ``APIStatusError``s, transport failures as ``APIConnectionError``s."""
        request = self.client.build_request(
            spec.method, spec.path, params=spec.params, content=spec.content,
            headers=spec.headers)
        try:
            response = await self.client.send(request, stream=True)
            if response.status_code < 400:
                return response
            try:
                body = await response.aread()
            finally:
                await response.aclose()
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
class AssistantsClient:
    """``client.assistants``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def count(
        self,
        *,
        metadata: Json = None,
        graph_id: str | None = None,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> int:
        return await self.http.send(_assistants.count(**given(locals())))

    async def create(
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
        return await self.http.send(_assistants.create(**given(locals())))

    async def delete(
        self,
        assistant_id: str,
        *,
        delete_threads: bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return await self.http.send(_assistants.delete(**given(locals())))

    async def get(
        self,
        assistant_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        return await self.http.send(_assistants.get(**given(locals())))

    async def get_graph(
        self,
        assistant_id: str,
        *,
        xray: int | bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        return await self.http.send(_assistants.get_graph(**given(locals())))

    async def get_schemas(
        self,
        assistant_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return await self.http.send(_assistants.get_schemas(**given(locals())))

    async def get_subgraphs(
        self,
        assistant_id: str,
        namespace: str | None = None,
        recurse: bool = False,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return await self.http.send(_assistants.get_subgraphs(**given(locals())))

    async def get_versions(
        self,
        assistant_id: str,
        metadata: Json = None,
        limit: int = 10,
        offset: int = 0,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> list[dict[str, Any]]:
        return await self.http.send(_assistants.get_versions(**given(locals())))

    async def search(
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
        return await self.http.send(_assistants.search(**given(locals())))

    async def set_latest(
        self,
        assistant_id: str,
        version: int,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Assistant:
        return await self.http.send(_assistants.set_latest(**given(locals())))

    async def update(
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
        return await self.http.send(_assistants.update(**given(locals())))


@_documented(_threads)
class ThreadsClient:
    """``client.threads``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def copy(
        self,
        thread_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        return await self.http.send(_threads.copy(**given(locals())))

    async def count(
        self,
        *,
        metadata: Json = None,
        values: Json = None,
        status: ThreadStatus | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> int:
        return await self.http.send(_threads.count(**given(locals())))

    async def create(
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
        return await self.http.send(_threads.create(**given(locals())))

    async def delete(
        self,
        thread_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return await self.http.send(_threads.delete(**given(locals())))

    async def get(
        self,
        thread_id: str,
        *,
        include: Sequence[str] | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread:
        return await self.http.send(_threads.get(**given(locals())))

    async def get_history(
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
        return await self.http.send(_threads.get_history(**given(locals())))

    async def get_state(
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
        return await self.http.send(_threads.get_state(**given(locals())))

    async def join_stream(
        self,
        thread_id: str,
        *,
        last_event_id: str | None = None,
        stream_mode: ThreadStreamMode | Sequence[ThreadStreamMode] = "run_modes",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> AsyncIterator[Any]:
        return self.http.stream(_threads.join_stream(**given(locals())))

    async def prune(
        self,
        thread_ids: Sequence[str],
        *,
        strategy: PruneStrategy = "delete",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return await self.http.send(_threads.prune(**given(locals())))

    async def search(
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
        return await self.http.send(_threads.search(**given(locals())))

    async def update(
        self,
        thread_id: str,
        *,
        metadata: Mapping[str, Any],
        ttl: int | Mapping[str, Any] | None = None,
        return_minimal: bool = False,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Thread | None:
        return await self.http.send(_threads.update(**given(locals())))

    async def update_state(
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
        return await self.http.send(_threads.update_state(**given(locals())))


@_documented(_runs)
class RunsClient:
    """``client.runs``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def cancel(
        self,
        thread_id: str,
        run_id: str,
        *,
        wait: bool = False,
        action: CancelAction = "interrupt",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Any:
        return await self.http.send(_runs.cancel(**given(locals())))

    async def cancel_many(
        self,
        *,
        thread_id: str | None = None,
        run_ids: Sequence[str] | None = None,
        status: BulkCancelRunsStatus | None = None,
        action: CancelAction = "interrupt",
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return await self.http.send(_runs.cancel_many(**given(locals())))

    async def create(
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
        return await self.http.send(_runs.create(**given(locals())))

    async def create_batch(
        self,
        payloads: _list[RunCreate],
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> _list[Run]:
        return await self.http.send(_runs.create_batch(**given(locals())))

    async def delete(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return await self.http.send(_runs.delete(**given(locals())))

    async def get(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Run:
        return await self.http.send(_runs.get(**given(locals())))

    async def join(
        self,
        thread_id: str,
        run_id: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return await self.http.send(_runs.join(**given(locals())))

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
    ) -> AsyncIterator[Any]:
        return self.http.stream(_runs.join_stream(**given(locals())))

    async def list(
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
        return await self.http.send(_runs.list(**given(locals())))

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
    ) -> AsyncIterator[Any]:
        return self.http.stream(_runs.stream(**given(locals())))

    async def wait(
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
        return await self.http.send(_runs.wait(**given(locals())))


@_documented(_store)
class StoreClient:
    """``client.store``."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def delete_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> None:
        return await self.http.send(_store.delete_item(**given(locals())))

    async def get_item(
        self,
        namespace: Sequence[str],
        /,
        key: str,
        *,
        refresh_ttl: bool | None = None,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> Item:
        return await self.http.send(_store.get_item(**given(locals())))

    async def list_namespaces(
        self,
        prefix: list[str] | None = None,
        suffix: list[str] | None = None,
        max_depth: int | None = None,
        limit: int = 100,
        offset: int = 0,
        headers: Mapping[str, str] | None = None,
        params: QueryParamTypes | None = None,
    ) -> dict[str, Any]:
        return await self.http.send(_store.list_namespaces(**given(locals())))

    async def put_item(
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
        return await self.http.send(_store.put_item(**given(locals())))

    async def search_items(
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
        return await self.http.send(_store.search_items(**given(locals())))
