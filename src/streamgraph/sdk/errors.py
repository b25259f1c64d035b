"""Exceptions raised by the SDK clients.

Everything the SDK raises about the server or the connection is an ``APIError``, which is a
``StreamGraphError``. HTTP statuses map to ``langgraph_sdk``'s class names, and each class is
also the ``httpx`` exception that ``langgraph_sdk`` code already catches::

    StreamGraphError
    ├── APIError(httpx.HTTPError)
    │   ├── APIStatusError(httpx.HTTPStatusError)     the server answered 4xx/5xx
    │   │   ├── BadRequestError                       400
    │   │   ├── AuthenticationError                   401
    │   │   ├── PermissionDeniedError                 403
    │   │   ├── NotFoundError                         404
    │   │   ├── ConflictError                         409 (e.g. multitask_strategy="reject")
    │   │   ├── UnprocessableEntityError              422 (the body failed validation)
    │   │   ├── RateLimitError                        429
    │   │   └── InternalServerError                   5xx
    │   └── APIConnectionError(httpx.TransportError)  unreachable, dropped for good, not SSE
    │       └── APITimeoutError(httpx.TimeoutException)
    └── RunError                                      runs.wait(raise_error=True): the run failed

Divergence: ``langgraph_sdk`` lets raw ``httpx`` transport errors through, and raises a bare
``Exception`` for a failed ``runs.wait``; the classes here are subclasses of those, so the
same ``except`` clauses catch them.
"""

from __future__ import annotations

from typing import Any

import httpx

from streamgraph.errors import StreamGraphError

__all__ = (
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RunError",
    "UnprocessableEntityError",
    "error_for_status",
    "error_for_transport",
)


class APIError(StreamGraphError, httpx.HTTPError):
    """Root of the SDK's errors about the server or the connection to it.

    Attributes:
        message: What went wrong; for HTTP errors, the server's ``detail``.
        body: The decoded error body, when there was one.
    """

    message: str
    body: object | None

    def __init__(self, message: str, *, body: object | None = None) -> None:
        httpx.HTTPError.__init__(self, message)
        self.message = message
        self.body = body


class APIStatusError(APIError, httpx.HTTPStatusError):
    """The server answered with an error status.

    Attributes:
        status_code: The HTTP status.
        response: The ``httpx.Response`` (its body has been read).
        request_id: The ``x-request-id`` response header, if any.
    """

    status_code: int

    def __init__(
        self, message: str, *, response: httpx.Response, body: object | None = None
    ) -> None:
        request = response.request
        text = (
            f"{message} ({response.status_code} {response.reason_phrase} from "
            f"{request.method} {request.url})"
        )
        httpx.HTTPStatusError.__init__(self, text, request=request, response=response)
        self.message = message
        self.body = body
        self.status_code = response.status_code
        self.request_id: str | None = response.headers.get("x-request-id")


class BadRequestError(APIStatusError):
    """400: the request makes no sense to the server (e.g. a resume on a stateless run)."""


class AuthenticationError(APIStatusError):
    """401: no API key, or a wrong one."""


class PermissionDeniedError(APIStatusError):
    """403: the caller may not do this."""


class NotFoundError(APIStatusError):
    """404: no such assistant, thread, run or route."""


class ConflictError(APIStatusError):
    """409: e.g. a run posted with ``multitask_strategy="reject"`` on a busy thread."""


class UnprocessableEntityError(APIStatusError):
    """422: the request body failed validation."""


class RateLimitError(APIStatusError):
    """429: too many requests."""


class InternalServerError(APIStatusError):
    """5xx: the server failed."""


class APIConnectionError(APIError, httpx.TransportError):
    """The server could not be reached, the connection dropped and could not be resumed, or
    the response was not what the protocol requires (e.g. a stream that is not SSE)."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        httpx.TransportError.__init__(self, message, request=request)
        self.message = message
        self.body = None


class APITimeoutError(APIConnectionError, httpx.TimeoutException):
    """The server did not answer in time."""


class RunError(StreamGraphError):
    """A run ended with an error (``runs.wait(..., raise_error=True)``).

    ``str(error)`` is ``"<ErrorClass>: <message>"``, as ``langgraph_sdk`` words it.
    """

    def __init__(self, error: Any, message: Any) -> None:
        super().__init__(f"{error}: {message}")
        self.error = error
        self.message = message


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for_status(response: httpx.Response, body: object | None) -> APIStatusError:
    """The exception for an error response whose body was decoded as ``body``."""
    status = response.status_code
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    return cls(_detail(body) or f"{status} {response.reason_phrase}", response=response, body=body)


def error_for_transport(error: httpx.TransportError, url: object) -> APIConnectionError:
    """The exception for an httpx transport failure while talking to ``url``."""
    if isinstance(error, APIConnectionError):
        return error
    try:
        request: httpx.Request | None = error.request
    except RuntimeError:
        request = None
    reason = str(error) or type(error).__name__
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"Timed out talking to {url}: {reason}", request=request)
    if isinstance(error, httpx.ConnectError):
        return APIConnectionError(
            f"Could not connect to {url}: {reason}. Is the server running there?",
            request=request,
        )
    return APIConnectionError(f"Connection to {url} failed: {reason}", request=request)


def _detail(body: object | None) -> str | None:
    """The server's message: ``{"detail": ...}`` (or ``message``/``error``, also nested)."""
    if isinstance(body, str):  # not JSON (a proxy's error page?): its start
        text = body.strip()
        return (text[:500] + " ...") if len(text) > 500 else text or None
    if not isinstance(body, dict):
        return None
    for key in ("detail", "message", "error"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            nested = _detail(value)
            if nested:
                return nested
        if isinstance(value, list) and value:  # FastAPI-style validation errors
            return str(value)
    return None
