"""Long-term memory shared across threads: ``BaseStore`` and its implementations
(``streamgraph.store.memory``, ``.sqlite``, ``.postgres``)."""

from streamgraph.store.base import BaseStore, Item, SearchItem

__all__ = ("BaseStore", "Item", "SearchItem")
