# Generated from src/streamgraph/sdk/_async.py by scripts/gen_sync.py: do not edit.
# Change the async source and run `python scripts/gen_sync.py` (or `make format`).
"""The sync client: ``get_sync_client()``, ``SyncLangGraphClient``, and its ``SyncHttpClient``,
which carries out ``Call``s with ``httpx.Client``.

The client's sections are in ``_sync_assistants.py``, ``_sync_threads.py``,
``_sync_runs.py`` and ``_sync_store.py``: each method builds its request and hands it here.
Only the async code is written by hand: ``scripts/gen_sync.py`` writes the sync client from it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, TypeVar

import httpx

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
from streamgraph.sdk._sync_assistants import SyncAssistantsClient
from streamgraph.sdk._sync_runs import SyncRunsClient
from streamgraph.sdk._sync_store import SyncStoreClient
from streamgraph.sdk._sync_threads import SyncThreadsClient
from streamgraph.sdk.errors import APIConnectionError, error_for_status, error_for_transport

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
        for part in client.runs.stream(None, "agent", input={"topic": "cats"}):
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
                if not (call.rejoin and location and same_origin(self.client.base_url, location)):
                    raise error_for_transport(error, self.client.base_url) from error
                body = self._rejoin(location, dict(call.headers or {}), error)
        finally:
            response.close()
        return call.decode(Reply(response.status_code, response.headers, body))

    def _rejoin(self, location: str, headers: dict[str, str], error: Exception) -> bytes:
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
        raise APIConnectionError(
            f"Gave up fetching {location} from {self.client.base_url}: {error}"
        ) from error

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
            spec.method, spec.path, params=spec.params, content=spec.content, headers=spec.headers
        )
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
