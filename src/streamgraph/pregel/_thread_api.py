"""The thread API of a compiled graph: ``get_state``, ``get_state_history``,
``update_state``, ``bulk_update_state`` and their async twins. The I/O (sync or async) is here;
what a checkpoint means is in ``_state.py``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from streamgraph.pregel._configs import merge_configs
from streamgraph.pregel._state import (
    empty_snapshot,
    inspect,
    inspect_many,
    restored_copy,
    snapshot,
    update,
)
from streamgraph.types import StateSnapshot, StateUpdate

if TYPE_CHECKING:
    from streamgraph.pregel._node import Node
    from streamgraph.pregel.main import Pregel

__all__ = ("ThreadAPI",)


class ThreadAPI:
    """Methods of ``Pregel`` that read and edit a checkpointed thread."""

    checkpointer: Any
    config: dict[str, Any] | None
    nodes: dict[str, Node]

    @property
    def _pregel(self) -> Pregel:
        return cast("Pregel", self)

    def _state_config(self, config: dict[str, Any]) -> dict[str, Any]:
        if not self.checkpointer:
            raise ValueError("No checkpointer set")
        configurable = config.get("configurable", {})
        if "thread_id" not in configurable:
            raise ValueError(
                "Checkpointer requires one or more of the following 'configurable' keys: "
                "thread_id, checkpoint_ns, checkpoint_id"
            )
        configurable = {"checkpoint_ns": "", **configurable}
        return merge_configs(self.config, config, {"configurable": configurable})

    def get_state(self, config: dict[str, Any], *, subgraphs: bool = False) -> StateSnapshot:
        """The thread's state at its latest checkpoint (or the one ``config`` names)."""
        config = self._state_config(config)
        saved = self.checkpointer.get_tuple(config)
        if saved is None:
            return empty_snapshot(config)
        found = snapshot(inspect(self._pregel, self.checkpointer, config, saved))
        return self._with_subgraphs(found, config) if subgraphs else found

    def _with_subgraphs(self, found: StateSnapshot, config: dict[str, Any]) -> StateSnapshot:
        tasks = []
        for task in found.tasks:
            node = self.nodes.get(task.name)
            if task.state is not None and node is not None and node.is_subgraph:
                child_config = merge_configs(config, task.state)
                child_config["configurable"].pop("checkpoint_id", None)
                task = task._replace(
                    state=node.fn.get_state(child_config, subgraphs=True)
                    if node.fn.checkpointer
                    else self._child_state(node.fn, child_config)
                )
            tasks.append(task)
        return found._replace(tasks=tuple(tasks))

    def _child_state(self, child: Pregel, config: dict[str, Any]) -> StateSnapshot:
        saved = self.checkpointer.get_tuple(config)
        if saved is None:
            return empty_snapshot(config)
        return snapshot(inspect(child, self.checkpointer, config, saved))

    async def aget_state(self, config: dict[str, Any], *, subgraphs: bool = False) -> Any:
        """The async twin of ``get_state()``."""
        config = self._state_config(config)
        saved = await self.checkpointer.aget_tuple(config)
        if saved is None:
            return empty_snapshot(config)
        found = snapshot(inspect(self._pregel, self.checkpointer, config, saved))
        if subgraphs:  # nested checkpoints are small reads: do them on a thread
            import asyncio

            return await asyncio.to_thread(self._with_subgraphs, found, config)
        return found

    def get_state_history(
        self,
        config: dict[str, Any],
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[StateSnapshot]:
        """The thread's checkpoints, newest first, as ``StateSnapshot``s."""
        config = self._state_config(config)
        saved = self.checkpointer.list(config, filter=filter, before=before, limit=limit)
        for found in inspect_many(self._pregel, self.checkpointer, config, saved):
            yield snapshot(found, apply_pending=False)

    async def aget_state_history(
        self,
        config: dict[str, Any],
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[StateSnapshot]:
        """The async twin of ``get_state_history()``."""
        config = self._state_config(config)
        template = None
        async for saved in self.checkpointer.alist(
            config, filter=filter, before=before, limit=limit
        ):
            if template is None:
                template = inspect(self._pregel, self.checkpointer, config, None)
            yield snapshot(restored_copy(template, saved), apply_pending=False)

    def update_state(
        self,
        config: dict[str, Any],
        values: Any,
        as_node: str | None = None,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        """Write ``values`` to the thread as if node ``as_node`` had returned them (by
        default, the node that ran last). Returns the config of the new checkpoint."""
        return self.bulk_update_state(config, [[StateUpdate(values, as_node)]])

    def bulk_update_state(
        self, config: dict[str, Any], supersteps: Sequence[Sequence[StateUpdate]]
    ) -> dict[str, Any]:
        """Several ``update_state`` calls at once: each inner list is applied together, as
        one superstep. Returns the config of the last new checkpoint."""
        config = self._state_config(config)
        loop = inspect(self._pregel, self.checkpointer, config, self.checkpointer.get_tuple(config))
        stored: dict[str, Any] = {}
        for op in update(loop, _updates(supersteps)):
            result = getattr(self.checkpointer, op.kind)(op.config, *op.args)
            stored = result if op.kind == "put" else stored
        return stored

    async def aupdate_state(
        self,
        config: dict[str, Any],
        values: Any,
        as_node: str | None = None,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        """The async twin of ``update_state()``."""
        return await self.abulk_update_state(config, [[StateUpdate(values, as_node)]])

    async def abulk_update_state(
        self, config: dict[str, Any], supersteps: Sequence[Sequence[StateUpdate]]
    ) -> dict[str, Any]:
        """The async twin of ``bulk_update_state()``."""
        config = self._state_config(config)
        saved = await self.checkpointer.aget_tuple(config)
        loop = inspect(self._pregel, self.checkpointer, config, saved)
        stored: dict[str, Any] = {}
        for op in update(loop, _updates(supersteps)):
            result = await getattr(self.checkpointer, "a" + op.kind)(op.config, *op.args)
            stored = result if op.kind == "put" else stored
        return stored


def _updates(supersteps: Sequence[Sequence[StateUpdate]]) -> list[list[tuple[Any, Any]]]:
    return [[(u.values, u.as_node) for u in step] for step in supersteps]
