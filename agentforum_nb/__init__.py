"""agentforum_nb: notebook-first multi-agent LLM framework.

Layers, each importing only the ones above it:

1. values: ``errors``, ``_canonical``, ``messages`` (immutable, content-addressed messages);
2. storage: ``store`` (memory, SQLite) and ``forum`` (the tree API);
3. runtime: ``streams``, ``agents``, ``calls`` (promises, token streaming, caching, cancellation), ``models``;
4. notebook: ``agentforum_nb.notebook`` (the only layer that imports ipywidgets / anywidget), loaded lazily.
"""

from __future__ import annotations

from typing import Any

from .agents import Agent, agent
from .attachments import Attachment, AttachmentRef
from .calls import AgentCall, Context
from .errors import (
    AgentError,
    AgentForumError,
    AttachmentNotFound,
    CallCancelled,
    IntegrityError,
    InvalidMessageError,
    MessageNotFound,
    ToolDenied,
    UsageError,
)
from .experiments import Experiment, Variant, llm_judge
from .forum import Forum, ForumEvent, default_forum
from .messages import Message
from .models import (
    FunctionModel,
    Reasoning,
    ScriptedModel,
    ToolCall,
    function_agent,
    mcp_tools,
    scripted_agent,
    tool,
)
from .replay import replay as _replay  # noqa: F401 - it provides Forum.replay
from .results import Case, ExperimentResult, Run
from .runner import run_sync
from .streams import MessagePromise, MessageSequence
from .streams import set_display_hook as _set_display_hook
from .telemetry import instrument, uninstrument

__version__ = "0.1.0"


def _lazy_display(obj: Any) -> Any:
    """Rich display of promises and sequences: loads the notebook layer on first use (inside Jupyter)."""
    try:
        from .notebook import display_stream
    except ImportError:  # ipywidgets/anywidget not installed: plain text
        return {"text/plain": repr(obj)}
    return display_stream(obj)


_set_display_hook(_lazy_display)

__all__ = [
    "Agent",
    "AgentCall",
    "AgentError",
    "AgentForumError",
    "Attachment",
    "AttachmentNotFound",
    "AttachmentRef",
    "CallCancelled",
    "Case",
    "ChatView",
    "Context",
    "Experiment",
    "ExperimentResult",
    "ExperimentView",
    "Forum",
    "ForumEvent",
    "FunctionModel",
    "IntegrityError",
    "InvalidMessageError",
    "Message",
    "MessageNotFound",
    "MessagePromise",
    "MessageSequence",
    "Reasoning",
    "Run",
    "ScriptedModel",
    "ToolCall",
    "ToolDenied",
    "TreeView",
    "UsageError",
    "Variant",
    "agent",
    "default_forum",
    "function_agent",
    "instrument",
    "llm",
    "llm_judge",
    "mcp_tools",
    "run_sync",
    "scripted_agent",
    "tool",
    "uninstrument",
]


def __getattr__(name: str) -> Any:
    # The notebook layer (ipywidgets/anywidget) and the OpenAI client load only when first used.
    if name in ("TreeView", "ChatView", "ExperimentView"):
        from . import notebook

        return getattr(notebook, name)
    if name == "llm":
        from .models.openai import llm

        return llm
    raise AttributeError(f"module 'agentforum_nb' has no attribute {name!r}")
