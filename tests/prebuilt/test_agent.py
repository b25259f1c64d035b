"""create_react_agent: options the differential scenarios do not cover, and its errors."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import InjectedToolCallId

from examples.fake_llm import ScriptedChatModel, tool_call
from streamgraph.checkpoint.memory import InMemorySaver
from streamgraph.prebuilt import AgentState, ToolNode, create_react_agent
from streamgraph.types import Command

QUESTION = {"messages": [("user", "weather in sf?")]}


def get_weather(city: str) -> str:
    """Get weather for a given city."""
    return f"sunny in {city}"


def asks(city: str, id: str = "c1") -> AIMessage:
    return AIMessage("", tool_calls=[tool_call("get_weather", {"city": city}, id)], id=f"a-{id}")


class Recording(ScriptedChatModel):
    """Remembers what it was asked."""

    seen: list[Any] = []

    def _generate(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        self.seen.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)

    def _stream(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Any:
        self.seen.append(list(messages))
        yield from super()._stream(messages, stop, run_manager, **kwargs)


def test_prompt_string_goes_first_and_tools_get_bound() -> None:
    model = Recording(script=[asks("sf"), "done"], seen=[])
    agent = create_react_agent(model, [get_weather], prompt="Be brief.", name="helper")
    out = agent.invoke(QUESTION)
    assert isinstance(model.seen[0][0], SystemMessage) and model.seen[0][0].content == "Be brief."
    assert [t.name for t in model.bound_tools] == ["get_weather"]
    assert [m.type for m in out["messages"]] == ["human", "ai", "tool", "ai"]
    assert out["messages"][-1].name == "helper"
    assert agent.name == "helper"


def test_callable_and_runnable_prompts() -> None:
    def prompt(state: Any) -> list[Any]:
        return [SystemMessage("from a function"), *state["messages"]]

    model = Recording(script=["ok"], seen=[])
    create_react_agent(model, [], prompt=prompt).invoke(QUESTION)
    assert model.seen[-1][0].content == "from a function"
    runnable = RunnableLambda(lambda state: [HumanMessage("rewritten")])
    create_react_agent(model, [], prompt=runnable).invoke(QUESTION)
    assert [m.content for m in model.seen[-1]] == ["rewritten"]
    with pytest.raises(ValueError, match="unexpected type for `prompt`"):
        create_react_agent(model, [], prompt=42)


def test_prompt_functions_get_config_and_store(invoke: Any) -> None:
    from streamgraph.store.memory import InMemoryStore

    store = InMemoryStore()
    store.put(("users", "u1"), "name", {"name": "Alice"})

    def prompt(state: Any, config: Any, *, store: Any) -> list[Any]:
        user = config["configurable"]["user_id"]
        name = store.get(("users", user), "name").value["name"]
        return [SystemMessage(f"The user is {name}"), *state["messages"]]

    async def aprompt(state: Any, config: Any, *, store: Any) -> list[Any]:
        return prompt(state, config, store=store)

    for given in (prompt, aprompt):
        model = Recording(script=["ok"], seen=[])
        agent = create_react_agent(model, [], prompt=given, store=store)
        if given is aprompt:  # an async prompt needs the async API
            asyncio.run(agent.ainvoke(QUESTION, {"configurable": {"user_id": "u1"}}))
        else:
            invoke(agent, QUESTION, config={"configurable": {"user_id": "u1"}})
        assert model.seen[-1][0].content == "The user is Alice"


def test_dynamic_model_is_chosen_per_call() -> None:
    chosen: list[int] = []

    def pick(state: Any, runtime: Any) -> Any:
        chosen.append(len(state["messages"]))
        return ScriptedChatModel(script=[asks("x") if len(chosen) == 1 else "done"])

    out = create_react_agent(pick, [get_weather]).invoke(QUESTION)
    assert chosen == [1, 3] and out["messages"][-1].content == "done"

    async def apick(state: Any, runtime: Any) -> Any:
        return ScriptedChatModel(script=["async done"])

    agent = create_react_agent(apick, [get_weather])
    assert asyncio.run(agent.ainvoke(QUESTION))["messages"][-1].content == "async done"
    with pytest.raises(RuntimeError, match="Async model callable provided"):
        agent.invoke(QUESTION)


def test_interrupt_before_tools_then_resume() -> None:
    agent = create_react_agent(
        ScriptedChatModel(script=[asks("sf"), "done"]),
        [get_weather],
        checkpointer=InMemorySaver(),
        interrupt_before=["tools"],
    )
    config = {"configurable": {"thread_id": "t"}}
    agent.invoke(QUESTION, config)
    assert agent.get_state(config).next == ("tools",)
    out = agent.invoke(None, config)
    assert [m.type for m in out["messages"]] == ["human", "ai", "tool", "ai"]


def test_tool_node_and_builtin_tools_are_accepted() -> None:
    model = ScriptedChatModel(script=[asks("sf"), "done"])
    web_search = {"type": "web_search_preview"}
    agent = create_react_agent(model, [get_weather, web_search])
    assert model.bound_tools[-1] == web_search
    assert list(agent.get_graph().nodes["tools"].metadata["__tools"]) == ["get_weather"]
    agent = create_react_agent(
        ScriptedChatModel(script=[asks("sf"), "ok"]), ToolNode([get_weather], name="tools")
    )
    assert agent.invoke(QUESTION)["messages"][2].content == "sunny in sf"


def test_already_bound_tools_must_cover_the_agents_tools() -> None:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    class Bindable(GenericFakeChatModel):
        def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
            return self.bind(tools=[{"name": getattr(t, "name", None)} for t in tools])

    bound = Bindable(messages=iter(["x"])).bind_tools([])
    with pytest.raises(ValueError, match=r"not \['get_weather'\]"):
        create_react_agent(bound, [get_weather])


def test_structured_response_node() -> None:
    class Answer(TypedDict):
        city: str

    class Structured(ScriptedChatModel):
        def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
            return RunnableLambda(lambda messages: {"city": f"{len(messages)} messages"})

    agent = create_react_agent(
        Structured(script=["plain answer"]),
        [get_weather],
        response_format=("Answer with a city.", Answer),
    )
    assert list(agent.get_graph().nodes) == [
        "__start__",
        "agent",
        "tools",
        "generate_structured_response",
        "__end__",
    ]
    out = agent.invoke(QUESTION)
    assert out["structured_response"] == {"city": "3 messages"}  # system + human + ai


def test_no_tools_means_one_model_call() -> None:
    agent = create_react_agent(ScriptedChatModel(script=["hello"]), [])
    assert list(agent.get_graph().nodes) == ["__start__", "agent", "__end__"]
    assert agent.invoke(QUESTION)["messages"][-1].content == "hello"


def test_tool_command_can_update_other_state_keys() -> None:
    class State(AgentState):
        city: str

    def set_city(city: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> Any:
        """Remember the city."""
        return Command(
            update={"city": city, "messages": [ToolMessage("saved", tool_call_id=tool_call_id)]}
        )

    model = ScriptedChatModel(
        script=[AIMessage("", tool_calls=[tool_call("set_city", {"city": "Oslo"}, "c1")]), "ok"]
    )
    out = create_react_agent(model, [set_city], state_schema=State).invoke(QUESTION)
    assert out["city"] == "Oslo" and out["messages"][2].name == "set_city"


def test_bad_arguments_are_named() -> None:
    model = ScriptedChatModel(script=["x"])

    class Partial(TypedDict):
        messages: list[Any]

    with pytest.raises(ValueError, match="Missing required key.*remaining_steps"):
        create_react_agent(model, [], state_schema=Partial)
    with pytest.raises(ValueError, match="Invalid version v3"):
        create_react_agent(model, [], version="v3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        create_react_agent(model, [], temperature=0)
    assert create_react_agent(model, [], debug=True).debug  # prints its run as LangGraph's
    if "langchain" not in sys.modules:
        try:
            import langchain.chat_models  # noqa: F401
        except ImportError:
            with pytest.raises(ImportError, match="need the `langchain` package"):
                create_react_agent("anthropic:claude-3-7-sonnet-latest", [])


def test_unanswered_tool_calls_in_the_input_are_refused() -> None:
    dangling = {"messages": [("user", "hi"), asks("sf")]}
    agent = create_react_agent(ScriptedChatModel(script=["x"]), [get_weather])
    with pytest.raises(ValueError, match="do not have a corresponding ToolMessage"):
        agent.invoke(dangling)


def test_provider_model_strings_go_through_init_chat_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import types

    asked: list[str] = []

    def init_chat_model(model: str) -> ScriptedChatModel:
        asked.append(model)
        return ScriptedChatModel(script=[asks("sf"), "sunny"])

    langchain = types.ModuleType("langchain")
    chat_models = types.ModuleType("langchain.chat_models")
    chat_models.init_chat_model = init_chat_model  # type: ignore[attr-defined]
    langchain.chat_models = chat_models  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "langchain", langchain)
    monkeypatch.setitem(sys.modules, "langchain.chat_models", chat_models)
    agent = create_react_agent("anthropic:claude-3-7-sonnet-latest", [get_weather])
    assert asked == ["anthropic:claude-3-7-sonnet-latest"]
    assert agent.invoke(QUESTION)["messages"][-1].content == "sunny"
