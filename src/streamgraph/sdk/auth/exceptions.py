"""The exception auth handlers raise to answer a request with an HTTP error."""

from __future__ import annotations

import http
from collections.abc import Mapping

__all__ = ("HTTPException",)


class HTTPException(Exception):
    """Answer the request with ``status_code`` and ``{"detail": detail}``.

    Raised by an ``@auth.authenticate`` handler it rejects the request (401 by default: the
    credentials are missing or wrong); raised by an ``@auth.on...`` handler it answers the
    request instead of the route. ``detail`` defaults to the status's standard phrase;
    ``headers`` are added to the response (``{"WWW-Authenticate": "Bearer"}``, ...)::

        raise Auth.exceptions.HTTPException(status_code=403, detail="Not your thread")
    """

    def __init__(
        self,
        status_code: int = 401,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = status_code
        self.detail = _phrase(status_code) if detail is None else detail
        self.headers = headers
        super().__init__(status_code, self.detail)

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


def _phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:  # not a standard status: still a valid answer
        return "Error"
