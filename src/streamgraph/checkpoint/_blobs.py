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

A list that grew by appending (an ``operator.add`` key, as recorded by ``_internal/_appends``)
is stored in parts: when the parent stored the very list the new one extends, the checkpoint
stores only the new items, as the blob of channel ``<channel>\x1f<n>`` (its n-th part), and
its refs keep the parent's parts. Reading joins the parts in order. A value is at most
``MAX_PARTS`` parts; the next change stores it whole again. Parts are ordinary blobs under
ordinary ref keys, so every saver stores, copies and prunes them as any other.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, NamedTuple

from streamgraph._internal._appends import extended

__all__ = ("Lineage", "Parent", "Split", "join", "split", "stored_lists")

START = "__start__"
PART = "\x1f"
MAX_PARTS = 32


class Parent(NamedTuple):
    """What a child checkpoint needs of its parent: channel versions and blob refs."""

    versions: dict[str, Any]
    refs: dict[str, str]
    lists: dict[str, tuple[list[Any], int, int]] | None = None
    """Channel -> (the list object stored, its length then, its number of parts), for the
    list values this process stored (what a child may extend)."""


class Split(NamedTuple):
    checkpoint: dict[str, Any]
    """The checkpoint without its versioned values (what the checkpoint row stores)."""
    refs: dict[str, str]
    """Channel -> id of the checkpoint whose blob holds its value."""
    blobs: dict[str, Any]
    """The values to store as blobs of this checkpoint."""
    lists: dict[str, tuple[list[Any], int, int]]
    """What ``Parent.lists`` of this checkpoint is."""


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
    parent_lists = (parent.lists if parent is not None else None) or {}
    lists: dict[str, tuple[list[Any], int, int]] = {}
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
            stored_list = parent_lists.get(channel)
            if (
                ref is not None
                and ref != own_id
                and stored_list is not None
                and stored_list[2] < MAX_PARTS
                and extended(value, stored_list[0], stored_list[1])
            ):
                parts = stored_list[2]
                _keep_parts(channel, parent_refs, refs, parts)
                blobs[f"{channel}{PART}{parts}"] = value[stored_list[1] :]
                refs[f"{channel}{PART}{parts}"] = own_id
                lists[channel] = (value, len(value), parts + 1)
                continue
            refs[channel] = own_id
            blobs[channel] = value
            if type(value) is list:
                lists[channel] = (value, len(value), 1)
        else:
            _keep_parts(channel, parent_refs, refs, None)
            if channel in parent_lists:
                lists[channel] = parent_lists[channel]
    stored = dict(checkpoint)
    stored["channel_values"] = inline
    return Split(stored, refs, blobs, lists)


def _keep_parts(
    channel: str, parent_refs: dict[str, str], refs: dict[str, str], parts: int | None
) -> None:
    """Copy the parent's refs to ``channel``'s parts (``parts``: how many; ``None``: all)."""
    refs[channel] = parent_refs[channel]
    index = 1
    while parts is None or index < parts:
        key = f"{channel}{PART}{index}"
        ref = parent_refs.get(key)
        if ref is None:
            break
        refs[key] = ref
        index += 1


def join(checkpoint: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A stored checkpoint with its blob values put back (``values``: channel or part ->
    value)."""
    if values:
        if any(PART in key for key in values):
            values = _joined(values)
        checkpoint["channel_values"] = {**checkpoint["channel_values"], **values}
    return checkpoint


def stored_lists(
    values: dict[str, Any], refs: dict[str, str]
) -> dict[str, tuple[list[Any], int, int]] | None:
    """``Parent.lists`` of a checkpoint just read (``values``: its joined channel values): a
    child that extends one of these very lists stores only the new items."""
    lists = None
    for channel, value in values.items():
        if type(value) is list and channel in refs:
            parts = 1
            while f"{channel}{PART}{parts}" in refs:
                parts += 1
            if lists is None:
                lists = {}
            lists[channel] = (value, len(value), parts)
    return lists


def _joined(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with each list stored in parts made whole again."""
    whole = {key: value for key, value in values.items() if PART not in key}
    parts = sorted(
        (channel, int(index), value)
        for key, value in values.items()
        if PART in key
        for channel, index in [key.rsplit(PART, 1)]
    )
    for channel, _, value in parts:
        base = whole.get(channel)
        if type(base) is not list:
            raise ValueError(f"stored checkpoint has parts of {channel!r} but not its list")
        base.extend(value)
    return whole


class Lineage:
    """The versions and refs of checkpoints this process stored or read lately, so that
    saving a child does not have to read its parent back from the database.

    Entries never go stale: a checkpoint id names one checkpoint for good (storing the same
    id again updates the entry; deleting checkpoints forgets them).
    """

    LISTS = 32
    """How many of the latest entries keep their ``lists`` (the list objects themselves:
    held by few entries, so that a long-gone run's state is not kept alive)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str, str], Parent] = OrderedDict()
        self._lists: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, thread_id: str, ns: str, checkpoint_id: str | None) -> Parent | None:
        if checkpoint_id is None:
            return None
        key = (thread_id, ns, checkpoint_id)
        with self._lock:
            found = self._entries.get(key)
            lists = self._lists.get(key)
        if found is None or lists is None:
            return found
        return found._replace(lists=lists)

    def remember(self, thread_id: str, ns: str, checkpoint_id: str, parent: Parent) -> None:
        with self._lock:
            key = (thread_id, ns, checkpoint_id)
            self._entries[key] = parent._replace(lists=None) if parent.lists else parent
            self._entries.move_to_end(key)
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
            if parent.lists:
                self._lists[key] = parent.lists
                self._lists.move_to_end(key)
                if len(self._lists) > self.LISTS:
                    self._lists.popitem(last=False)
            else:
                self._lists.pop(key, None)

    def forget_thread(self, thread_id: str) -> None:
        with self._lock:
            for key in [k for k in self._entries if k[0] == thread_id]:
                del self._entries[key]
            for key in [k for k in self._lists if k[0] == thread_id]:
                del self._lists[key]
