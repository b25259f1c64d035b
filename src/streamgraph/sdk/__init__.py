"""A client for LangGraph-compatible servers: the surface of ``langgraph_sdk`` 0.4.

``from streamgraph.sdk import get_client`` replaces ``from langgraph_sdk import get_client``::

    client = get_client(url="http://127.0.0.1:2024")
    thread = await client.threads.create()
    async for part in client.runs.stream(thread["thread_id"], "agent",
                                         input={"topic": "ice cream"}, stream_mode="updates"):
        print(part.data)

Run streams resume by themselves when the connection drops before the run ends.
"""

from __future__ import annotations

from streamgraph.sdk._async import LangGraphClient, get_client
from streamgraph.sdk._sync import SyncLangGraphClient, get_sync_client
from streamgraph.sdk.auth import Auth
from streamgraph.sdk.schema import StreamPart

__all__ = (
    "Auth",
    "LangGraphClient",
    "StreamPart",
    "SyncLangGraphClient",
    "get_client",
    "get_sync_client",
)
