"""Lists made by appending to another list, as ``operator.add`` reducers make them.

A key declared ``Annotated[list, operator.add]`` gets a new list at every step: the old items
followed by the step's. The channel records here that the new list extends the old one, so a
saver whose parent checkpoint stored the old list can store only the new items
(``checkpoint/_blobs.py``). Entries hold both lists (a list cannot be weakly referenced, and
an id alone could name a later list); only the last few are kept, so a missed entry costs one
whole-list blob, never a wrong value.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ("extended", "record")

_SIZE = 16
_entries: OrderedDict[int, tuple[list[Any], list[Any], int]] = OrderedDict()
_lock = threading.Lock()


def record(new: list[Any], base: list[Any]) -> None:
    """``new`` is ``base``'s items (as they are now) followed by others."""
    with _lock:
        _entries[id(new)] = (new, base, len(base))
        if len(_entries) > _SIZE:
            _entries.popitem(last=False)


def extended(new: Any, base: Any, length: int) -> bool:
    """Whether ``new`` was recorded as ``base``, still ``length`` items long, plus more."""
    with _lock:
        found = _entries.get(id(new))
    return (
        found is not None
        and found[0] is new
        and found[1] is base
        and found[2] == length == len(base)
        and len(new) > length
    )
