"""Node timeouts (``TimeoutPolicy``): run one async attempt under a wall-clock cap and an
idle cap that progress resets.

Progress is recorded by ``AttemptTimer.touch``: the task's ``custom`` writer, LangChain
callback events inside the node (tokens, tool and chain runs) and ``runtime.heartbeat()``
call it under ``refresh_on="auto"``; only the heartbeat under ``"heartbeat"``. The watchdog
sleeps until the earliest deadline, checks whether progress moved it, and cancels the attempt
when it did not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from streamgraph.errors import NodeTimeoutError

if TYPE_CHECKING:
    from streamgraph.pregel._scope import Task
    from streamgraph.types import TimeoutPolicy

__all__ = ("AttemptTimer", "run_with_timeout")


class AttemptTimer:
    """The clock of one attempt: when it started and when it last made progress."""

    __slots__ = ("auto", "last", "policy", "start")

    def __init__(self, policy: TimeoutPolicy) -> None:
        self.policy = policy
        self.start = self.last = time.monotonic()
        self.auto = policy.refresh_on == "auto"

    def touch(self) -> None:
        """Explicit progress (``runtime.heartbeat()``): counts under either ``refresh_on``."""
        self.last = time.monotonic()

    def progress(self) -> None:
        """Implicit progress (a stream write, a callback event): counts under ``"auto"``."""
        if self.auto:
            self.last = time.monotonic()

    def overdue(self, now: float) -> tuple[str | None, float]:
        """Which timeout has fired (``"run"``/``"idle"``/``None``) and, if none, how long
        until the next one could."""
        policy = self.policy
        wait = float("inf")
        if policy.run_timeout is not None:
            left = self.start + policy.run_timeout - now  # type: ignore[operator]
            if left <= 0:
                return "run", 0.0
            wait = left
        if policy.idle_timeout is not None:
            left = self.last + policy.idle_timeout - now  # type: ignore[operator]
            if left <= 0:
                return "idle", 0.0
            wait = min(wait, left)
        return None, wait

    def error(self, node: str, kind: str, now: float) -> NodeTimeoutError:
        policy = self.policy
        return NodeTimeoutError(
            node,
            now - self.start,
            kind="idle" if kind == "idle" else "run",
            idle_timeout=policy.idle_timeout,  # type: ignore[arg-type]
            run_timeout=policy.run_timeout,  # type: ignore[arg-type]
        )


async def run_with_timeout(task: Task, policy: TimeoutPolicy, attempt: Awaitable[Any]) -> Any:
    """Await ``attempt`` (the node call) as a task of its own, cancelling it with
    ``NodeTimeoutError`` when a timeout fires. The attempt's writes are dropped with it."""
    timer = task.timer = AttemptTimer(policy)
    job = asyncio.ensure_future(attempt)
    try:
        while True:
            kind, wait = timer.overdue(time.monotonic())
            if kind is not None:
                job.cancel()
                try:
                    await job
                except BaseException:  # cancelled on purpose: its outcome is moot
                    pass
                raise timer.error(task.name, kind, time.monotonic())
            done, _ = await asyncio.wait((job,), timeout=wait)
            if done:
                return job.result()
    except asyncio.CancelledError:
        job.cancel()
        raise
    finally:
        task.timer = None


_HANDLER_CLASS: Any = None


def progress_handler(task: Task) -> Any:
    """A LangChain callback handler that counts every event of a run inside the task as
    progress for its idle timeout (built on first use: LangChain is imported by then)."""
    global _HANDLER_CLASS
    if _HANDLER_CLASS is None:
        from langchain_core.callbacks import BaseCallbackHandler

        def touch(self: Any, *args: Any, **kwargs: Any) -> None:
            timer = self.task.timer
            if timer is not None:
                timer.progress()

        methods: dict[str, Any] = {
            name: touch
            for name in dir(BaseCallbackHandler)
            if name.startswith("on_") and callable(getattr(BaseCallbackHandler, name))
        }

        def init(self: Any, task: Task) -> None:
            BaseCallbackHandler.__init__(self)
            self.task = task

        methods["__init__"] = init
        methods["run_inline"] = True
        _HANDLER_CLASS = type("TimeoutProgressHandler", (BaseCallbackHandler,), methods)
    return _HANDLER_CLASS(task)
