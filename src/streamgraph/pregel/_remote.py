"""What ``RemoteGraph``'s sync and async methods share: its constructor and clients, and
``Run``, one ``stream()`` call as pure logic (the request to send, the chunks to yield for
each event received), so the sync methods (generated from the async ones) and the async ones
differ only in how they wait.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Self, cast

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

__all__ = (
    "NOTHING",
    "RemoteException",
    "RemoteGraphBase",
    "Run",
    "checkpoint_of",
    "config_of",
    "final_value",
    "snapshot",
)

logger = logging.getLogger("streamgraph.pregel.remote")

# Run-internal configurable keys that must not travel to another server's run.
_DROPPED_CONFIGURABLE = frozenset({"checkpoint_ns", "checkpoint_id", "checkpoint_map"})


class RemoteException(StreamGraphError):
    """The remote run failed; ``args[0]`` is its ``error`` event (``{error, message}``)."""

    __module__ = "streamgraph.pregel.remote"


class RemoteGraphBase(DualNode):
    """``RemoteGraph``'s constructor, configuration and clients."""

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

    def copy(self, update: dict[str, Any]) -> Self:
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
        return type(self)(attributes.pop("assistant_id", self.assistant_id), **attributes)

    def with_config(self, config: dict[str, Any] | None = None, **kwargs: Any) -> Self:
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


NOTHING: Any = object()


def final_value(last: Any, version: str) -> Any:
    if last is NOTHING:
        logger.warning("No events received from remote graph")
        return None
    if version == "v2":
        return GraphOutput(value=last["data"], interrupts=tuple(last.get("interrupts", ())))
    return last


class Run:
    """One ``stream()`` call: what to ask the server, and how to reshape what it sends.

    Pure apart from the parent's stream writer, so ``stream`` and ``astream`` share it.
    """

    def __init__(
        self,
        graph: RemoteGraphBase,
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
        self.parent = ParentStream.current() if self.caller_ns else None
        if self.parent is not None:
            self.caller_ns = self.parent.ns
        self.config = _sanitize(merge_configs(graph.config, config))
        self.single = not stream_mode or isinstance(stream_mode, str)  # [] is "updates" too
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
        if command is None and self.parent is not None and self.parent.resume is not NOTHING:
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
            part = part._replace(data=data)
        if self.version == "v2":
            # As LangGraph's RemoteGraph: every part carries ``interrupts``, filled for values.
            interrupts: tuple[Interrupt, ...] = ()
            if mode == "values" and isinstance(data, dict) and INTERRUPT in data:
                data = dict(data)
                interrupts = tuple(_interrupt(i) for i in data.pop(INTERRUPT))
            return [{"type": mode, "ns": ns, "data": data, "interrupts": interrupts}]
        if self.subgraphs:
            return [(ns, data) if self.single else (ns, mode, data)]
        # A list of modes yields the SDK's ``StreamPart``s themselves, as LangGraph's does
        # (a local graph yields ``(mode, chunk)`` pairs there).
        return [data if self.single else part]


_SERVER_MODES = frozenset(
    {"values", "updates", "messages-tuple", "custom", "debug", "tasks", "checkpoints"}
)


class ParentStream:
    """The streams of the local graph running us as a node: who wants which of our events,
    exactly as for a local subgraph run in that node (``Listener`` routing)."""

    def __init__(
        self, ns: tuple[str, ...], listeners: tuple[Any, ...], resume: Any = NOTHING
    ) -> None:
        self.ns = ns
        self.listeners = listeners
        self.resume = resume
        modes: set[str] = set()
        for listener in listeners:
            modes |= listener.wants(len(ns))
        self.modes = frozenset(modes)

    @classmethod
    def current(cls) -> ParentStream | None:
        from streamgraph._context import SCOPE
        from streamgraph.pregel.main import _listeners_below

        scope = SCOPE.get()
        if scope is None:  # a namespace in the config, but no node running
            return None
        ns, _ = scope.child_namespace()
        # The parent was resumed after our remote run interrupted: the answer is the last
        # one its task received (the remote thread waits at that interrupt).
        resume = scope.resume[-1] if scope.resuming and scope.resume else NOTHING
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


def checkpoint_of(config: dict[str, Any] | None) -> Checkpoint | None:
    if not config:
        return None
    configurable = config.get("configurable") or {}
    checkpoint = {
        key: configurable[key]
        for key in ("thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map")
        if key in configurable
    }
    return cast("Checkpoint", checkpoint) if checkpoint else None


def config_of(checkpoint: dict[str, Any]) -> dict[str, Any]:
    return {
        "configurable": {
            "thread_id": checkpoint["thread_id"],
            "checkpoint_ns": checkpoint["checkpoint_ns"],
            "checkpoint_id": checkpoint["checkpoint_id"],
            "checkpoint_map": checkpoint.get("checkpoint_map") or {},
        }
    }


def snapshot(state: Mapping[str, Any]) -> StateSnapshot:
    """A server ``ThreadState`` as a local ``StateSnapshot``."""
    tasks = tuple(
        PregelTask(
            id=task["id"],
            name=task["name"],
            path=(),
            error=Exception(task["error"]) if task.get("error") else None,
            interrupts=tuple(_interrupt(i) for i in task.get("interrupts") or ()),
            state=snapshot(task["state"])
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
        config=config_of(state["checkpoint"]),
        metadata=state.get("metadata"),
        created_at=state.get("created_at"),
        parent_config=config_of(parent) if parent else None,
        tasks=tasks,
        interrupts=tuple(i for task in tasks for i in task.interrupts),
    )
