"""Models shipped with the library, all behind one protocol (:class:`Model`) and one agent wrapper
(:class:`ModelAgent`): deterministic test doubles (``ScriptedModel`` replays given replies token by token;
``FunctionModel`` calls your code) and, in :mod:`agentforum_nb.models.openai` (imported on first use), ``af.llm``
for OpenAI-compatible servers. Tools: :func:`tool` (``af.tool``) and, in :mod:`agentforum_nb.models.mcp` (which
imports the ``mcp`` SDK only when called), :func:`mcp_tools` (``af.mcp_tools``)."""

from __future__ import annotations

from .base import Model, ModelAgent, ModelRequest, ModelStream
from .function import FunctionModel, function_agent
from .mcp import MCPTool, mcp_tools
from .scripted import ScriptedModel, scripted_agent, split_tokens
from .tools import AgentTool, FunctionTool, Reasoning, Tool, ToolCall, ToolResult, WrappedTool, tool

__all__ = [
    "AgentTool",
    "FunctionModel",
    "FunctionTool",
    "MCPTool",
    "Model",
    "ModelAgent",
    "ModelRequest",
    "ModelStream",
    "Reasoning",
    "ScriptedModel",
    "Tool",
    "ToolCall",
    "ToolResult",
    "WrappedTool",
    "function_agent",
    "mcp_tools",
    "scripted_agent",
    "split_tokens",
    "tool",
]
