"""``RemoteGraph``: a graph served by a LangGraph-compatible server, used like a local one.

``stream``/``astream`` create a run through ``streamgraph.sdk`` and reshape its events into
the chunks a local graph yields; ``invoke``/``ainvoke`` return the final values.

Used as a node of a local ``StateGraph`` (it is a ``DualNode``, so it runs natively in sync
and async graphs) it behaves like a local subgraph: it runs on the parent's thread id on the
server, its events reach the parent's stream the way a local subgraph's do (``custom``
always, other modes with ``subgraphs=True``, under the node's namespace), and a remote
interrupt becomes a local one, which resuming the parent answers.

The behaviour follows ``langgraph.pregel.remote.RemoteGraph`` (LangGraph 1.2). Divergences:

* For a list of stream modes it yields ``(mode, chunk)`` pairs, as a local graph does;
  LangGraph's yields the SDK's 3-field ``StreamPart`` (which no longer unpacks into
  ``mode, chunk``).
* Resuming a parent interrupted by the remote graph resumes the remote run with the answer;
  LangGraph's sends the node's input again, so the remote run starts over and interrupts
  again.
* As for local subgraphs (COMPAT.md), the remote ``custom`` events reach the parent's stream
  without ``subgraphs=True``; LangGraph drops them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from streamgraph.constants import INTERRUPT, NS_SEP
from streamgraph.errors import GraphInterrupt, ParentCommand, StreamGraphError
from streamgraph.pregel._configs import merge_configs
from streamgraph.pregel._node import DualNode
from streamgraph.types import (
    Command,
    GraphOutput,
    Interrupt,
    PregelTask,
    Send,
    StateSnapshot,
)

if TYPE_CHECKING:
    from streamgraph.sdk import LangGraphClient, SyncLangGraphClient
    from streamgraph.sdk.schema import Checkpoint

__all__ = ("RemoteException", "RemoteGraph")

logger = logging.getLogger(__name__)

# Run-internal configurable keys that must not travel to another server's run.
_DROPPED_CONFIGURABLE = frozenset({"checkpoint_ns", "checkpoint_id", "checkpoint_map"})


class RemoteException(StreamGraphError):
    """The remote run failed; ``args[0]`` is its ``error`` event (``{error, message}``)."""


class RemoteGraph(DualNode):
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

    def __init__(
        self,
        assistant_id: str,
        /,
        *,
        url: str | None = None,
        api_key: str | None = None,
        headers: dict[str, str] | None = None,
        client: LangGraphClient | None = None,
        sync_client: SyncLangGraphClient | None = None,
        config: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.assistant_id = assistant_id
        self.name = assistant_id if name is None else name
        self.config = config
        self.url = url
        self.api_key = api_key
        self.headers = headers
        if client is None and url is not None:
            from streamgraph.sdk import get_client

            client = get_client(url=url, api_key=api_key, headers=headers)
        if sync_client is None and url is not None:
            from streamgraph.sdk import get_sync_client

            sync_client = get_sync_client(url=url, api_key=api_key, headers=headers)
        self.client = client
        self.sync_client = sync_client

    def __repr__(self) -> str:
        return f"RemoteGraph({self.assistant_id!r}, name={self.name!r})"

    def copy(self, update: dict[str, Any]) -> RemoteGraph:
        """A copy with some constructor arguments replaced."""
        attributes = {
            "url": self.url,
            "api_key": self.api_key,
            "headers": self.headers,
            "client": self.client,
            "sync_client": self.sync_client,
            "config": self.config,
            "name": self.name,
            **update,
        }
        return RemoteGraph(attributes.pop("assistant_id", self.assistant_id), **attributes)

    def with_config(self, config: dict[str, Any] | None = None, **kwargs: Any) -> RemoteGraph:
        """A copy whose calls merge ``config`` (and ``kwargs``) into theirs."""
        return self.copy({"config": merge_configs(self.config, config, kwargs)})

    def _client(self) -> LangGraphClient:
        if self.client is None:
            raise ValueError(
                "Async client is not initialized: pass `url` or `client` to RemoteGraph"
            )
        return self.client

    def _sync_client(self) -> SyncLangGraphClient:
        if self.sync_client is None:
            raise ValueError(
                "Sync client is not initialized: pass `url` or `sync_client` to RemoteGraph"
            )
        return self.sync_client

    # -- streaming ---------------------------------------------------------------------------

    def stream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        subgraphs: bool = False,
        headers: dict[str, str] | None = None,
        params: Any = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> Iterator[Any]:
        """Run the remote graph and yield its chunks as a local graph's ``stream()`` would.

        ``stream_mode`` defaults to ``"updates"`` (as LangGraph's ``RemoteGraph``); other
        keyword arguments go to ``client.runs.stream``.
        """
        run = _Run(self, input, config, stream_mode, subgraphs, version)
        parts = self._sync_client().runs.stream(
            **run.request(context, interrupt_before, interrupt_after, headers, params, kwargs)
        )
        for part in parts:
            yield from run.handle(part)

    async def astream(
        self,
        input: Any,
        config: dict[str, Any] | None = None,
        *,
        context: Any = None,
        stream_mode: str | Sequence[str] | None = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        subgraphs: bool = False,
        headers: dict[str, str] | None = None,
        params: Any = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """The async twin of ``stream()``."""
        run = _Run(self, input, config, stream_mode, subgraphs, version)
        parts = self._client().runs.stream(
            **run.request(context, interrupt_before, interrupt_after, headers, params, kwargs)
        )
        async for part in parts:
            for chunk in run.handle(part):
                yield chunk

    def invoke(
        self,
        input: Any,
        config: Any = None,
        *,
        context: Any = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        headers: dict[str, str] | None = None,
        params: Any = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> Any:
        """Run the remote graph to the end and return its final values (with
        ``__interrupt__`` when it stopped at an interrupt)."""
        last: Any = _NOTHING
        for chunk in self.stream(
            input,
            config,
            context=context,
            stream_mode="values",
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            headers=headers,
            params=params,
            version=version,
            **kwargs,
        ):
            last = chunk
        return _final(last, version)

    async def ainvoke(
        self,
        input: Any,
        config: Any = None,
        *,
        context: Any = None,
        interrupt_before: Any = None,
        interrupt_after: Any = None,
        headers: dict[str, str] | None = None,
        params: Any = None,
        version: str = "v1",
        **kwargs: Any,
    ) -> Any:
        """The async twin of ``invoke()``."""
        last: Any = _NOTHING
        async for chunk in self.astream(
            input,
            config,
            context=context,
            stream_mode="values",
            interrupt_before=interrupt_before,
            interrupt_after=interrupt_after,
            headers=headers,
            params=params,
            version=version,
            **kwargs,
        ):
            last = chunk
        return _final(last, version)

    # -- threads -----------------------------------------------------------------------------

    def get_state(
        self,
        config: dict[str, Any],
        *,
        subgraphs: bool = False,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> StateSnapshot:
        """The state of the thread ``config["configurable"]["thread_id"]`` on the server."""
        merged = merge_configs(self.config, config)
        state = self._sync_client().threads.get_state(
            merged["configurable"]["thread_id"],
            checkpoint=_checkpoint(merged),
            subgraphs=subgraphs,
            headers=headers,
            params=params,
        )
        return _snapshot(state)

    async def aget_state(
        self,
        config: dict[str, Any],
        *,
        subgraphs: bool = False,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> StateSnapshot:
        """The async twin of ``get_state()``."""
        merged = merge_configs(self.config, config)
        state = await self._client().threads.get_state(
            merged["configurable"]["thread_id"],
            checkpoint=_checkpoint(merged),
            subgraphs=subgraphs,
            headers=headers,
            params=params,
        )
        return _snapshot(state)

    def get_state_history(
        self,
        config: dict[str, Any],
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> Iterator[StateSnapshot]:
        """The thread's states, newest first (``filter`` matches checkpoint metadata)."""
        merged = merge_configs(self.config, config)
        states = self._sync_client().threads.get_history(
            merged["configurable"]["thread_id"],
            limit=limit or 10,
            before=_checkpoint(before),
            metadata=filter,
            checkpoint=_checkpoint(merged),
            headers=headers,
            params=params,
        )
        for state in states:
            yield _snapshot(state)

    async def aget_state_history(
        self,
        config: dict[str, Any],
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> AsyncIterator[StateSnapshot]:
        """The async twin of ``get_state_history()``."""
        merged = merge_configs(self.config, config)
        states = await self._client().threads.get_history(
            merged["configurable"]["thread_id"],
            limit=limit or 10,
            before=_checkpoint(before),
            metadata=filter,
            checkpoint=_checkpoint(merged),
            headers=headers,
            params=params,
        )
        for state in states:
            yield _snapshot(state)

    def update_state(
        self,
        config: dict[str, Any],
        values: Any,
        as_node: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> dict[str, Any]:
        """Write ``values`` to the thread as if ``as_node`` returned them; the new
        checkpoint's config."""
        merged = merge_configs(self.config, config)
        response = self._sync_client().threads.update_state(
            merged["configurable"]["thread_id"],
            values,
            as_node=as_node,
            checkpoint=_checkpoint(merged),
            headers=headers,
            params=params,
        )
        return _config_of(response["checkpoint"])

    async def aupdate_state(
        self,
        config: dict[str, Any],
        values: Any,
        as_node: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> dict[str, Any]:
        """The async twin of ``update_state()``."""
        merged = merge_configs(self.config, config)
        response = await self._client().threads.update_state(
            merged["configurable"]["thread_id"],
            values,
            as_node=as_node,
            checkpoint=_checkpoint(merged),
            headers=headers,
            params=params,
        )
        return _config_of(response["checkpoint"])


_NOTHING: Any = object()


def _final(last: Any, version: str) -> Any:
    if last is _NOTHING:
        logger.warning("No events received from remote graph")
        return None
    if version == "v2":
        return GraphOutput(value=last["data"], interrupts=tuple(last.get("interrupts", ())))
    return last


class _Run:
    """One ``stream()`` call: what to ask the server, and how to reshape what it sends.

    Pure apart from the parent's stream writer, so ``stream`` and ``astream`` share it.
    """

    def __init__(
        self,
        graph: RemoteGraph,
        input: Any,
        config: dict[str, Any] | None,
        stream_mode: str | Sequence[str] | None,
        subgraphs: bool,
        version: str,
    ) -> None:
        if version not in ("v1", "v2"):
            raise ValueError(f"Unknown stream version {version!r}; valid versions are: v1, v2")
        self.graph = graph
        self.input = input
        self.subgraphs = subgraphs
        self.version = version
        caller_ns = ((config or {}).get("configurable") or {}).get("checkpoint_ns") or ""
        # A namespace in the config means a local graph runs us as one of its nodes.
        self.caller_ns: tuple[str, ...] = tuple(caller_ns.split(NS_SEP)) if caller_ns else ()
        self.parent = _ParentStream.current() if self.caller_ns else None
        if self.parent is not None:
            self.caller_ns = self.parent.ns
        self.config = _sanitize(merge_configs(graph.config, config))
        self.single = stream_mode is None or isinstance(stream_mode, str)
        requested = [stream_mode or "updates"] if self.single else list(stream_mode or ())
        self.requested = {"messages" if m == "messages-tuple" else m for m in requested}
        wanted = [*requested, "updates"]  # updates: to see interrupts
        if self.parent is not None:
            wanted.extend(sorted(self.parent.modes))
        modes: list[str] = []
        for mode in wanted:
            mode = "messages-tuple" if mode == "messages" else mode
            if mode in _SERVER_MODES and mode not in modes:
                modes.append(mode)
        self.modes = modes

    def request(
        self,
        context: Any,
        interrupt_before: Any,
        interrupt_after: Any,
        headers: Any,
        params: Any,
        extra: dict[str, Any],
    ) -> dict[str, Any]:
        """Keyword arguments for ``client.runs.stream``."""
        configurable = self.config.get("configurable", {})
        thread_id = configurable.pop("thread_id", None)
        command = _command(self.input) if isinstance(self.input, Command) else None
        if command is None and self.parent is not None and self.parent.resume is not _NOTHING:
            command = {"resume": self.parent.resume}
        input = None if command is not None else self.input
        return {
            "thread_id": thread_id,
            "assistant_id": self.graph.assistant_id,
            "input": input,
            "command": command,
            "config": self.config,
            "context": context,
            "stream_mode": self.modes,
            "interrupt_before": interrupt_before,
            "interrupt_after": interrupt_after,
            "stream_subgraphs": self.subgraphs or bool(self.caller_ns),
            "if_not_exists": "create",
            "headers": headers,
            "params": params,
            **extra,
        }

    def handle(self, part: Any) -> list[Any]:
        """What to yield for one SDK ``StreamPart``; raises for errors and interrupts."""
        event, data = part.event, part.data
        mode, *rest = event.split(NS_SEP)
        ns = tuple(rest)
        if mode == "command" and isinstance(data, dict) and data.get("graph") == Command.PARENT:
            raise ParentCommand(Command(**data))
        if mode == "error":
            raise RemoteException(data)
        if self.caller_ns:
            ns = self.caller_ns + ns
            if self.parent is not None and mode != "metadata":
                self.parent.put(ns, mode, tuple(data) if mode == "messages" else data)
            if mode == "updates" and isinstance(data, dict) and INTERRUPT in data:
                raise GraphInterrupt([_interrupt(i) for i in data[INTERRUPT]])
        if mode not in self.requested:
            return []
        if rest and not self.subgraphs and mode != "messages":
            return []  # asked for the parent's own stream, or a subgraph of ours
        if mode == "messages":
            data = tuple(data)
        if self.version == "v2":
            if mode != "values":
                return [{"type": mode, "ns": ns, "data": data}]
            interrupts: tuple[Interrupt, ...] = ()
            if isinstance(data, dict) and INTERRUPT in data:
                data = dict(data)
                interrupts = tuple(_interrupt(i) for i in data.pop(INTERRUPT))
            return [{"type": mode, "ns": ns, "data": data, "interrupts": interrupts}]
        if self.subgraphs:
            return [(ns, data) if self.single else (ns, mode, data)]
        return [data if self.single else (mode, data)]


_SERVER_MODES = frozenset(
    {"values", "updates", "messages-tuple", "custom", "debug", "tasks", "checkpoints"}
)


class _ParentStream:
    """The streams of the local graph running us as a node: who wants which of our events,
    exactly as for a local subgraph run in that node (``Listener`` routing)."""

    def __init__(
        self, ns: tuple[str, ...], listeners: tuple[Any, ...], resume: Any = _NOTHING
    ) -> None:
        self.ns = ns
        self.listeners = listeners
        self.resume = resume
        modes: set[str] = set()
        for listener in listeners:
            modes |= listener.wants(len(ns))
        self.modes = frozenset(modes)

    @classmethod
    def current(cls) -> _ParentStream | None:
        from streamgraph._context import SCOPE
        from streamgraph.pregel.main import _listeners_below

        scope = SCOPE.get()
        if scope is None:  # a namespace in the config, but no node running
            return None
        ns, _ = scope.child_namespace()
        # The parent was resumed after our remote run interrupted: the answer is the last
        # one its task received (the remote thread waits at that interrupt).
        resume = scope.resume[-1] if scope.resuming and scope.resume else _NOTHING
        return cls(ns, _listeners_below(scope.loop), resume)

    def put(self, ns: tuple[str, ...], mode: str, data: Any) -> None:
        depth = len(ns)
        for listener in self.listeners:
            if mode in listener.wants(depth):
                listener.put((ns[listener.depth :], mode, data))


def _command(command: Command[Any]) -> dict[str, Any]:
    goto = command.goto
    if isinstance(goto, Send):
        goto = {"node": goto.node, "input": goto.arg}
    elif isinstance(goto, list | tuple):
        goto = [{"node": g.node, "input": g.arg} if isinstance(g, Send) else g for g in goto]
    return {"update": command.update, "resume": command.resume, "goto": goto or None}


def _json_safe(value: Any) -> Any:
    """``value`` without what JSON cannot carry (``None`` for the value itself)."""
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        safe = {k: _json_safe(v) for k, v in value.items() if isinstance(k, str)}
        return {k: v for k, v in safe.items() if v is not None}
    if isinstance(value, list | tuple):
        return [v for v in (_json_safe(item) for item in value) if v is not None]
    if value.__class__.__name__ == "UUID":
        return str(value)
    return None


def _sanitize(config: dict[str, Any]) -> dict[str, Any]:
    """The parts of a config another server's run can use."""
    sanitized: dict[str, Any] = {}
    if "recursion_limit" in config:
        sanitized["recursion_limit"] = config["recursion_limit"]
    if "tags" in config:
        sanitized["tags"] = [tag for tag in config["tags"] if isinstance(tag, str)]
    if "metadata" in config:
        sanitized["metadata"] = _json_safe(config["metadata"] or {})
    if "configurable" in config:
        sanitized["configurable"] = _json_safe(
            {
                k: v
                for k, v in (config["configurable"] or {}).items()
                if k not in _DROPPED_CONFIGURABLE and not k.startswith("__")
            }
        )
    return sanitized


def _interrupt(value: Any) -> Interrupt:
    if isinstance(value, Interrupt):
        return value
    return Interrupt(
        value=value.get("value"),
        id=value.get("id", ""),
        response_schema=value.get("response_schema"),
    )


def _checkpoint(config: dict[str, Any] | None) -> Checkpoint | None:
    if not config:
        return None
    configurable = config.get("configurable") or {}
    checkpoint = {
        key: configurable[key]
        for key in ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
        if key in configurable
    }
    return cast("Checkpoint", checkpoint) if checkpoint else None


def _config_of(checkpoint: dict[str, Any]) -> dict[str, Any]:
    return {
        "configurable": {
            "thread_id": checkpoint["thread_id"],
            "checkpoint_ns": checkpoint["checkpoint_ns"],
            "checkpoint_id": checkpoint["checkpoint_id"],
            "checkpoint_map": checkpoint.get("checkpoint_map") or {},
        }
    }


def _snapshot(state: Mapping[str, Any]) -> StateSnapshot:
    """A server ``ThreadState`` as a local ``StateSnapshot``."""
    tasks = tuple(
        PregelTask(
            id=task["id"],
            name=task["name"],
            path=(),
            error=Exception(task["error"]) if task.get("error") else None,
            interrupts=tuple(_interrupt(i) for i in task.get("interrupts") or ()),
            state=_snapshot(task["state"])
            if task.get("state")
            else {"configurable": task["checkpoint"]}
            if task.get("checkpoint")
            else None,
            result=task.get("result"),
        )
        for task in state.get("tasks") or ()
    )
    parent = state.get("parent_checkpoint")
    return StateSnapshot(
        values=state["values"],
        next=tuple(state.get("next") or ()),
        config=_config_of(state["checkpoint"]),
        metadata=state.get("metadata"),
        created_at=state.get("created_at"),
        parent_config=_config_of(parent) if parent else None,
        tasks=tasks,
        interrupts=tuple(i for task in tasks for i in task.interrupts),
    )
