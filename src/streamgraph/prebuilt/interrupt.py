"""Typed payloads for human-in-the-loop interrupts (``interrupt([HumanInterrupt(...)])``).

Deprecated in LangGraph 1.0 in favour of ``langchain.agents.interrupt`` (as there, using
``HumanInterruptConfig``, ``ActionRequest`` or ``HumanInterrupt`` warns); kept so programs
written against ``langgraph.prebuilt.interrupt`` run unchanged.
"""

from __future__ import annotations

from typing import Literal

from typing_extensions import TypedDict, deprecated

from streamgraph.warnings import LangGraphDeprecatedSinceV10

__all__ = ("ActionRequest", "HumanInterrupt", "HumanInterruptConfig", "HumanResponse")


@deprecated(
    "HumanInterruptConfig has been moved to `langchain.agents.interrupt`. Please update your "
    "import to `from langchain.agents.interrupt import HumanInterruptConfig`.",
    category=LangGraphDeprecatedSinceV10,
)
class HumanInterruptConfig(TypedDict):
    """What the human may do with the interrupt: ignore it, respond, edit, accept."""

    allow_ignore: bool
    allow_respond: bool
    allow_edit: bool
    allow_accept: bool


@deprecated(
    "ActionRequest has been moved to `langchain.agents.interrupt`. Please update your import "
    "to `from langchain.agents.interrupt import ActionRequest`.",
    category=LangGraphDeprecatedSinceV10,
)
class ActionRequest(TypedDict):
    """The action the graph asks about (``action``) and its arguments."""

    action: str
    args: dict  # type: ignore[type-arg]


@deprecated(
    "HumanInterrupt has been moved to `langchain.agents.interrupt`. Please update your import "
    "to `from langchain.agents.interrupt import HumanInterrupt`.",
    category=LangGraphDeprecatedSinceV10,
)
class HumanInterrupt(TypedDict):
    """An interrupt asking a human about an action."""

    action_request: ActionRequest
    config: HumanInterruptConfig
    description: str | None


class HumanResponse(TypedDict):
    """The human's answer: ``accept``/``ignore`` (no args), ``response`` (text) or ``edit``
    (an ``ActionRequest``)."""

    type: Literal["accept", "ignore", "response", "edit"]
    args: None | str | ActionRequest
