"""Models shipped with the library, all behind one protocol (:class:`Model`) and one agent wrapper
(:class:`ModelAgent`): deterministic test doubles (``ScriptedModel`` replays given replies token by token;
``FunctionModel`` calls your code) and, in :mod:`agentforum_nb.models.openai` (imported on first use), ``af.llm``
for OpenAI-compatible servers."""

from __future__ import annotations

from .base import Model, ModelAgent, ModelRequest, ModelStream
from .function import FunctionModel, function_agent
from .scripted import ScriptedModel, scripted_agent, split_tokens
from .tools import AgentTool, FunctionTool, Tool, ToolCall, ToolResult

__all__ = [
    "AgentTool",
    "FunctionModel",
    "FunctionTool",
    "Model",
    "ModelAgent",
    "ModelRequest",
    "ModelStream",
    "ScriptedModel",
    "Tool",
    "ToolCall",
    "ToolResult",
    "function_agent",
    "scripted_agent",
    "split_tokens",
]
