"""The HTTP protocol the server runs under uvicorn: httptools, with a limit on headers.

httptools takes request headers of any size, gathering a header's value piece by piece; a
client sending one 64 MB header used to stall every request of the server for seconds. Here
a request whose start line and headers pass ``MAX_HEADER_BYTES`` gets ``431`` and its
connection is closed, before more of it is parsed. Without httptools, uvicorn's h11 has a
limit of its own (16 KB).
"""

from __future__ import annotations

from typing import Any

__all__ = ("MAX_HEADER_BYTES", "http_protocol")

MAX_HEADER_BYTES = 64 * 1024


def http_protocol() -> Any:
    """The ``http`` option for ``uvicorn.Config``/``uvicorn.run``."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return "h11"

    class LimitedHeaders(HttpToolsProtocol):
        """httptools with ``MAX_HEADER_BYTES`` (see the module docstring)."""

        _in_head = True
        _head_bytes = 0

        def data_received(self, data: bytes) -> None:
            if not self._in_head:
                super().data_received(data)
                return
            room = MAX_HEADER_BYTES - self._head_bytes
            if len(data) <= room:
                self._head_bytes += len(data)
                super().data_received(data)
                return
            self._head_bytes = MAX_HEADER_BYTES
            super().data_received(data[:room])  # (the head may end there, a body follow)
            if self._in_head:
                self._refuse()
            elif not self.transport.is_closing():
                self.data_received(data[room:])

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._in_head = True  # (the next request on this connection)
            self._head_bytes = 0

        def _refuse(self) -> None:
            body = b'{"detail":"Request headers larger than %d bytes"}' % MAX_HEADER_BYTES
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
                b"content-type: application/json\r\ncontent-length: %d\r\n"
                b"connection: close\r\n\r\n%s" % (len(body), body)
            )
            self.transport.close()
            self._in_head = False

    return LimitedHeaders
