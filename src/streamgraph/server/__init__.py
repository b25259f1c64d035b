"""The LangGraph-compatible HTTP server: ``create_app()`` for ASGI servers, and the
``streamgraph dev`` / ``streamgraph serve`` commands (``streamgraph.cli``).

Needs the ``server`` extra (Starlette, uvicorn, httpx).
"""

from __future__ import annotations

from streamgraph.server.app import create_app

__all__ = ("create_app",)
