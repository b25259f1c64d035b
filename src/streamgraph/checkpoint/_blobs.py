"""Incremental checkpoints: each channel value is stored once, in the checkpoint that wrote it.

A checkpoint's versioned channel values (the state keys) are not stored with it. Each is a
*blob* keyed by (thread, namespace, channel, id of the checkpoint that stored it), and the
checkpoint keeps ``refs``: for every channel with a value, the id of the checkpoint holding
it. Saving a checkpoint stores a blob only for the channels that changed since its parent;
the others point where the parent's point. A step therefore writes what it changed, whatever
the size of the rest of the state. Values without a version (branch markers, join sets, the
``Send``s of the next step) stay in the checkpoint itself, except the graph input of an input
checkpoint (``__start__``), which may be large: it is a blob of its checkpoint.

Why blobs are keyed by the writing checkpoint's id rather than by channel version (as in
LangGraph): versions are step numbers, so two forks of one thread write different values
under the same version; checkpoint ids never repeat.

A channel counts as changed (and gets a blob) when it is in ``new_versions``, when its
version differs from the parent's, or when the parent has no blob for it (no parent, a parent
stored in the old whole-checkpoint format, or a caller that passed ``new_versions={}``). So
the saver never depends on the caller's ``new_versions`` being complete.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, NamedTuple

__all__ = ("Lineage", "Parent", "Split", "split")

START = "__start__"


class Parent(NamedTuple):
    """What a child checkpoint needs of its parent: channel versions and blob refs."""

    versions: dict[str, Any]
    refs: dict[str, str]


class Split(NamedTuple):
    checkpoint: dict[str, Any]
    """The checkpoint without its versioned values (what the checkpoint row stores)."""
    refs: dict[str, str]
    """Channel -> id of the checkpoint whose blob holds its value."""
    blobs: dict[str, Any]
    """The values to store as blobs of this checkpoint."""


def split(checkpoint: Any, new_versions: Any, parent: Parent | None) -> Split:
    """How ``checkpoint`` is stored, given its parent (``None``: none, or unknown)."""
    values = checkpoint["channel_values"]
    versions = checkpoint["channel_versions"]
    own_id = checkpoint["id"]
    inline: dict[str, Any] = {}
    refs: dict[str, str] = {}
    blobs: dict[str, Any] = {}
    parent_versions = parent.versions if parent is not None else {}
    parent_refs = parent.refs if parent is not None else {}
    for channel, value in values.items():
        version = versions.get(channel)
        if version is None:
            if channel == START:
                refs[channel] = own_id
                blobs[channel] = value
            else:
                inline[channel] = value
            continue
        ref = parent_refs.get(channel)
        if (
            ref is None
            or channel in new_versions
            or parent_versions.get(channel) != version
            or ref == own_id  # the checkpoint is stored again: its blobs are rewritten
        ):
            refs[channel] = own_id
            blobs[channel] = value
        else:
            refs[channel] = ref
    stored = dict(checkpoint)
    stored["channel_values"] = inline
    return Split(stored, refs, blobs)


def join(checkpoint: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A stored checkpoint with its blob values put back (``values``: channel -> value)."""
    if values:
        checkpoint["channel_values"] = {**checkpoint["channel_values"], **values}
    return checkpoint


class Lineage:
    """The versions and refs of checkpoints this process stored or read lately, so that
    saving a child does not have to read its parent back from the database.

    Entries never go stale: a checkpoint id names one checkpoint for good (storing the same
    id again updates the entry; deleting checkpoints forgets them).
    """

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str, str], Parent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, thread_id: str, ns: str, checkpoint_id: str | None) -> Parent | None:
        if checkpoint_id is None:
            return None
        with self._lock:
            return self._entries.get((thread_id, ns, checkpoint_id))

    def remember(self, thread_id: str, ns: str, checkpoint_id: str, parent: Parent) -> None:
        with self._lock:
            key = (thread_id, ns, checkpoint_id)
            self._entries[key] = parent
            self._entries.move_to_end(key)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def forget_thread(self, thread_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == thread_id]:
                del self._entries[key]
