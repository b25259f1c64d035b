"""The checkpoint contract: what a saver stores and how the runtime talks to it.

A checkpoint is the state of one graph level at the end of a super-step: channel values and
versions (which channels changed when) plus ``versions_seen`` (what each node has already
reacted to). Between checkpoints, the writes of every task that finished are saved with
``put_writes``, so a step interrupted half-way keeps its finished tasks.

Savers implement the five sync methods; the async twins default to running them on a thread,
and savers with native async I/O override them. Two more operations, which the server needs
(``copy_thread``, ``delete_run_checkpoints``), raise ``NotImplementedError`` unless a saver
provides them; every saver in this package does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypedDict, TypeVar

if TYPE_CHECKING:
    from streamgraph.checkpoint.serde import Serializer

__all__ = (
    "ERROR",
    "INTERRUPT",
    "NO_WRITES",
    "RESUME",
    "SPECIAL_WRITES",
    "WRITES_IDX_MAP",
    "BaseCheckpointSaver",
    "ChannelVersions",
    "Checkpoint",
    "CheckpointMetadata",
    "CheckpointTuple",
    "PendingWrite",
    "copy_checkpoint",
    "empty_checkpoint",
    "get_checkpoint_id",
)

ChannelVersions = dict[str, int | str]

ERROR = "__error__"
INTERRUPT = "__interrupt__"
RESUME = "__resume__"
NO_WRITES = "__no_writes__"
"""Saved for a task that finished without writing anything: it still finished."""
SPECIAL_WRITES = frozenset({ERROR, INTERRUPT, RESUME, NO_WRITES})
WRITES_IDX_MAP = {ERROR: -1, INTERRUPT: -3, RESUME: -4}
"""Special pending writes get fixed negative indices: writing one again replaces it."""

PendingWrite = tuple[str, str, Any]
"""(task_id, channel, value)"""


class CheckpointMetadata(TypedDict, total=False):
    """Metadata stored with a checkpoint (and filterable in ``list``)."""

    source: Literal["input", "loop", "update", "fork"]
    """Why it was made: graph input, the end of a step, ``update_state``, or a fork."""
    step: int
    """-1 for the first input, then one more per super-step."""
    parents: dict[str, str]
    """Checkpoint ids of the enclosing graphs, by namespace (for subgraph checkpoints)."""


class Checkpoint(TypedDict):
    """One graph level's state at the end of a super-step."""

    v: int
    """Format version."""
    id: str
    """Time-ordered id (UUID v6 layout): sorting ids sorts checkpoints by creation."""
    ts: str
    """ISO-8601 creation time (UTC)."""
    channel_values: dict[str, Any]
    """Values of the channels that hold one."""
    channel_versions: ChannelVersions
    """Version of every channel that was ever written."""
    versions_seen: dict[str, ChannelVersions]
    """Per node: the versions of its trigger channels it last ran for."""
    updated_channels: list[str] | None
    """Channels updated by the step that made this checkpoint."""


class CheckpointTuple(NamedTuple):
    """A checkpoint with its config, metadata, parent and pending writes."""

    config: dict[str, Any]
    checkpoint: Checkpoint
    metadata: CheckpointMetadata
    parent_config: dict[str, Any] | None = None
    pending_writes: list[PendingWrite] | None = None


def empty_checkpoint() -> Checkpoint:
    from streamgraph.pregel._ids import checkpoint_id, utc_now

    return Checkpoint(
        v=1,
        id=checkpoint_id(-1),
        ts=utc_now(),
        channel_values={},
        channel_versions={},
        versions_seen={},
        updated_channels=None,
    )


def copy_checkpoint(checkpoint: Checkpoint) -> Checkpoint:
    return Checkpoint(
        v=checkpoint["v"],
        id=checkpoint["id"],
        ts=checkpoint["ts"],
        channel_values=dict(checkpoint["channel_values"]),
        channel_versions=dict(checkpoint["channel_versions"]),
        versions_seen={k: dict(v) for k, v in checkpoint["versions_seen"].items()},
        updated_channels=checkpoint.get("updated_channels"),
    )


T = TypeVar("T")


async def _to_thread(fn: Callable[..., T], /, *args: Any) -> T:
    import asyncio  # not at import time: ``import streamgraph.graph`` stays light

    return await asyncio.to_thread(fn, *args)


def get_checkpoint_id(config: dict[str, Any]) -> str | None:
    found = config.get("configurable", {}).get("checkpoint_id")
    return None if found is None else str(found)


class BaseCheckpointSaver(ABC):
    """Stores checkpoints and pending writes, per thread and namespace.

    Every method takes the run's ``config``: ``configurable.thread_id`` names the thread,
    ``configurable.checkpoint_ns`` the (sub)graph (``""`` for the root graph), and
    ``configurable.checkpoint_id``, when set, one checkpoint (else the latest).
    """

    serde: Serializer
    blocking_io = True
    """Whether operations wait on I/O (the runtime then saves in the background)."""

    def __init__(self, *, serde: Serializer | None = None) -> None:
        if serde is None:
            from streamgraph.checkpoint.serde import PackSerializer

            serde = PackSerializer()
        self.serde = serde

    # -- the contract ------------------------------------------------------------------------

    @abstractmethod
    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        """The checkpoint ``config`` points at (the thread's latest when it has no id)."""

    @abstractmethod
    def list(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """Checkpoints, newest first: of ``config``'s thread (and namespace, if given), whose
        metadata contains ``filter``, older than ``before``'s checkpoint, at most ``limit``."""

    @abstractmethod
    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        """Store a checkpoint; ``config`` names its parent. Returns the config pointing at it."""

    @abstractmethod
    def put_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """Store one task's writes against the checkpoint ``config`` points at."""

    @abstractmethod
    def delete_thread(self, thread_id: str) -> None:
        """Delete every checkpoint and write of a thread."""

    # -- server operations (optional) --------------------------------------------------------

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Copy every checkpoint and pending write of a thread, in every namespace, under
        another thread id (same checkpoint ids, metadata unchanged). What the target thread
        already holds under the same ids is replaced."""
        raise NotImplementedError(f"{type(self).__name__} cannot copy threads")

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        """Delete a thread's checkpoints (in every namespace) whose metadata has
        ``"run_id": run_id``, with their pending writes: rolling back a run."""
        raise NotImplementedError(f"{type(self).__name__} cannot delete a run's checkpoints")

    # -- conveniences ------------------------------------------------------------------------

    def get(self, config: dict[str, Any]) -> Checkpoint | None:
        found = self.get_tuple(config)
        return found.checkpoint if found else None

    def get_delta_channel_history(
        self, config: dict[str, Any], channels: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """What a ``DeltaChannel`` starts from at the checkpoint ``config`` names, per channel:
        ``{"seed": value, "writes": []}`` (no ``seed``: start empty). streamgraph's
        checkpoints hold each channel's value, so the seed is the stored value itself."""
        saved = self.get_tuple(config)
        return _delta_history(saved, channels)

    async def aget_delta_channel_history(
        self, config: dict[str, Any], channels: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """``get_delta_channel_history`` for async code."""
        return _delta_history(await self.aget_tuple(config), channels)

    def get_next_version(self, current: int | str | None, channel: Any = None) -> int:
        if current is None:
            return 1
        if isinstance(current, str):
            return int(current.split(".")[0]) + 1
        return current + 1

    # -- async twins (savers with native async I/O override these) ---------------------------

    async def aget_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        return await _to_thread(self.get_tuple, config)

    async def alist(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        found = await _to_thread(
            lambda: list(self.list(config, filter=filter, before=before, limit=limit))
        )
        for item in found:
            yield item

    async def aput(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        return await _to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await _to_thread(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await _to_thread(self.delete_thread, thread_id)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await _to_thread(self.copy_thread, source_thread_id, target_thread_id)

    async def adelete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        await _to_thread(self.delete_run_checkpoints, thread_id, run_id)

    async def aget(self, config: dict[str, Any]) -> Checkpoint | None:
        found = await self.aget_tuple(config)
        return found.checkpoint if found else None


def _delta_history(
    saved: CheckpointTuple | None, channels: Sequence[str]
) -> dict[str, dict[str, Any]]:
    values = saved.checkpoint["channel_values"] if saved is not None else {}
    return {
        channel: {"seed": values[channel], "writes": []} if channel in values else {"writes": []}
        for channel in channels
    }
