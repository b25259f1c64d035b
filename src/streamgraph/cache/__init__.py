"""Caches of node results (``compile(cache=...)`` with ``add_node(..., cache_policy=...)``):
``BaseCache`` and its implementations (``streamgraph.cache.memory``, ``.sqlite``)."""

from streamgraph.cache.base import BaseCache

__all__ = ("BaseCache",)
