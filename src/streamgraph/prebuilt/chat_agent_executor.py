"""``create_react_agent``: a model that calls tools in a loop until it answers.

The graph has two nodes: ``agent`` calls the model on the messages (after the prompt), and
``tools`` (a ``ToolNode``) runs the tool calls the model asked for; the agent runs again on
their results until it replies without tool calls. With ``version="v2"`` (the default) each
tool call is its own ``tools`` task, sent with ``Send``; with ``"v1"`` one task runs them all.
Optional hooks run before (``pre_model_hook``) and after (``post_model_hook``) every model
call, and ``response_format`` adds a last node that asks for a structured answer.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, NotRequired, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableBinding, RunnableLambda, RunnableSequence
from langchain_core.tools import BaseTool
from pydantic import BaseModel
from typing_extensions import TypedDict

from streamgraph._internal._runnable import RunnableCallable
from streamgraph.constants import END
from streamgraph.errors import ErrorCode, create_error_message
from streamgraph.graph import StateGraph
from streamgraph.graph.message import add_messages
from streamgraph.managed import RemainingSteps
from streamgraph.prebuilt.tool_node import TOOL_CALL_WITH_CONTEXT, ToolNode
from streamgraph.pregel._node import DualNode
from streamgraph.types import Send

__all__ = (
    "AgentState",
    "AgentStatePydantic",
    "AgentStateWithStructuredResponse",
    "Prompt",
    "StateSchemaType",
    "StructuredResponseSchema",
    "create_react_agent",
)

NEED_MORE_STEPS = "Sorry, need more steps to process this request."


class AgentState(TypedDict):
    """The agent's state: the conversation, and how many steps the run has left."""

    messages: Annotated[Sequence[BaseMessage], add_messages]
    remaining_steps: NotRequired[RemainingSteps]


class AgentStatePydantic(BaseModel):
    messages: Annotated[Sequence[BaseMessage], add_messages]
    remaining_steps: RemainingSteps = 25


class AgentStateWithStructuredResponse(AgentState):
    structured_response: Any


StructuredResponseSchema = dict[str, Any] | type[BaseModel]
"""A ``response_format``: a JSON schema dict or a pydantic model class."""

StateSchema = TypeVar("StateSchema", bound=AgentState | AgentStatePydantic)
StateSchemaType = type[StateSchema]
"""A ``state_schema`` for the agent (``AgentState`` or a subclass)."""

Prompt = SystemMessage | str | Callable[[Any], Any] | Runnable[Any, Any]
"""A ``prompt``: a system message (text or message), a function of the state, or a runnable."""


def _should_bind_tools(model: Any, tools: Sequence[BaseTool], num_builtin: int = 0) -> bool:
    """Whether ``model`` still needs ``bind_tools(tools)``: ``False`` when they are bound
    already (``ValueError`` when what is bound does not match ``tools``). As LangGraph's, for
    libraries that import it (langgraph-supervisor)."""
    if isinstance(model, RunnableSequence):
        model = next(
            (s for s in model.steps if isinstance(s, RunnableBinding | BaseChatModel)), model
        )
    if not isinstance(model, RunnableBinding) or "tools" not in model.kwargs:
        return True
    bound = model.kwargs["tools"]
    if len(tools) != len(bound) - num_builtin:
        raise ValueError(
            "Number of tools in the model.bind_tools() and tools passed to create_react_agent "
            f"must match Got {len(tools)} tools, expected {len(bound) - num_builtin}"
        )
    names = set(_bound_tool_names(model) or ())
    missing = {tool.name for tool in tools} - names
    if missing:
        raise ValueError(f"Missing tools '{missing}' in the model.bind_tools()")
    return False


def _get(state: Any, key: str, default: Any = None) -> Any:
    if isinstance(state, dict):
        return state.get(key, default)
    return getattr(state, key, default)


def _with_messages(state: Any, messages: Any) -> Any:
    if isinstance(state, dict):
        return {**state, "messages": messages}
    return state.model_copy(update={"messages": messages})


def _check_chat_history(messages: Sequence[BaseMessage]) -> None:
    """Every tool call the model made must have its answer before the model runs again."""
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    unanswered = [
        call
        for m in messages
        if isinstance(m, AIMessage)
        for call in m.tool_calls
        if call["id"] not in answered
    ]
    if unanswered:
        raise ValueError(
            create_error_message(
                message="Found AIMessages with tool_calls that do not have a corresponding "
                f"ToolMessage. Here are the first few of those tool calls: {unanswered[:3]}.\n\n"
                "Every tool call (LLM requesting to call a tool) in the message history MUST "
                "have a corresponding ToolMessage (result of a tool invocation to return to the "
                "LLM) - this is required by most LLM providers.",
                error_code=ErrorCode.INVALID_CHAT_HISTORY,
            )
        )


def _prompt_runnable(prompt: Any) -> Runnable[Any, Any]:
    """The prompt as a runnable from the state to the model's input messages."""
    if prompt is None:
        return RunnableLambda(lambda state: _get(state, "messages"), name="Prompt")
    if isinstance(prompt, str):
        prompt = SystemMessage(content=prompt)
    if isinstance(prompt, SystemMessage):
        system = prompt
        return RunnableLambda(lambda state: [system, *_get(state, "messages")], name="Prompt")
    if isinstance(prompt, Runnable):
        return prompt
    # (a function may ask for config, store, runtime... by parameter name, as nodes do)
    if inspect.iscoroutinefunction(prompt):
        return RunnableCallable(None, prompt, name="Prompt")
    if callable(prompt):
        return RunnableCallable(prompt, name="Prompt")
    raise ValueError(f"Got unexpected type for `prompt`: {type(prompt)}")


def _bound_tool_names(model: Any) -> list[str] | None:
    """Names of the tools already bound to ``model`` (``model.bind_tools(...)``), if any."""
    if not isinstance(model, RunnableBinding) or "tools" not in model.kwargs:
        return None
    names: list[str] = []
    for tool in model.kwargs["tools"]:
        function = tool.get("function", tool) if isinstance(tool, dict) else tool
        names.append(
            str(
                function.get("name")
                if isinstance(function, dict)
                else getattr(function, "name", "")
            )
        )
    return names


def _bind_tools(model: Any, tools: list[BaseTool], builtin: list[dict[str, Any]]) -> Any:
    if not tools and not builtin:
        return model
    bound = _bound_tool_names(model)
    if bound is None:
        return model.bind_tools([*tools, *builtin])
    missing = {t.name for t in tools} - set(bound)
    if missing:
        raise ValueError(
            f"The model has tools bound already ({bound}), but not {sorted(missing)}: "
            "bind all the agent's tools, or pass the model without bound tools"
        )
    return model


def _resolve_model(model: Any) -> Any:
    if isinstance(model, str):
        try:
            from langchain.chat_models import init_chat_model
        except ImportError as error:
            raise ImportError(
                f"model={model!r}: '<provider>:<model>' strings need the `langchain` package "
                "(`pip install langchain` and the provider's package); or pass a chat model"
            ) from error
        return init_chat_model(model)
    return model


class _Agent:
    """What the agent's nodes and routers share: the model, the prompt, the tools."""

    def __init__(
        self,
        model: Any,
        tool_node: ToolNode,
        builtin: list[dict[str, Any]],
        *,
        prompt: Any,
        name: str | None,
        version: str,
        has_pre_hook: bool,
        has_post_hook: bool,
        response_format: Any,
    ) -> None:
        self.dynamic = not isinstance(model, str | Runnable) and callable(model)
        self.prompt = _prompt_runnable(prompt)
        self.raw_model = model if self.dynamic else _resolve_model(model)
        self.static = (
            None
            if self.dynamic
            else self.prompt
            | _bind_tools(self.raw_model, list(tool_node.tools_by_name.values()), builtin)
        )
        self.return_direct = {t.name for t in tool_node.tools_by_name.values() if t.return_direct}
        self.name = name
        self.version = version
        self.has_pre_hook = has_pre_hook
        self.has_post_hook = has_post_hook
        self.response_format = response_format
        self.entry = "pre_model_hook" if has_pre_hook else "agent"

    # -- the model call ------------------------------------------------------------------------

    def model_input(self, state: Any) -> Any:
        messages = (_get(state, "llm_input_messages") if self.has_pre_hook else None) or _get(
            state, "messages"
        )
        if messages is None:
            keys = (
                "'llm_input_messages' or 'messages' key"
                if self.has_pre_hook
                else ("'messages' key")
            )
            raise ValueError(f"Expected input to call_model to have {keys}, but got {state}")
        _check_chat_history(messages)
        return _with_messages(state, messages)

    def finish(self, state: Any, response: Any) -> dict[str, Any]:
        response.name = self.name
        if self._needs_more_steps(state, response):
            return {"messages": [AIMessage(id=response.id, content=NEED_MORE_STEPS)]}
        return {"messages": [response]}

    def _needs_more_steps(self, state: Any, response: Any) -> bool:
        """Whether the step budget runs out before the tools' results could be answered."""
        remaining = _get(state, "remaining_steps")
        if remaining is None or not isinstance(response, AIMessage):
            return False
        calls = response.tool_calls
        if remaining < 1 and all(call["name"] in self.return_direct for call in calls):
            return True
        return remaining < 2 and bool(calls)

    # -- routing -------------------------------------------------------------------------------

    def after_model(self, state: Any) -> Any:
        last = _get(state, "messages")[-1]
        if not isinstance(last, AIMessage) or not last.tool_calls:
            if self.has_post_hook:
                return "post_model_hook"
            return "generate_structured_response" if self.response_format is not None else END
        if self.version == "v1":
            return "tools"
        if self.has_post_hook:
            return "post_model_hook"
        return self._sends(last.tool_calls, state)

    def after_post_hook(self, state: Any) -> Any:
        messages = _get(state, "messages")
        answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
        last_ai = next(m for m in reversed(messages) if isinstance(m, AIMessage))
        pending = [call for call in last_ai.tool_calls if call["id"] not in answered]
        if pending:
            return self._sends(pending, state)
        if isinstance(messages[-1], ToolMessage):
            return self.entry
        return "generate_structured_response" if self.response_format is not None else END

    def after_tools(self, state: Any) -> Any:
        """``END`` once a ``return_direct`` tool has answered, else back to the model."""
        message = None
        for message in reversed(_get(state, "messages")):
            if not isinstance(message, ToolMessage):
                break
            if message.name in self.return_direct:
                return END
        if isinstance(message, AIMessage) and any(
            call["name"] in self.return_direct for call in message.tool_calls
        ):
            return END  # a return_direct call ran in another Send task of the same step
        return self.entry

    @staticmethod
    def _sends(calls: list[Any], state: Any) -> list[Send]:
        return [
            Send("tools", {"__type": TOOL_CALL_WITH_CONTEXT, "tool_call": call, "state": state})
            for call in calls
        ]


class _CallModel(DualNode):
    """The ``agent`` node."""

    name = "agent"

    def __init__(self, agent: _Agent) -> None:
        self.agent = agent
        self.func = self.invoke  # (LangGraph's node is a RunnableCallable: .func)
        self.afunc = self.ainvoke

    def _model(self, state: Any) -> Any:
        agent = self.agent
        if not agent.dynamic:
            return agent.static
        from streamgraph.config import get_runtime

        if inspect.iscoroutinefunction(agent.raw_model):
            raise RuntimeError(
                "Async model callable provided but agent invoked synchronously. Use "
                "agent.ainvoke() or agent.astream(), or provide a sync model callable."
            )
        return agent.prompt | agent.raw_model(state, get_runtime())

    def invoke(self, input: Any, config: Any = None) -> Any:
        response = self._model(input).invoke(self.agent.model_input(input), config)
        return self.agent.finish(input, response)

    async def ainvoke(self, input: Any, config: Any = None) -> Any:
        agent = self.agent
        if agent.dynamic:
            from streamgraph.config import get_runtime

            model = agent.raw_model(input, get_runtime())
            model = agent.prompt | (await model if inspect.isawaitable(model) else model)
        else:
            model = agent.static
        response = await model.ainvoke(agent.model_input(input), config)
        return agent.finish(input, response)


class _StructuredResponse(DualNode):
    """The ``generate_structured_response`` node: the final answer in ``response_format``."""

    name = "generate_structured_response"

    def __init__(self, agent: _Agent) -> None:
        self.agent = agent

    def _request(self, state: Any) -> tuple[Any, list[Any]]:
        schema = self.agent.response_format
        messages = list(_get(state, "messages"))
        if isinstance(schema, tuple):
            system, schema = schema
            messages = [SystemMessage(content=system), *messages]
        model = self.agent.raw_model
        if self.agent.dynamic:
            from streamgraph.config import get_runtime

            model = model(state, get_runtime())
        return model.with_structured_output(schema), messages

    def invoke(self, input: Any, config: Any = None) -> Any:
        model, messages = self._request(input)
        return {"structured_response": model.invoke(messages, config)}

    async def ainvoke(self, input: Any, config: Any = None) -> Any:
        model, messages = self._request(input)
        return {"structured_response": await model.ainvoke(messages, config)}


def _check_state_schema(state_schema: Any, response_format: Any) -> None:
    required = {"messages", "remaining_steps"}
    if response_format is not None:
        required.add("structured_response")
    keys = set(getattr(state_schema, "model_fields", None) or typing.get_type_hints(state_schema))
    if missing := required - keys:
        raise ValueError(f"Missing required key(s) {missing} in state_schema")


def _model_input_schema(state_schema: Any) -> Any:
    """The ``agent`` node's input when a pre-model hook may set ``llm_input_messages``."""
    if isinstance(state_schema, type) and issubclass(state_schema, BaseModel):
        from pydantic import create_model

        return create_model(
            "CallModelInputSchema",
            llm_input_messages=(list[AnyMessage], ...),
            __base__=state_schema,
        )

    class CallModelInputSchema(state_schema):  # type: ignore[misc]
        llm_input_messages: list[AnyMessage]

    return CallModelInputSchema


def _tool_node(tools: Any) -> tuple[ToolNode, list[dict[str, Any]]]:
    if isinstance(tools, ToolNode):
        return tools, []
    builtin = [t for t in tools if isinstance(t, dict)]
    return ToolNode([t for t in tools if not isinstance(t, dict)]), builtin


def create_react_agent(
    model: str | BaseChatModel | Runnable[Any, Any] | Callable[..., Any],
    tools: Sequence[BaseTool | Callable[..., Any] | dict[str, Any]] | ToolNode,
    *,
    prompt: Any = None,
    response_format: Any = None,
    pre_model_hook: Any = None,
    post_model_hook: Any = None,
    state_schema: Any = None,
    context_schema: Any = None,
    checkpointer: Any = None,
    store: Any = None,
    interrupt_before: list[str] | None = None,
    interrupt_after: list[str] | None = None,
    debug: bool = False,
    version: Literal["v1", "v2"] = "v2",
    name: str | None = None,
    **deprecated: Any,
) -> Any:
    """A tool-calling agent graph: ``agent`` (the model) and ``tools`` in a loop.

    ``model`` is a chat model, a ``"provider:model"`` string (needs ``langchain``), or a
    function ``(state, runtime) -> model`` choosing one per call. ``prompt`` is a string or
    ``SystemMessage`` put before the messages, or a function/runnable from the state to the
    model's input. The returned graph streams like any other: ``updates`` per node, the
    model's tokens in ``messages`` mode, and what tools write with ``get_stream_writer()``
    in ``custom`` mode.
    """
    if "config_schema" in deprecated:
        import warnings

        from streamgraph.warnings import LangGraphDeprecatedSinceV10

        warnings.warn(
            "`config_schema` is deprecated and will be removed. Please use `context_schema` "
            "instead.",
            category=LangGraphDeprecatedSinceV10,
            stacklevel=2,
        )
    context_schema = context_schema or deprecated.pop("config_schema", None)
    if deprecated:
        raise TypeError(f"create_react_agent() got unexpected keyword arguments: {deprecated}")
    if version not in ("v1", "v2"):
        raise ValueError(f"Invalid version {version}. Supported versions are 'v1' and 'v2'.")
    if state_schema is not None:
        _check_state_schema(state_schema, response_format)
    else:
        state_schema = (
            AgentStateWithStructuredResponse if response_format is not None else AgentState
        )
    tool_node, builtin = _tool_node(tools)
    agent = _Agent(
        model,
        tool_node,
        builtin,
        prompt=prompt,
        name=name,
        version=version,
        has_pre_hook=pre_model_hook is not None,
        has_post_hook=post_model_hook is not None,
        response_format=response_format,
    )
    graph = _build(agent, tool_node, state_schema, context_schema, pre_model_hook, post_model_hook)
    return graph.compile(
        checkpointer=checkpointer,
        store=store,
        interrupt_before=interrupt_before,
        interrupt_after=interrupt_after,
        debug=debug,
        name=name,
    )


def _build(
    agent: _Agent,
    tool_node: ToolNode,
    state_schema: Any,
    context_schema: Any,
    pre_model_hook: Any,
    post_model_hook: Any,
) -> StateGraph:
    workflow = StateGraph(state_schema, context_schema)
    input_schema = _model_input_schema(state_schema) if pre_model_hook is not None else None
    workflow.add_node("agent", _CallModel(agent), input_schema=input_schema)
    has_tools = bool(tool_node.tools_by_name)
    if has_tools:
        workflow.add_node("tools", tool_node)
    if pre_model_hook is not None:
        workflow.add_node("pre_model_hook", pre_model_hook)
        workflow.add_edge("pre_model_hook", "agent")
    workflow.set_entry_point(agent.entry)
    finish = "generate_structured_response" if agent.response_format is not None else END
    if agent.response_format is not None:
        workflow.add_node("generate_structured_response", _StructuredResponse(agent))
    if post_model_hook is not None:
        workflow.add_node("post_model_hook", post_model_hook)
        workflow.add_edge("agent", "post_model_hook")
    if not has_tools:
        workflow.add_edge("post_model_hook" if post_model_hook is not None else "agent", finish)
        return workflow
    if post_model_hook is not None:
        workflow.add_conditional_edges(
            "post_model_hook", agent.after_post_hook, path_map=[agent.entry, "tools", finish]
        )
    else:
        workflow.add_conditional_edges("agent", agent.after_model, path_map=["tools", finish])
    if agent.return_direct:
        workflow.add_conditional_edges("tools", agent.after_tools, path_map=[agent.entry, END])
    else:
        workflow.add_edge("tools", agent.entry)
    return workflow
