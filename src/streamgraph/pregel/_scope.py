"""Scope: everything node code can reach about the task it runs in.

One per task, set in the task's copied context (``streamgraph._context.SCOPE``). It builds the
task's config lazily because most nodes never look at it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from streamgraph.constants import NS_SEP
from streamgraph.errors import GraphInterrupt
from streamgraph.pregel._ids import interrupt_id
from streamgraph.types import Interrupt

if TYPE_CHECKING:
    from streamgraph.pregel._loop import Loop, Task

__all__ = ("Scope",)


class Scope:
    __slots__ = ("_config", "_runtime", "children", "interrupts_seen", "loop", "task", "writer")

    def __init__(self, loop: Loop, task: Task) -> None:
        self.loop = loop
        self.task = task
        self.writer = loop.writer_for(task)
        self._config: dict[str, Any] | None = None
        self._runtime: Any = None
        self.children = 0
        self.interrupts_seen = 0

    @property
    def config(self) -> dict[str, Any]:
        config = self._config
        if config is None:
            config = self._config = self.loop.task_config(self.task)
        return config

    @property
    def run(self) -> Loop:
        return self.loop

    @property
    def store(self) -> Any:
        return self.loop.store

    @property
    def runtime(self) -> Any:
        if self._runtime is None:
            from streamgraph.runtime import Runtime

            self._runtime = Runtime(
                context=self.loop.context, store=self.loop.store, stream_writer=self.writer
            )
        return self._runtime

    def child_namespace(self) -> tuple[tuple[str, ...], str]:
        """Namespace of a graph run started inside this task (the 2nd, 3rd... get a number)."""
        task = self.task
        index = self.children
        self.children += 1
        if index == 0:
            return task.ns_path, task.ns
        return (*task.ns_path, str(index)), f"{task.ns}{NS_SEP}{index}"

    def interrupt(self, value: Any) -> Any:
        index = self.interrupts_seen
        self.interrupts_seen += 1
        resume = self.task.resume
        if index < len(resume):
            return resume[index]
        ns = self.task.ns if index == 0 else f"{self.task.ns}{NS_SEP}{index}"
        raise GraphInterrupt([Interrupt(value=value, id=interrupt_id(ns))])
