"""Tools a model agent can call, and the calls a model makes (API.md section 12).

A tool is a function (sync or async, with annotated parameters) or an agent (it takes one ``request: str`` and
answers with its responses' text). Its JSON Schema comes from the signature through pydantic, its name is the
function's (or agent's) name and its description the first paragraph of the docstring. Arguments are validated
before the call; a return value that is not a ``str`` is recorded as JSON.

:func:`tool` (``af.tool``) wraps a function, an agent or a tool with another name, or so that each call first asks
the user for approval (``requires_approval=True``; the model agent's tool loop asks, see
:func:`approval_question`). Tools of a Model Context Protocol server are made by :mod:`.mcp` (``af.mcp_tools``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..agents import Agent
from ..errors import ToolDenied, UsageError
from ..fingerprint import code_fingerprint

if TYPE_CHECKING:  # pragma: no cover
    from ..calls import Context

__all__ = [
    "APPROVAL_CHOICES",
    "APPROVE",
    "DENY",
    "AgentTool",
    "FunctionTool",
    "Tool",
    "ToolCall",
    "ToolResult",
    "WrappedTool",
    "approval_question",
    "as_tools",
    "denial",
    "error_result",
    "first_paragraph",
    "plain_json",
    "tool",
]

#: the answers a tool approval offers (``ctx.ask(..., choices=APPROVAL_CHOICES)``)
APPROVE = "approve"
DENY = "deny"
APPROVAL_CHOICES = (APPROVE, DENY)


@dataclass(frozen=True)
class ToolCall:
    """A model's request to call tool ``name`` with ``arguments``; ``id`` names the call (given by the provider,
    else assigned). A ScriptedModel reply, or a FunctionModel function, may be (or yield) these."""

    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise UsageError(f"ToolCall needs a tool name, not {self.name!r}")
        if not isinstance(self.arguments, Mapping):
            raise UsageError(f"ToolCall arguments must be a dict, not {type(self.arguments).__name__}")
        if self.id is not None and not isinstance(self.id, str):
            raise UsageError(f"ToolCall id must be a str or None, not {self.id!r}")

    def to_json(self) -> dict[str, Any]:
        """``{"id", "name", "arguments"}``: the form stored in a message's ``metadata["tool_calls"]``."""
        return {"id": self.id, "name": self.name, "arguments": dict(self.arguments)}


@dataclass(frozen=True)
class Reasoning:
    """Reasoning text a FunctionModel function may yield between its tokens (as a provider streams its thinking):
    it goes to the answer's ``reasoning`` annotation, shown live and folded by the widgets, never into its content
    or id."""

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise UsageError(f"Reasoning needs a str, not {type(self.text).__name__}")


@dataclass(frozen=True)
class ToolResult:
    """What a tool call gave: ``content`` (a str, or JSON of the return value) and, when it failed (the tool
    raised, or the arguments did not validate), ``error_type`` (the exception's ``module.QualName``)."""

    content: str
    error_type: str | None = None


def first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return inspect.cleandoc(doc).split("\n\n")[0].replace("\n", " ").strip()


def _error_type(exc: BaseException) -> str:
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def error_result(exc: BaseException) -> ToolResult:
    """The result of a tool call that raised ``exc``: content ``"<Type>: <message>"``, ``error_type`` the
    exception's ``module.QualName`` (API.md section 12)."""
    return ToolResult(_error_text(exc), _error_type(exc))


class Tool:
    """A tool a model may call: ``name``, ``description``, ``parameters`` (JSON Schema of the arguments object)
    and ``fingerprint`` (part of the agent's version, so changing a tool misses the cache)."""

    name: str
    description: str
    parameters: dict[str, Any]
    fingerprint: str
    #: whether each call asks the user first (``af.tool(..., requires_approval=True)``)
    requires_approval: bool = False

    def spec(self) -> dict[str, Any]:
        """``{"name", "description", "parameters"}``: what a model is told."""
        return {"name": self.name, "description": self.description, "parameters": self.parameters}

    async def run(self, ctx: Context, call: ToolCall) -> ToolResult:  # pragma: no cover - abstract
        raise NotImplementedError


class FunctionTool(Tool):
    """A function as a tool (sync functions run in the event loop: make slow ones async)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        requires_approval: bool = False,
    ) -> None:
        import pydantic

        if not callable(fn):
            raise UsageError(f"a tool must be a function or an agent, not {type(fn).__name__}")
        self.fn = fn
        self.name = _check_name(name) or getattr(fn, "__name__", "") or type(fn).__name__
        self.requires_approval = _check_flag(requires_approval)
        self.description = description if description is not None else first_paragraph(fn.__doc__)
        fields: dict[str, Any] = {}
        try:
            signature = inspect.signature(fn)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"tool {self.name!r}: cannot read its signature ({exc})") from None
        for p in signature.parameters.values():
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise UsageError(
                    f"tool {self.name!r}: *{p.name} / **{p.name} parameters cannot be described "
                    f"to a model; name every parameter"
                )
            annotation = Any if p.annotation is p.empty else p.annotation
            fields[p.name] = (annotation, ... if p.default is p.empty else p.default)
        try:
            self._model = pydantic.create_model(f"{self.name}_arguments", **fields)
            schema = self._model.model_json_schema()
        except Exception as exc:  # pydantic's errors for unsupported annotations
            raise UsageError(f"tool {self.name!r}: its parameters have no JSON Schema ({exc})") from exc
        schema.pop("title", None)
        self.parameters = schema
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:  # type: ignore[override]  # computed when an agent's version needs it
        if self._fingerprint is None:
            spec: dict[str, Any] = {"name": self.name, "description": self.description, "parameters": self.parameters}
            if self.requires_approval:
                spec["requires_approval"] = True
            body = json.dumps(spec, sort_keys=True, ensure_ascii=False)
            digest = hashlib.sha256((body + code_fingerprint(self.fn)).encode("utf-8", "surrogatepass"))
            self._fingerprint = "tool:" + digest.hexdigest()[:16]
        return self._fingerprint

    async def run(self, ctx: Context, call: ToolCall) -> ToolResult:
        import pydantic

        try:
            args = self._model.model_validate(dict(call.arguments))
        except pydantic.ValidationError as exc:
            return ToolResult(_error_text(exc), _error_type(exc))
        try:
            value = self.fn(**{k: getattr(args, k) for k in type(args).model_fields})
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:  # goes back to the model as the call's result
            return ToolResult(_error_text(exc), _error_type(exc))
        if isinstance(value, str):
            return ToolResult(value)
        try:
            return ToolResult(json.dumps(pydantic.TypeAdapter(Any).dump_python(value, mode="json"), ensure_ascii=False))
        except Exception as exc:
            return ToolResult(_error_text(exc), _error_type(exc))


class AgentTool(Tool):
    """An agent as a tool: it gets the ``request`` text, streams its answer through (recorded as forwards) and
    the tool's result is its responses' text."""

    def __init__(self, agent: Agent, *, name: str | None = None, requires_approval: bool = False) -> None:
        self.agent = agent
        self.name = _check_name(name) or agent.name
        self.requires_approval = _check_flag(requires_approval)
        self.description = first_paragraph(agent.__doc__) or f"Ask the agent {agent.name!r}."
        self.parameters = {
            "type": "object",
            "properties": {"request": {"type": "string", "description": "what to ask"}},
            "required": ["request"],
        }
        self.fingerprint = f"agent-tool:{agent.name}:{agent.version}"
        if self.name != agent.name:
            self.fingerprint += f":as:{self.name}"
        if self.requires_approval:
            self.fingerprint += ":approval"

    async def run(self, ctx: Context, call: ToolCall) -> ToolResult:
        request = call.arguments.get("request")
        if not isinstance(request, str):
            return ToolResult(f"ValueError: {self.name} needs a 'request' string argument", "builtins.ValueError")
        seq = self.agent.quick_call(request)
        ctx.respond(seq, metadata={"tool_call_id": call.id})  # its tokens stream through, as forwards
        try:
            return ToolResult(await seq.text())
        except Exception as exc:  # the agent's error goes back to the model
            return error_result(exc.__cause__ if exc.__cause__ is not None else exc)


class WrappedTool(Tool):
    """A :class:`Tool` under another name, or asking for approval: ``af.tool(some_tool, name=..., ...)``. Runs the
    tool it wraps (which sees the call as made to its own name)."""

    def __init__(self, inner: Tool, *, name: str | None = None, requires_approval: bool = False) -> None:
        self.inner = inner
        self.name = _check_name(name) or inner.name
        self.description = inner.description
        self.parameters = inner.parameters
        self.requires_approval = _check_flag(requires_approval) or inner.requires_approval
        marks = (f":as:{self.name}" if self.name != inner.name else "") + (
            ":approval" if self.requires_approval else ""
        )
        self.fingerprint = inner.fingerprint + marks

    async def run(self, ctx: Context, call: ToolCall) -> ToolResult:
        return await self.inner.run(ctx, ToolCall(self.inner.name, call.arguments, call.id))

    def __repr__(self) -> str:
        return f"<WrappedTool {self.name!r} of {self.inner!r}{' requires_approval' if self.requires_approval else ''}>"


def _check_name(name: str | None) -> str | None:
    if name is not None and (not isinstance(name, str) or not name):
        raise UsageError(f"a tool's name must be a non-empty str, not {name!r}")
    return name


def _check_flag(value: bool) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"requires_approval must be True or False, not {value!r}")
    return value


def tool(fn: Any, *, name: str | None = None, requires_approval: bool = False) -> Tool:
    """``af.tool``: a function, an agent or a :class:`Tool` (e.g. one of ``af.mcp_tools(...)``) as a tool for
    ``tools=[...]``, named ``name`` (default: its own name). With ``requires_approval=True``, each call first asks
    the user (``ctx.ask``) ``Run <name>(<arguments as JSON>)?`` with the choices ``["approve", "deny"]``: only
    ``"approve"`` runs the tool; any other answer gives the model a result whose ``tool_error`` is
    ``agentforum_nb.errors.ToolDenied`` (an answer other than ``"deny"`` is passed on as the reason), and the
    tool does not run."""
    if isinstance(fn, Tool):
        if name is None and not requires_approval:
            return fn
        return WrappedTool(fn, name=name, requires_approval=requires_approval)
    if isinstance(fn, Agent):
        return AgentTool(fn, name=name, requires_approval=requires_approval)
    if callable(fn):
        return FunctionTool(fn, name=name, requires_approval=requires_approval)
    raise UsageError(f"af.tool() needs a function, an agent or an af tool, not {type(fn).__name__}")


def approval_question(call: ToolCall) -> str:
    """The question a tool approval asks: ``Run name({"arg": ...})?`` (the arguments as JSON)."""
    args = json.dumps(plain_json(call.arguments), ensure_ascii=False)
    return f"Run {call.name}({args})?"


def denial(call: ToolCall, answer: str) -> ToolResult:
    """The result a denied call gives the model (``answer``: the user's answer, not ``"approve"``)."""
    reason = answer.strip()
    text = f"the user denied the call of {call.name}"
    if reason and reason.lower() != DENY:
        text += f" ({reason})"
    return error_result(ToolDenied(text))


def plain_json(value: Any) -> Any:
    """JSON-ready (plain, mutable) copies of (possibly read-only) mappings and sequences."""
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    return value


def as_tools(tools: Iterable[Any]) -> list[Tool]:
    """Tools from functions, agents or :class:`Tool` objects; names must be unique."""
    out: list[Tool] = []
    for t in tools:
        if isinstance(t, Tool):
            out.append(t)
        elif isinstance(t, Agent):
            out.append(AgentTool(t))
        elif callable(t):
            out.append(FunctionTool(t))
        else:
            raise UsageError(f"a tool must be a function, an agent or an af.Tool, not {type(t).__name__}")
    names = [t.name for t in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UsageError(f"two tools have the name {dupes[0]!r}: tool names must be unique")
    return out
