"""The async methods of ``RemoteGraph`` (the sync methods are generated from the async code
by ``scripts/gen_sync.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from streamgraph.pregel._configs import merge_configs
from streamgraph.pregel._remote import (
    NOTHING,
    RemoteGraphBase,
    Run,
    checkpoint_of,
    config_of,
    final_value,
    snapshot,
)
from streamgraph.types import StateSnapshot

__all__ = ("AsyncRemoteGraph",)


class AsyncRemoteGraph(RemoteGraphBase):
    """The async methods of ``RemoteGraph``."""

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
        """Run the remote graph and yield its chunks, as LangGraph's ``RemoteGraph`` does.

        ``stream_mode`` defaults to ``"updates"``. One mode yields its chunks, a list of
        modes the SDK's ``StreamPart(event, data, id)``s, ``subgraphs=True``
        ``(namespace, chunk)`` or ``(namespace, mode, chunk)`` tuples, ``version="v2"``
        ``{type, ns, data, interrupts}`` dicts. Other keyword arguments go to
        ``client.runs.stream``.
        """
        run = Run(self, input, config, stream_mode, subgraphs, version)
        parts = self._client().runs.stream(
            **run.request(context, interrupt_before, interrupt_after, headers, params, kwargs)
        )
        async for part in parts:
            for chunk in run.handle(part):
                yield chunk

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
        """Run the remote graph to the end and return its final values (with
        ``__interrupt__`` when it stopped at an interrupt)."""
        last: Any = NOTHING
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
        return final_value(last, version)

    async def aget_state(
        self,
        config: dict[str, Any],
        *,
        subgraphs: bool = False,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> StateSnapshot:
        """The state of the thread ``config["configurable"]["thread_id"]`` on the server."""
        merged = merge_configs(self.config, config)
        state = await self._client().threads.get_state(
            merged["configurable"]["thread_id"],
            checkpoint=checkpoint_of(merged),
            subgraphs=subgraphs,
            headers=headers,
            params=params,
        )
        return snapshot(state)

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
        """The thread's states, newest first (``filter`` matches checkpoint metadata)."""
        merged = merge_configs(self.config, config)
        states = await self._client().threads.get_history(
            merged["configurable"]["thread_id"],
            limit=limit or 10,
            before=checkpoint_of(before),
            metadata=filter,
            checkpoint=checkpoint_of(merged),
            headers=headers,
            params=params,
        )
        for state in states:
            yield snapshot(state)

    async def aupdate_state(
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
        response = await self._client().threads.update_state(
            merged["configurable"]["thread_id"],
            values,
            as_node=as_node,
            checkpoint=checkpoint_of(merged),
            headers=headers,
            params=params,
        )
        return config_of(response["checkpoint"])
