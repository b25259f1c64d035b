"""Carrying out the loop's queued saves (``loop.saves``), by durability.

- ``"sync"``: each save is done before the run goes on (nothing finished is ever lost);
- ``"async"`` (the default): saves run in order in the background while the next step runs,
  and the run does not end before they are done;
- ``"exit"``: only the last checkpoint (and the writes made against it) is saved, when the run
  ends.

Savers whose operations cost nothing (``InMemorySaver``) are always called inline: a
background hop would cost more than the save.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

from streamgraph.pregel._checkpoint import SaveOp
from streamgraph.pregel._pool import submit

__all__ = ("AsyncPersister", "Persister")


_TAKES_TASK_PATH: dict[tuple[type, str], bool] = {}


def _write_args(saver: Any, method: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """``put_writes`` arguments: without the task path for a saver whose method (an older
    or hand-written override, as LangGraph allows) does not take it."""
    key = (type(saver), method)
    takes = _TAKES_TASK_PATH.get(key)
    if takes is None:
        import inspect

        try:
            params = inspect.signature(getattr(saver, method)).parameters
            takes = "task_path" in params or any(
                p.kind is p.VAR_POSITIONAL for p in params.values()
            )
        except (TypeError, ValueError):
            takes = True
        _TAKES_TASK_PATH[key] = takes
    return args if takes else args[:2]


def _do(saver: Any, op: SaveOp) -> None:
    if op.kind == "put":
        saver.put(op.config, *op.args)
    else:
        saver.put_writes(op.config, *_write_args(saver, "put_writes", op.args))


async def _ado(saver: Any, op: SaveOp) -> None:
    if op.kind == "put":
        await saver.aput(op.config, *op.args)
    else:
        await saver.aput_writes(op.config, *_write_args(saver, "aput_writes", op.args))


def _do_many(saver: Any, ops: list[SaveOp]) -> None:
    """Several saves: in one transaction when the saver can (``save_batch``)."""
    batch = getattr(saver, "save_batch", None)
    if batch is not None and len(ops) > 1:
        batch(ops)
    else:
        for op in ops:
            _do(saver, op)


def _since_last_put(ops: list[SaveOp]) -> list[SaveOp]:
    """``exit`` durability: the last checkpoint and what was written against it."""
    for index in range(len(ops) - 1, -1, -1):
        if ops[index].kind == "put":
            return ops[index:]
    return ops


class _Ordered:
    """Runs operations in order on the worker pool: whatever is queued when the previous
    batch is done goes as the next batch."""

    def __init__(self, run: Callable[[list[SaveOp]], None]) -> None:
        self._run = run
        self._ops: deque[SaveOp] = deque()
        self._lock = threading.Lock()
        self._running = False
        self._idle = threading.Event()
        self._idle.set()
        self.error: BaseException | None = None

    def add(self, ops: list[SaveOp]) -> None:
        with self._lock:
            self._ops.extend(ops)
            if self._running:
                return
            self._running = True
            self._idle.clear()
        submit(self._drain)

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._ops:
                    self._running = False
                    self._idle.set()
                    return
                ops = list(self._ops)
                self._ops.clear()
            try:
                self._run(ops)
            except BaseException as error:  # reported when the run ends
                self.error = self.error or error

    def wait(self) -> None:
        self._idle.wait()
        if self.error is not None:
            raise self.error


class Persister:
    """The sync driver's saver calls."""

    def __init__(self, saver: Any, durability: str) -> None:
        self.saver = saver
        self.durability = durability
        inline = durability == "sync" or not getattr(saver, "blocking_io", True)
        self.background = (
            None if inline or durability == "exit" else _Ordered(lambda ops: _do_many(saver, ops))
        )
        self.held: list[SaveOp] = []

    def restore(self, config: dict[str, Any]) -> Any:
        return self.saver.get_tuple(config)

    def flush(self, ops: list[SaveOp]) -> None:
        if self.durability == "exit":
            self.held.extend(ops)
        elif self.background is not None:
            self.background.add(ops)
        else:
            for op in ops:
                _do(self.saver, op)

    def close(self) -> None:
        """At the end of the run: everything that has to be saved is saved."""
        if self.held:
            for op in _since_last_put(self.held):
                _do(self.saver, op)
            self.held = []
        if self.background is not None:
            self.background.wait()


class AsyncPersister:
    """The async driver's saver calls (the saver's async methods)."""

    def __init__(self, saver: Any, durability: str) -> None:
        self.saver = saver
        self.durability = durability
        self.inline = durability == "sync" or not getattr(saver, "blocking_io", True)
        self.held: list[SaveOp] = []
        self.chain: asyncio.Task[None] | None = None

    async def restore(self, config: dict[str, Any]) -> Any:
        return await self.saver.aget_tuple(config)

    async def flush(self, ops: list[SaveOp]) -> None:
        if self.durability == "exit":
            self.held.extend(ops)
        elif self.inline:
            for op in ops:
                await _ado(self.saver, op)
        else:
            import asyncio

            self.chain = asyncio.create_task(self._after(self.chain, ops))

    async def _after(self, previous: asyncio.Task[None] | None, ops: list[SaveOp]) -> None:
        if previous is not None:
            await previous
        if len(ops) > 1 and hasattr(self.saver, "asave_batch"):
            await self.saver.asave_batch(ops)
        elif len(ops) > 1 and hasattr(self.saver, "save_batch"):
            import asyncio

            await asyncio.to_thread(self.saver.save_batch, ops)
        else:
            for op in ops:
                await _ado(self.saver, op)

    async def close(self) -> None:
        if self.held:
            for op in _since_last_put(self.held):
                await _ado(self.saver, op)
            self.held = []
        if self.chain is not None:
            chain, self.chain = self.chain, None
            await chain
