"""``RemoteGraph``: a graph served by a LangGraph-compatible server, used like a local one.

``stream``/``astream`` create a run through ``streamgraph.sdk`` and reshape its events into
the chunks LangGraph's ``RemoteGraph`` yields; ``invoke``/``ainvoke`` return the final values.

Used as a node of a local ``StateGraph`` (it is a ``DualNode``, so it runs natively in sync
and async graphs) it behaves like a local subgraph: it runs on the parent's thread id on the
server, its events reach the parent's stream the way a local subgraph's do (``custom``
always, other modes with ``subgraphs=True``, under the node's namespace), and a remote
interrupt becomes a local one, which resuming the parent answers.

The behaviour follows ``langgraph.pregel.remote.RemoteGraph`` (LangGraph 1.2), including
what it yields for a list of stream modes: the SDK's ``StreamPart``s (where a local graph
yields ``(mode, chunk)`` pairs). Divergences:

* Resuming a parent interrupted by the remote graph resumes the remote run with the answer;
  LangGraph's sends the node's input again, so the remote run starts over and interrupts
  again.
* As for local subgraphs (COMPAT.md), the remote ``custom`` events reach the parent's stream
  without ``subgraphs=True``; LangGraph drops them.

The async methods are written in ``_remote_async.py``; the sync ones in ``_remote_sync.py``
are generated from them by ``scripts/gen_sync.py``; what both share is in ``_remote.py``.
"""

from __future__ import annotations

from streamgraph.pregel._remote import RemoteException
from streamgraph.pregel._remote_async import AsyncRemoteGraph
from streamgraph.pregel._remote_sync import SyncRemoteGraph

__all__ = ("RemoteException", "RemoteGraph")


class RemoteGraph(SyncRemoteGraph, AsyncRemoteGraph):
    """A graph deployed on a LangGraph-compatible server, behind the local graph API.

    Args:
        assistant_id: The assistant (or graph id) to run.
        url: The server; used to make the clients when they are not given.
        api_key: Sent as ``x-api-key``. (As LangGraph's ``RemoteGraph`` does, ``None`` here
            means no key: environment variables are not read; pass ``client=`` for that.)
        headers: Extra headers for every request.
        client / sync_client: ``streamgraph.sdk`` (or ``langgraph_sdk``) clients to use.
        config: Config merged under the config of every call.
        name: The graph's name (default: ``assistant_id``).

    Example::

        remote = RemoteGraph("agent", url="http://127.0.0.1:2024")
        for chunk in remote.stream({"topic": "cats"}, stream_mode="updates"):
            print(chunk)
    """
