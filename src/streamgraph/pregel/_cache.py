"""Node caching at the task level: a task whose node has a ``cache_policy`` looks its writes
up in the run's cache (``compile(cache=...)``, or the enclosing graph's) before it runs, and
stores them after it succeeds. A hit sets ``task.writes`` and ``task.cached``: the node does
not run, and its ``updates`` chunk carries ``"__metadata__": {"cached": True}``.

Entries live under ``("__pregel_ns_writes", <node name>)``, keyed by a hash of the policy's
``key_func`` of the task's input; ``clear_cache()`` deletes the namespaces of a graph's cached
nodes. ``run_task``/``arun_task`` call ``lookup``/``remember`` (or their async twins) around
a task's attempts, for graph nodes and any other kind of task alike: a node whose input is not
one value (a functional-API task's ``(args, kwargs)``) defines ``cache_key(input)`` to call its
policy's ``key_func`` with the right arguments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamgraph.cache.base import BaseCache, FullKey
    from streamgraph.pregel._scope import Task
    from streamgraph.types import CachePolicy

__all__ = (
    "CACHE_NS_WRITES",
    "alookup",
    "aremember",
    "cache_namespaces",
    "cache_of",
    "lookup",
    "namespace",
    "remember",
)

CACHE_NS_WRITES = "__pregel_ns_writes"


def namespace(name: str) -> tuple[str, ...]:
    return (CACHE_NS_WRITES, name)


def cache_namespaces(
    graph: Any, nodes: Sequence[str] | None
) -> tuple[BaseCache[Any], list[tuple[str, ...]]]:
    """The graph's cache and the namespaces of ``nodes`` (all its cached nodes if ``None``)."""
    if graph.cache is None:
        raise ValueError("No cache is set for this graph. Cannot clear cache.")
    if nodes is None:
        nodes = [name for name, node in graph.nodes.items() if node.cache_policy is not None]
    else:
        unknown = [name for name in nodes if name not in graph.nodes]
        if unknown:
            raise ValueError(f"clear_cache(nodes=...): no node named {', '.join(unknown)}")
    return graph.cache, [namespace(name) for name in nodes]


def cache_of(task: Task) -> BaseCache[Any] | None:
    """The cache the task's run uses (its graph's, else the nearest enclosing graph's)."""
    loop: Any = task.loop
    while loop is not None:
        cache = getattr(loop.graph, "cache", None)
        if cache is not None:
            return cache  # type: ignore[no-any-return]
        loop = loop.outer
    return None


def _key(task: Task, policy: CachePolicy) -> FullKey:
    custom = getattr(task.node, "cache_key", None)  # a node whose input is call arguments
    raw = custom(task.input) if custom is not None else policy.key_func(task.input)
    data = raw if isinstance(raw, bytes) else str(raw).encode()
    return namespace(task.name), hashlib.blake2b(data, digest_size=16).hexdigest()


def _policy(task: Task) -> tuple[BaseCache[Any], CachePolicy] | None:
    policy = getattr(task.node, "cache_policy", None)
    if policy is None:
        return None
    cache = cache_of(task)
    return None if cache is None else (cache, policy)


def lookup(task: Task) -> bool:
    """Fill ``task.writes`` from the cache; ``True`` on a hit. The loop looks a step's tasks
    up before announcing them (a hit runs no node: no task run in ``astream_events`` or
    tracers, as LangGraph); the runners look up tasks nobody looked up yet."""
    found = _policy(task)
    if found is None:
        return False
    cache, policy = found
    key = _key(task, policy)
    hit = cache.get([key]).get(key)
    return _hit(task, hit)


async def alookup(task: Task) -> bool:
    found = _policy(task)
    if found is None:
        return False
    cache, policy = found
    key = _key(task, policy)
    hit = (await cache.aget([key])).get(key)
    return _hit(task, hit)


def _hit(task: Task, hit: Any) -> bool:
    if hit is None:
        task.cached = False
        return False
    task.writes = [(channel, value) for channel, value in hit]
    task.cached = True
    return True


def _entry(task: Task) -> tuple[BaseCache[Any], dict[FullKey, Any]] | None:
    found = _policy(task)
    if found is None or task.cached or task.error is not None or task.interrupts:
        return None
    cache, policy = found
    return cache, {_key(task, policy): (list(task.writes), policy.ttl)}


def remember(task: Task) -> None:
    """Store a task's writes after it succeeded (nothing for a failed or interrupted one)."""
    entry = _entry(task)
    if entry is not None:
        entry[0].set(entry[1])


async def aremember(task: Task) -> None:
    entry = _entry(task)
    if entry is not None:
        await entry[0].aset(entry[1])
