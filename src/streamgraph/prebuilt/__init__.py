"""Ready-made pieces for tool-calling agents: ``ToolNode``, ``tools_condition``,
``create_react_agent``, and the tool argument injections.

Needs ``langchain-core`` (tools and messages are LangChain's).
"""

from __future__ import annotations

from streamgraph.prebuilt._injection import InjectedState, InjectedStore, ToolRuntime
from streamgraph.prebuilt._tool_call_stream import ToolCallStream
from streamgraph.prebuilt._tool_call_transformer import ToolCallTransformer
from streamgraph.prebuilt.chat_agent_executor import AgentState, create_react_agent
from streamgraph.prebuilt.tool_node import ToolNode, tools_condition
from streamgraph.prebuilt.tool_validator import ValidationNode

__all__ = (
    "AgentState",
    "InjectedState",
    "InjectedStore",
    "ToolCallStream",
    "ToolCallTransformer",
    "ToolNode",
    "ToolRuntime",
    "ValidationNode",
    "create_react_agent",
    "tools_condition",
)
