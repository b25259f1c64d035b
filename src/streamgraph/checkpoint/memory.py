"""InMemorySaver: checkpoints in a dict, for tests and single-process programs.

Values are stored serialized (as every saver stores them), so a checkpoint never changes when
the run goes on mutating the objects it held, and what comes back is what a database would
give back.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

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

# (checkpoint, metadata, parent checkpoint id), serialized
_Stored = tuple[bytes, bytes, str | None]


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


class InMemorySaver(BaseCheckpointSaver):
    """Keeps checkpoints in this process's memory. Thread-safe."""

    blocking_io = False  # instant: the runtime calls it inline, whatever the durability

    def __init__(self, *, serde: Serializer | None = None) -> None:
        super().__init__(serde=serde)
        self.storage: dict[str, dict[str, dict[str, _Stored]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.writes: dict[tuple[str, str, str], dict[tuple[str, int], tuple[Any, ...]]] = (
            defaultdict(dict)
        )
        self._lock = threading.RLock()

    def _dumps(self, obj: Any) -> bytes:
        return self.serde.dumps_typed(obj)[1]

    def _loads(self, data: bytes) -> Any:
        return self.serde.loads_typed(("json", data))

    def _tuple(self, thread_id: str, ns: str, checkpoint_id: str) -> CheckpointTuple:
        checkpoint, metadata, parent = self.storage[thread_id][ns][checkpoint_id]
        writes = self.writes.get((thread_id, ns, checkpoint_id), {})
        pending: list[PendingWrite] = [
            (task_id, channel, self._loads(value)) for task_id, channel, value, _ in writes.values()
        ]

        def config(cid: str) -> dict[str, Any]:
            return {
                "configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": cid}
            }

        return CheckpointTuple(
            config(checkpoint_id),
            self._loads(checkpoint),
            self._loads(metadata),
            config(parent) if parent else None,
            pending,
        )

    def get_tuple(self, config: dict[str, Any]) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = _ids(config)
        with self._lock:
            checkpoints = self.storage.get(thread_id, {}).get(ns)
            if not checkpoints:
                return None
            if checkpoint_id is None:
                checkpoint_id = max(checkpoints)
            elif checkpoint_id not in checkpoints:
                return None
            return self._tuple(thread_id, ns, checkpoint_id)

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
        with self._lock:
            found = []
            for thread_id, namespaces in self.storage.items():
                if "thread_id" in configurable and thread_id != str(configurable["thread_id"]):
                    continue
                for ns, checkpoints in namespaces.items():
                    if "checkpoint_ns" in configurable and ns != configurable["checkpoint_ns"]:
                        continue
                    for checkpoint_id in checkpoints:
                        if configurable.get("checkpoint_id") not in (None, checkpoint_id):
                            continue
                        if before_id is not None and checkpoint_id >= before_id:
                            continue
                        found.append((checkpoint_id, thread_id, ns))
            found.sort(reverse=True)
            results = []
            for checkpoint_id, thread_id, ns in found:
                item = self._tuple(thread_id, ns, checkpoint_id)
                if not metadata_matches(dict(item.metadata), filter):
                    continue
                results.append(item)
                if limit is not None and len(results) >= limit:
                    break
        yield from results

    def put(
        self,
        config: dict[str, Any],
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        thread_id, ns, parent_id = _ids(config)
        stored = (self._dumps(checkpoint), self._dumps(metadata), parent_id)
        with self._lock:
            self.storage[thread_id][ns][checkpoint["id"]] = stored
        return {
            "configurable": {
                "thread_id": thread_id,
                "checkpoint_ns": ns,
                "checkpoint_id": checkpoint["id"],
            }
        }

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
            stored = self.writes[(thread_id, ns, checkpoint_id)]
            for index, (channel, value) in enumerate(writes):
                key = (task_id, WRITES_IDX_MAP.get(channel, index))
                if key[1] >= 0 and key in stored:
                    continue  # a task's writes are saved once; a retry of the save is a no-op
                stored[key] = (task_id, channel, self._dumps(value), task_path)

    def delete_thread(self, thread_id: str) -> None:
        with self._lock:
            self.storage.pop(str(thread_id), None)
            for key in [k for k in self.writes if k[0] == str(thread_id)]:
                del self.writes[key]

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        source, target = str(source_thread_id), str(target_thread_id)
        with self._lock:
            for ns, checkpoints in list(self.storage.get(source, {}).items()):
                self.storage[target][ns].update(checkpoints)  # stored bytes: shared safely
            for (thread_id, ns, checkpoint_id), writes in list(self.writes.items()):
                if thread_id == source:
                    self.writes[(target, ns, checkpoint_id)].update(writes)

    def delete_run_checkpoints(self, thread_id: str, run_id: str) -> None:
        thread_id = str(thread_id)
        with self._lock:
            for ns, checkpoints in self.storage.get(thread_id, {}).items():
                doomed = [
                    checkpoint_id
                    for checkpoint_id, (_, metadata, _) in checkpoints.items()
                    if self._loads(metadata).get("run_id") == run_id
                ]
                for checkpoint_id in doomed:
                    del checkpoints[checkpoint_id]
                    self.writes.pop((thread_id, ns, checkpoint_id), None)

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
