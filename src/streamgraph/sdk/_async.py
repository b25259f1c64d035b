"""The async client: ``get_client()``, ``LangGraphClient``, and its ``HttpClient``,
which carries out ``Call``s with ``httpx.AsyncClient``.

The client's sections are in ``_async_assistants.py``, ``_async_threads.py``,
``_async_runs.py`` and ``_async_store.py``: each method builds its request and hands it here.
Only the async code is written by hand: ``scripts/gen_sync.py`` writes the sync client from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx

from streamgraph.sdk._async_assistants import AssistantsClient
from streamgraph.sdk._async_runs import RunsClient
from streamgraph.sdk._async_store import StoreClient
from streamgraph.sdk._async_threads import ThreadsClient
from streamgraph.sdk._call import (
    NOT_PROVIDED,
    Call,
    Open,
    Reply,
    StreamCall,
    error_body,
    opening,
    same_origin,
)
from streamgraph.sdk._config import client_options
from streamgraph.sdk._flow import StreamFlow, rejoin_delays, retryable, run_status
from streamgraph.sdk.errors import APIConnectionError, error_for_status, error_for_transport

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
        async for part in client.runs.stream(None, "agent", input={"topic": "cats"}):
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
                if not (call.rejoin and location and same_origin(self.client.base_url, location)):
                    raise error_for_transport(error, self.client.base_url) from error
                body = await self._rejoin(location, dict(call.headers or {}), error)
        finally:
            await response.aclose()
        return call.decode(Reply(response.status_code, response.headers, body))

    async def _rejoin(self, location: str, headers: dict[str, str], error: Exception) -> bytes:
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
        raise APIConnectionError(
            f"Gave up fetching {location} from {self.client.base_url}: {error}"
        ) from error

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
            spec.method, spec.path, params=spec.params, content=spec.content, headers=spec.headers
        )
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
