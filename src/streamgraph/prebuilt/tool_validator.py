"""``ValidationNode``: check the tool calls of the last AI message against pydantic schemas,
without running anything.

Each call gets a ``ToolMessage``: the validated arguments as JSON, or the validation error
(``additional_kwargs={"is_error": True}``) so the model can try again. Deprecated in LangGraph
1.0 (use ``create_agent`` with tool error handling); kept with its deprecation warning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import AIMessage, ToolCall, ToolMessage
from langchain_core.tools import BaseTool, create_schema_from_function
from pydantic import BaseModel, ValidationError
from pydantic.v1 import BaseModel as BaseModelV1
from pydantic.v1 import ValidationError as ValidationErrorV1
from typing_extensions import deprecated

from streamgraph._internal._runnable import RunnableCallable
from streamgraph.warnings import LangGraphDeprecatedSinceV10

__all__ = ("ValidationNode",)

ErrorFormatter = Callable[[BaseException, ToolCall, Any], str]


def _default_format_error(error: BaseException, call: ToolCall, schema: Any) -> str:
    return f"{error!r}\n\nRespond after fixing all validation errors."


def _schema_of(item: Any) -> tuple[str, Any]:
    """(tool name, pydantic model) for a tool, a model class or a function."""
    if isinstance(item, BaseTool):
        schema = item.args_schema
        if schema is None:
            raise ValueError(f"Tool {item.name} does not have an args_schema defined.")
        if not (isinstance(schema, type) and issubclass(schema, BaseModel | BaseModelV1)):
            raise ValueError(
                "Validation node only works with tools that have a pydantic BaseModel "
                f"args_schema. Got {item.name} with args_schema: {schema}."
            )
        return item.name, schema
    if isinstance(item, type) and issubclass(item, BaseModel | BaseModelV1):
        return item.__name__, item
    if callable(item):
        return item.__name__, create_schema_from_function("Validation", item)
    raise ValueError(
        "Unsupported input to ValidationNode. Expected BaseModel, tool or function. Got: "
        f"{type(item)}."
    )


@deprecated(
    "ValidationNode is deprecated. Please use `create_agent` from `langchain.agents` with "
    "custom tool error handling.",
    category=LangGraphDeprecatedSinceV10,
)
class ValidationNode(RunnableCallable):
    """A node that validates every tool call of the last ``AIMessage`` against its schema
    (a pydantic model, a tool's ``args_schema``, or a function's signature)."""

    def __init__(
        self,
        schemas: Sequence[BaseTool | type[BaseModel] | Callable[..., Any]],
        *,
        format_error: ErrorFormatter | None = None,
        name: str = "validation",
        tags: list[str] | None = None,
    ) -> None:
        super().__init__(self._func, None, name=name, tags=tags, trace=False)
        self._format_error = format_error or _default_format_error
        self.schemas_by_name: dict[str, Any] = dict(_schema_of(item) for item in schemas)

    def _last_ai_message(self, input: Any) -> tuple[bool, AIMessage]:
        if isinstance(input, list):
            as_list, messages = True, input
        elif isinstance(input, dict) and input.get("messages"):
            as_list, messages = False, input["messages"]
        else:
            raise ValueError("No message found in input")
        message = messages[-1]
        if not isinstance(message, AIMessage):
            raise ValueError("Last message is not an AIMessage")
        return as_list, message

    def _check(self, call: ToolCall) -> ToolMessage:
        schema = self.schemas_by_name[call["name"]]
        try:
            if issubclass(schema, BaseModel):
                content = schema.model_validate(call["args"]).model_dump_json()
            else:
                content = schema.validate(call["args"]).json()
        except (ValidationError, ValidationErrorV1) as error:
            return ToolMessage(
                content=self._format_error(error, call, schema),
                name=call["name"],
                tool_call_id=str(call["id"]),
                additional_kwargs={"is_error": True},
            )
        return ToolMessage(content=content, name=call["name"], tool_call_id=str(call["id"]))

    def _func(self, input: Any, config: Any) -> Any:
        as_list, message = self._last_ai_message(input)
        outputs = [self._check(call) for call in message.tool_calls]
        return outputs if as_list else {"messages": outputs}
