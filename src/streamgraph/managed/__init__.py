"""Managed values: state keys the runtime computes for each task instead of storing.

Declare one as a state key's type::

    class State(TypedDict):
        messages: Annotated[list, add_messages]
        remaining_steps: RemainingSteps

Nodes (and routing functions) read it like any other key; it never appears in the graph's
output, in checkpoints or in ``values`` chunks, and writes to it are ignored.
"""

from __future__ import annotations

from typing import Annotated, Any

__all__ = (
    "IsLastStep",
    "IsLastStepManager",
    "ManagedValue",
    "RemainingSteps",
    "RemainingStepsManager",
    "is_managed_value",
)


class ManagedValue:
    """A value computed from the run's position: ``get(step, stop)`` where ``stop`` is the
    last step the recursion limit allows."""

    @staticmethod
    def get(step: int, stop: int) -> Any:
        raise NotImplementedError


class RemainingStepsManager(ManagedValue):
    @staticmethod
    def get(step: int, stop: int) -> int:
        return stop - step


class IsLastStepManager(ManagedValue):
    @staticmethod
    def get(step: int, stop: int) -> bool:
        return step == stop - 1


RemainingSteps = Annotated[int, RemainingStepsManager]
"""How many more super-steps the recursion limit allows, counting the current one."""

IsLastStep = Annotated[bool, IsLastStepManager]
"""True in the last super-step before the recursion limit stops the run."""


def is_managed_value(item: Any) -> bool:
    return isinstance(item, type) and issubclass(item, ManagedValue)
