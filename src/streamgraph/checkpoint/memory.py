"""InMemorySaver: checkpoints in a dict, for tests and single-process programs.

Values are stored serialized (as every saver stores them), so a checkpoint never changes when
the run goes on mutating the objects it held, and what comes back is what a database would
give back. Channel values are stored once, by the checkpoint that changed them (``_blobs.py``):
a step costs what it changed, and a long thread holds each value once.

Per thread and namespace the checkpoint ids are kept sorted, so the latest checkpoint and a
page of history are found without sorting the thread.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from streamgraph.checkpoint._blobs import Lineage, Parent, join, split, stored_lists
from streamgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    PendingWrite,
)
from streamgraph.checkpoint.serde import Serializer

__all__ = ("InMemorySaver", "MemorySaver")

Typed = tuple[str, bytes]
# (serializer type, checkpoint without its blob values, metadata, parent id, blob refs)
_Stored = tuple[str, bytes, bytes, str | None, dict[str, str]]


class _Namespace:
    """One thread's checkpoints in one namespace."""

    __slots__ = ("blobs", "checkpoints", "ids", "latest", "writes")

    def __init__(self) -> None:
        self.latest: tuple[str, Parent] | None = None  # the last stored: the next parent
        self.ids: list[str] = []  # sorted
        self.checkpoints: dict[str, _Stored] = {}
        self.blobs: dict[tuple[str, str], Typed] = {}  # (channel, checkpoint id)
        self.writes: dict[str, dict[tuple[str, int], tuple[str, str, Typed, str]]] = {}

    def add(self, checkpoint_id: str, stored: _Stored) -> None:
        if checkpoint_id not in self.checkpoints:
            if not self.ids or checkpoint_id > self.ids[-1]:
                self.ids.append(checkpoint_id)
            else:
                bisect.insort(self.ids, checkpoint_id)
        self.checkpoints[checkpoint_id] = stored

    def remove(self, doomed: set[str]) -> None:
        self.latest = None
        self.ids = [i for i in self.ids if i not in doomed]
        for checkpoint_id in doomed:
            del self.checkpoints[checkpoint_id]
            self.writes.pop(checkpoint_id, None)
        referenced = {(c, ref) for s in self.checkpoints.values() for c, ref in s[4].items()}
        for key in [k for k in self.blobs if k[1] in doomed and k not in referenced]:
            del self.blobs[key]

    def copy_into(self, target: _Namespace) -> None:
        for checkpoint_id in self.ids:
            target.add(checkpoint_id, self.checkpoints[checkpoint_id])  # bytes: shared safely
        target.blobs.update(self.blobs)
        for checkpoint_id, writes in self.writes.items():
            target.writes.setdefault(checkpoint_id, {}).update(writes)


def _ids(config: dict[str, Any]) -> tuple[str, str, str | None]:
    configurable = config.get("configurable", {})
    thread_id = configurable.get("thread_id")
    if thread_id is None:
        raise ValueError(
            "Checkpointer requires one or more of the following 'configurable' keys: "
            "thread_id, checkpoint_ns, checkpoint_id"
        )
    return str(thread_id), configurable.get("checkpoint_ns", ""), configurable.get("checkpoint_id")


def metadata_matches(metadata: dict[str, Any], filter: dict[str, Any] | None) -> bool:
    return not filter or all(metadata.get(k) == v for k, v in filter.items())


def _config(thread_id: str, ns: str, checkpoint_id: str) -> dict[str, Any]:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


class InMemorySaver(BaseCheckpointSaver):
    """Keeps checkpoints in this process's memory. Thread-safe."""

    blocking_io = False  # instant: the runtime calls it inline, whatever the durability

    def __init__(self, *, serde: Serializer | None = None) -> None:
        super().__init__(serde=serde)
        self.storage: dict[str, dict[str, _Namespace]] = {}
        self._lock = threading.RLock()
        self._recent = Lineage(size=Lineage.LISTS)  # the lists the latest puts stored

    def _loads(self, data: Typed) -> Any:
        return self.serde.loads_typed(data)

    def _namespace(self, thread_id: str, ns: str) -> _Namespace | None:
        return self.storage.get(thread_id, {}).get(ns)

    def _tuple(self, thread_id: str, ns: str, space: _Namespace, cid: str) -> CheckpointTuple:
        kind, checkpoint, metadata, parent, refs = space.checkpoints[cid]
        values = {}
        for channel, ref in refs.items():
            blob = space.blobs.get((channel, ref))
            if blob is not None:
                values[channel] = self._loads(blob)
        writes = space.writes.get(cid, {})
        pending: list[PendingWrite] = [
            (task_id, channel, self._loads(value)) for task_id, channel, value, _ in writes.values()
        ]
        joined = join(self._loads((kind, checkpoint)), values)
        lists = stored_lists(joined["channel_values"], refs)
        if lists:  # a run that goes on from this checkpoint may extend these lists
            versions = joined["channel_versions"]
            self._recent.remember(thread_id, ns, cid, Parent(dict(versions), refs, lists))
        return CheckpointTuple(
            _config(thread_id, ns, cid),
            joined,  # type: ignore[arg-type]
            self._loads((kind, metadata)),
            _config(thread_id, ns, parent) if parent else None,
            pending,
        )

    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = _ids(config)
        with self._lock:
            space = self._namespace(thread_id, ns)
            if space is None or not space.ids:
                return None
            if checkpoint_id is None:
                checkpoint_id = space.ids[-1]
            elif checkpoint_id not in space.checkpoints:
                return None
            return self._tuple(thread_id, ns, space, checkpoint_id)

    def list(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        configurable = (config or {}).get("configurable", {})
        before_id = (before or {}).get("configurable", {}).get("checkpoint_id")
        wanted_id = configurable.get("checkpoint_id")
        with self._lock:
            candidates: list[tuple[str, str, str]] = []
            for thread_id, namespaces in self.storage.items():
                if "thread_id" in configurable and thread_id != str(configurable["thread_id"]):
                    continue
                for ns, space in namespaces.items():
                    if "checkpoint_ns" in configurable and ns != configurable["checkpoint_ns"]:
                        continue
                    ids = space.ids
                    end = len(ids) if before_id is None else bisect.bisect_left(ids, before_id)
                    if wanted_id is not None:
                        found = wanted_id in space.checkpoints and wanted_id in ids[:end]
                        candidates.extend([(wanted_id, thread_id, ns)] if found else [])
                    elif filter or limit is None:
                        candidates.extend((i, thread_id, ns) for i in ids[:end])
                    else:  # the newest ``limit`` of each namespace are enough
                        start = max(0, end - limit)
                        candidates.extend((i, thread_id, ns) for i in ids[start:end])
            candidates.sort(reverse=True)
            results = []
            for checkpoint_id, thread_id, ns in candidates:
                space = self.storage[thread_id][ns]
                if filter:
                    kind, _, metadata, _, _ = space.checkpoints[checkpoint_id]
                    if not metadata_matches(self._loads((kind, metadata)), filter):
                        continue
                results.append(self._tuple(thread_id, ns, space, checkpoint_id))
                if limit is not None and len(results) >= limit:
                    break
        yield from results

    def _parent(self, space: _Namespace, ids: tuple[str, str, str | None]) -> Parent | None:
        parent_id = ids[2]
        recent = self._recent.get(*ids)
        if recent is not None:
            return recent
        if space.latest is not None and space.latest[0] == parent_id:
            return space.latest[1]
        stored = space.checkpoints.get(parent_id) if parent_id else None
        if stored is None:
            return None
        kind, checkpoint, _, _, refs = stored
        return Parent(self._loads((kind, checkpoint))["channel_versions"], refs)

    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        thread_id, ns, parent_id = _ids(config)
        checkpoint_id = checkpoint["id"]
        with self._lock:
            space = self.storage.setdefault(thread_id, {}).setdefault(ns, _Namespace())
            stored, refs, blobs, lists = split(
                checkpoint, new_versions, self._parent(space, (thread_id, ns, parent_id))
            )
            for channel, value in blobs.items():
                space.blobs[(channel, checkpoint_id)] = self.serde.dumps_typed(value)
            kind, data = self.serde.dumps_typed(stored)
            meta = self.serde.dumps_typed(metadata)[1]
            space.add(checkpoint_id, (kind, data, meta, parent_id, refs))
            versions = dict(checkpoint["channel_versions"])
            space.latest = (checkpoint_id, Parent(versions, refs))
            if lists:
                self._recent.remember(
                    thread_id, ns, checkpoint_id, space.latest[1]._replace(lists=lists)
                )
        return _config(thread_id, ns, checkpoint_id)

    def put_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        thread_id, ns, checkpoint_id = _ids(config)
        if checkpoint_id is None:
            raise ValueError("put_writes needs a config with a checkpoint_id")
        with self._lock:
            space = self.storage.setdefault(thread_id, {}).setdefault(ns, _Namespace())
            stored = space.writes.setdefault(checkpoint_id, {})
            for index, (channel, value) in enumerate(writes):
                key = (task_id, WRITES_IDX_MAP.get(channel, index))
                if key[1] >= 0 and key in stored:
                    continue  # a task's writes are saved once; a retry of the save is a no-op
                stored[key] = (task_id, channel, self.serde.dumps_typed(value), task_path)

    def delete_thread(self, thread_id: str) -> None:
        with self._lock:
            self.storage.pop(str(thread_id), None)
            self._recent.forget_thread(str(thread_id))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        source, target = str(source_thread_id), str(target_thread_id)
        if source == target:
            return
        with self._lock:
            for ns, space in list(self.storage.get(source, {}).items()):
                copy = self.storage.setdefault(target, {}).setdefault(ns, _Namespace())
                space.copy_into(copy)

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        with self._lock:
            for space in self.storage.get(str(thread_id), {}).values():
                doomed = {
                    checkpoint_id
                    for checkpoint_id, (kind, _, metadata, _, _) in space.checkpoints.items()
                    if self._loads((kind, metadata)).get("run_id") == run_id
                }
                if doomed:
                    space.remove(doomed)
                    self._recent.forget_thread(str(thread_id))

    # The dict operations are instant: the async twins call straight through.

    async def aget_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(
        self,
        config: dict[str, Any] | None,
        *,
        filter: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for item in self.list(config, filter=filter, before=before, limit=limit):
            yield item

    async def aput(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        return self.put(config, checkpoint, metadata, new_versions)

    async def aput_writes(
        self,
        config: dict[str, Any],
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.put_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        self.delete_thread(thread_id)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self.copy_thread(source_thread_id, target_thread_id)

    async def adelete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        self.delete_run_checkpoints(thread_id, run_id)


MemorySaver = InMemorySaver
"""LangGraph's older name."""
