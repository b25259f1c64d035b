"""Task: one node execution within a step, and everything node code can reach about it.

The running task is what ``streamgraph._context.SCOPE`` holds while its node runs (set in the
task's copied context), so ``get_config()``, ``get_stream_writer()`` and ``interrupt()`` find
it from sync nodes, async nodes, tools and nested graphs alike. Its config is built lazily
because most nodes never look at it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from streamgraph.channels.base import MISSING
from streamgraph.constants import NS_SEP
from streamgraph.errors import GraphInterrupt
from streamgraph.pregel._ids import interrupt_id
from streamgraph.types import Interrupt

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop
    from streamgraph.pregel._node import Node

__all__ = ("CallOrder", "Task")


class Task:
    __slots__ = (
        "_config",
        "_runtime",
        "attempt",
        "cached",
        "call_futures",
        "call_tasks",
        "calls",
        "children",
        "error",
        "hidden",
        "id",
        "input",
        "interrupts",
        "interrupts_seen",
        "loop",
        "name",
        "node",
        "node_error",
        "ns",
        "ns_path",
        "order",
        "path",
        "pushed",
        "resume",
        "resume_input",
        "resuming",
        "started",
        "step",
        "timeout",
        "timer",
        "trace_run",
        "triggers",
        "writes",
    )

    def __init__(
        self,
        loop: Loop,
        node: Node,
        name: str,
        input: Any,
        path: tuple[Any, ...],
        order: tuple[Any, ...],
        triggers: tuple[str, ...],
        step: int,
        id: str,
        ns: str,
        ns_path: tuple[str, ...],
    ) -> None:
        self.loop = loop
        self.node = node
        self.name = name
        self.input = input
        self.path = path
        self.order = order  # writes of a step apply in this order: pulls by name, then pushes
        self.triggers = triggers
        self.step = step
        self.id = id
        self.ns = ns  # checkpoint namespace: "node:<id>", nested "parent:<id>|node:<id>"
        self.ns_path = ns_path  # the same as a tuple: the stream namespace of nested graphs
        self.writes: list[tuple[str, Any]] = []
        # Its writes came from the graph's cache, the node did not run (None: not looked up).
        self.cached: bool | None = None
        self.error: BaseException | None = None
        self.interrupts: tuple[Interrupt, ...] = ()
        self.resume: list[Any] = []  # answers for this task's interrupt() calls, in order
        self.resume_input: Any = MISSING  # the run's Command(resume=...), for nested graphs
        self.resuming = False  # re-run after an interrupt or failure
        self.hidden = False
        self._config: dict[str, Any] | None = None
        self._runtime: Any = None
        self.children = 0
        self.calls = 0  # @task calls made so far (a call's id depends on its position)
        self.call_tasks: list[Task] = []  # finished @task calls, saved with this task
        self.call_futures: list[Any] = []  # their futures: the task ends after they do
        self.interrupts_seen = 0
        self.attempt = 1  # 2 after one retry...
        self.started = 0.0  # time.time() when the first attempt started
        self.timeout = node.timeout  # TimeoutPolicy (a Send's own replaces the node's)
        self.timer: Any = None  # the running attempt's clock, under a timeout
        self.node_error: Any = None  # for an error handler's task: what the node raised
        self.pushed: list[tuple[str, Any]] = []  # writes made while running (push_message)
        self.trace_run: Any = None  # its run for the user's LangChain tracers (_tracing.py)

    def __repr__(self) -> str:
        return f"Task({self.name!r}, id={self.id!r}, step={self.step})"

    # -- what node code can reach ------------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        config = self._config
        if config is None:
            config = self._config = self.loop.task_config(self)
        return config

    @property
    def writer(self) -> Callable[[Any], None]:
        writer = self.loop.writer
        timer = self.timer
        if timer is None or not timer.auto:
            return writer

        def write(chunk: Any) -> None:  # a write is progress for the idle timeout
            timer.progress()
            writer(chunk)

        return write

    def heartbeat(self) -> None:
        """Progress for an ``idle_timeout`` (a no-op when the node has none)."""
        timer = self.timer
        if timer is not None:
            timer.touch()

    @property
    def previous(self) -> Any:
        return self.loop.previous

    @property
    def run(self) -> Loop:
        return self.loop

    @property
    def store(self) -> Any:
        return self.loop.store

    @property
    def runtime(self) -> Any:
        runtime = self._runtime
        if runtime is None:
            from streamgraph.pregel._task_view import task_runtime

            runtime = self._runtime = task_runtime(self.loop, self)
        return runtime

    def child_namespace(self) -> tuple[tuple[str, ...], str]:
        """Namespace of a graph run started inside this task (the 2nd, 3rd... get a number)."""
        index = self.children
        self.children += 1
        if index == 0:
            return self.ns_path, self.ns
        return (*self.ns_path, str(index)), f"{self.ns}{NS_SEP}{index}"

    def interrupt(self, value: Any) -> Any:
        turn = _TURN.get()
        if turn is not None and turn[0].task is self:
            turn[0].wait_for_earlier(turn[1])
        index = self.interrupts_seen
        self.interrupts_seen += 1
        if index < len(self.resume):
            return self.resume[index]
        answers = self.loop.null_resume
        if answers:  # an answer given while nothing was waiting for one
            answer = answers.pop()
            self.resume = [*self.resume, answer]
            return answer
        ns = self.ns if index == 0 else f"{self.ns}{NS_SEP}{index}"
        raise GraphInterrupt([Interrupt(value=value, id=interrupt_id(ns))])


_TURN: ContextVar[tuple[CallOrder, int] | None] = ContextVar("streamgraph_turn", default=None)


class CallOrder:
    """Calls one task runs side by side (a ToolNode's tool calls) share the task's
    ``interrupt()`` answers, which are handed out by position. So that each answer reaches the
    call that asked for it whatever the thread timing, a call's ``interrupt()`` first waits for
    every earlier call to finish: positions follow call order, as if the calls ran one after
    another. (LangGraph hands position 0 to whichever call asks first, so under load an answer
    meant for one tool can go to another.)

    An async tool asking on the event loop's thread cannot block it and does not wait; gather
    starts coroutines in call order, so they are in order up to their first await."""

    __slots__ = ("finished", "task")

    def __init__(self, task: Task, count: int) -> None:
        self.task = task
        self.finished = [threading.Event() for _ in range(count)]

    @staticmethod
    def of_current_task(count: int) -> CallOrder | None:
        from streamgraph._context import SCOPE

        task = SCOPE.get(None)
        return CallOrder(task, count) if task is not None and count > 1 else None

    def run(self, index: int, call: Callable[[], Any]) -> Any:
        """Run ``call`` as call number ``index`` (in a context of its own: run_all's copy)."""
        _TURN.set((self, index))
        try:
            return call()
        finally:
            self.finished[index].set()

    async def arun(self, index: int, call: Callable[[], Awaitable[Any]]) -> Any:
        _TURN.set((self, index))  # gather runs each coroutine in a task: its own context
        try:
            return await call()
        finally:
            self.finished[index].set()

    def wait_for_earlier(self, index: int) -> None:
        asyncio = sys.modules.get("asyncio")  # not imported: no event loop to block
        if asyncio is not None and asyncio.events._get_running_loop() is not None:
            return
        for finished in self.finished[:index]:
            finished.wait()
