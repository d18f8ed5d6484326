"""``TreeView``: the forum's tree as a live, clickable graph (an anywidget; front end in ``js/``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import traitlets as t

from .._canonical import thaw
from ..agents import Agent
from ..calls import running_calls
from ..compare import Comparison, compare_branches
from ..errors import UsageError
from ..forum import Forum, ForumEvent, default_forum
from ..messages import Message
from ..streams import MessageSequence
from ._questions import check_answer
from ._text import MAX_TEXT, check_text
from ._tracker import TreeTracker
from ._widget import STATIC, LiveWidget, browser_kinds, esm, resolve_ref

MAX_SAMPLES = 8  # samples one "regenerate" may ask for at once
RECENT_CALLS = 50  # calls started from a view that are kept (failed ones: for the traceback in the details pane)
MAX_MATCHES = 10_000  # ids one search reply carries (the count is always the whole number)
MAX_LABEL = 200
#: the annotations the details pane edits, and the type each must have (None removes one)
EDITABLE = {"label": "a str", "bookmark": "true or false", "note": "a str", "score": "a number"}


class TreeView(LiveWidget):
    """The forum (or the subtree under ``root``) as a live graph.

    Click selects (``selected_id``); "check out" makes the selection the head (``head_id``); "branch" posts a
    new user message under the selection and calls the chosen agent from ``agents``; "regenerate" re-asks the
    agent that wrote the selected response (bypassing the cache); "stop" cancels running calls.
    The same actions are methods: :meth:`select`, :meth:`checkout`, :meth:`branch`, :meth:`regenerate`,
    :meth:`stop`.
    """

    _esm = esm("tree.js")
    _browser_ids = ("selected_id", "head_id")
    _browser_readonly = frozenset({"agents", "root_id", "budget", "notice", "comparison"})
    selected_id = t.Unicode("").tag(sync=True)
    head_id = t.Unicode("").tag(sync=True)
    agents = t.List(t.Unicode()).tag(sync=True)
    root_id = t.Unicode("").tag(sync=True)
    # the layout engine; the widget's size is ipywidgets' own `layout` (e.g. view.layout.height = "600px")
    mode = t.Unicode("tidy").tag(sync=True)
    # a passing remark shown in the widget (not an error), e.g. "the same message again"
    notice = t.Unicode("").tag(sync=True)
    budget = t.Int(20_000).tag(sync=True)  # drawn nodes; above it only the head's neighbourhood
    # the two branches shown side by side ({} when none): Comparison.to_json() of compare(a, b)
    comparison = t.Dict().tag(sync=True)

    def __init__(
        self,
        forum: Forum | None = None,
        *,
        agents: Any = (),
        root: Any = None,
        head: Any = None,
        mode: str = "tidy",
        budget: int = 20_000,
        layout: Any = None,
    ) -> None:
        forum = forum if forum is not None else default_forum()
        agent_list = [agents] if isinstance(agents, Agent) else list(agents)
        for a in agent_list:
            if not isinstance(a, Agent):
                raise UsageError(f"agents must be af.Agent objects, not {type(a).__name__}")
        if mode not in ("tidy", "graphviz"):
            raise UsageError(f"mode must be 'tidy' or 'graphviz', not {mode!r}")
        if isinstance(layout, str):
            raise UsageError(
                f"layout is the widget's size (an ipywidgets Layout, e.g. layout={{'height': '600px'}});"
                f" the layout engine is mode='tidy' or mode='graphviz', not layout={layout!r}"
            )
        size = {} if layout is None else {"layout": layout}
        root_id = resolve_ref(forum, root)
        super().__init__(
            agents=[a.name for a in agent_list],
            root_id=root_id,
            mode=mode,
            budget=budget,
            head_id=resolve_ref(forum, head),
            **size,
        )
        self._agents: dict[str, Agent] = {a.name: a for a in agent_list}
        self._calls: list[MessageSequence] = []
        self._following = ""  # the agent whose answers the head follows (after branch, regenerate, edit)
        self._regenerating = ""  # the message a running regenerate was asked to replace
        self._subtree: set[str] | None = None
        if root_id:
            self._subtree = {m.id for m in forum.subtree(root_id)}
        self._start_tracking(forum, TreeTracker(forum, self._include, self._changed, accept_roots=not root_id))
        self._unfollow = forum.subscribe(self._follow_head)

    # -- what is shown ------------------------------------------------------------------------------------
    def _include(self, m: Message) -> bool:
        sub = self._subtree
        if sub is None:
            return True
        if m.id in sub or m.parent_id in sub:
            sub.add(m.id)
            return True
        return False

    def _messages(self) -> list[Message]:
        if self.root_id:
            return self.forum.subtree(self.root_id)
        return list(self.forum)

    def _follow_head(self, ev: ForumEvent) -> None:
        """After branch/regenerate/edit, the head follows the called agent's answers as they are stored (its own
        messages, forwards included: not those of the agents it calls, which are drawn under them)."""
        m = ev.message
        if (
            self._following
            and ev.kind in ("message", "cached")
            and m is not None
            and m.parent_id == self.head_id
            and self._continues(m)
        ):
            if m.id == self._regenerating:
                self.notice = (
                    f"{m.sender} gave the same answer again: it is the same message ({m.id[:8]}), "
                    f"as a deterministic agent does"
                )
            self._regenerating = ""
            self.head_id = m.id

    def _continues(self, m: Message) -> bool:
        """``m`` (stored under the head) is the followed agent's next step: its own message or forward, a tool's
        result for a call the head asked for, or the validation note a model agent gets before it retries."""
        if m.sender == self._following:
            return True
        head = self.forum.get(self.head_id)
        if head.sender != self._following:
            return False
        call_id = m.metadata.get("tool_call_id")
        if isinstance(call_id, str):
            calls = head.metadata.get("tool_calls") or ()
            return any(isinstance(c, Mapping) and c.get("id") == call_id for c in calls)
        return m.metadata.get("validation_error") is True

    # -- browser messages ---------------------------------------------------------------------------------
    def _on_ready(self, content: dict[str, Any]) -> None:
        self._emit_custom(*self._tracker.snapshot_message(self._messages()))

    def _on_select(self, content: dict[str, Any]) -> None:
        self.selected_id = self._message_arg(content).id

    def _on_checkout(self, content: dict[str, Any]) -> None:
        self.checkout(self._message_arg(content))

    def _on_branch(self, content: dict[str, Any]) -> None:
        parent = self._message_arg(content)
        text = content.get("text")
        agent = content.get("agent") or None
        if agent is not None and not isinstance(agent, str):
            raise UsageError(f"agent must be a name, not {agent!r:.60}")
        self.branch(text, agent=agent, parent=parent)

    def _on_regenerate(self, content: dict[str, Any]) -> None:
        n = content.get("n", 1)
        if type(n) is not int:
            raise UsageError(f"n must be a number of samples, not {n!r:.40}")
        self.regenerate_many(self._message_arg(content), n)

    def _on_edit(self, content: dict[str, Any]) -> None:
        self.edit(self._message_arg(content), content.get("text"))  # type: ignore[arg-type]

    def _on_answer(self, content: dict[str, Any]) -> None:
        self.answer(self._message_arg(content), content.get("text"))  # type: ignore[arg-type]

    def _on_stop(self, content: dict[str, Any]) -> None:
        self.stop()

    def _on_compare(self, content: dict[str, Any]) -> None:
        self.compare(self._message_arg(content, "a"), self._message_arg(content, "b"))

    def _on_close_compare(self, content: dict[str, Any]) -> None:
        self.comparison = {}

    def _on_search(self, content: dict[str, Any]) -> None:
        text = content.get("text")
        if not isinstance(text, str) or len(text) > MAX_LABEL:
            raise UsageError(f"search text must be a str of at most {MAX_LABEL} characters, not {text!r:.60}")
        ids = [m.id for m in self.search(text)]
        self._emit_custom(
            {
                "kind": "search-result",
                "request_id": content.get("request_id"),
                "text": text,
                "ids": ids[:MAX_MATCHES],
                "total": len(ids),
            }
        )

    def _on_annotate(self, content: dict[str, Any]) -> None:
        msg = self._message_arg(content)
        values = content.get("values")
        if not isinstance(values, dict) or not values:
            raise UsageError(f"annotate needs values: an object of {', '.join(EDITABLE)}, not {values!r:.60}")
        for key, value in values.items():
            if key not in EDITABLE:
                raise UsageError(f"the details pane edits {', '.join(EDITABLE)}, not {key!r:.40}")
            if value is None:
                continue
            if key in ("label", "note"):
                ok = isinstance(value, str) and len(value) <= (MAX_LABEL if key == "label" else MAX_TEXT)
            elif key == "bookmark":
                ok = isinstance(value, bool)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok:
                raise UsageError(f"{key} must be {EDITABLE[key]} (or null to remove it), not {value!r:.60}")
        # an empty label or note, or bookmark false, removes the annotation
        cleaned = {k: (None if v in ("", False) and k != "score" else v) for k, v in values.items()}
        self.forum.annotate(msg, **cleaned)
        self.error = ""

    def _on_load_graphviz(self, content: dict[str, Any]) -> None:
        path = STATIC / "graphviz.js"
        if not path.exists():
            raise UsageError("the Graphviz layout bundle is not installed (static/graphviz.js is missing)")
        self._emit_custom({"kind": "graphviz-code", "code": path.read_text(encoding="utf-8")})

    #: the browser messages a TreeView takes (docs/widget_protocol.md), and what handles each
    _browser_kinds = browser_kinds(
        LiveWidget._browser_kinds,
        {
            "ready": _on_ready,
            "select": _on_select,
            "checkout": _on_checkout,
            "branch": _on_branch,
            "regenerate": _on_regenerate,
            "edit": _on_edit,
            "answer": _on_answer,
            "stop": _on_stop,
            "compare": _on_compare,
            "close-compare": _on_close_compare,
            "search": _on_search,
            "annotate": _on_annotate,
            "load-graphviz": _on_load_graphviz,
        },
    )

    # -- actions ------------------------------------------------------------------------------------------
    @property
    def head(self) -> Message | None:
        return self.forum.get(self.head_id) if self.head_id else None

    @property
    def selected(self) -> Message | None:
        return self.forum.get(self.selected_id) if self.selected_id else None

    def select(self, message: Any) -> None:
        self.selected_id = resolve_ref(self.forum, message)

    def checkout(self, message: Any) -> None:
        """Make ``message`` the head (backtrack to it)."""
        self._following = ""
        self.head_id = resolve_ref(self.forum, message)
        self.error = ""

    def _agent(self, name: str | None) -> Agent | None:
        if name is None:
            if len(self._agents) == 1:
                return next(iter(self._agents.values()))
            if not self._agents:
                return None
            raise UsageError(f"choose an agent: one of {', '.join(sorted(self._agents))}")
        agent = self._agents.get(name)
        if agent is None:
            raise UsageError(
                f"no agent named {name!r} is attached to this TreeView "
                f"(agents: {', '.join(sorted(self._agents)) or 'none'})"
            )
        return agent

    def branch(self, text: Any, *, agent: str | None = None, parent: Any = None) -> MessageSequence | None:
        """Post ``text`` as a user message under ``parent`` (default: the selection, else the head) and ask
        ``agent`` (a name from ``agents``; optional when there is one). Returns the agent's responses."""
        check_text(text, "branch needs some text: type a message first")
        chosen = self._agent(agent)
        if parent is None:
            parent = self.selected_id or self.head_id or None
        msg = self.forum.post(text, parent=parent, sender="user")
        self.selected_id = msg.id
        self.head_id = msg.id
        self.error = ""
        if chosen is None:
            return None
        self._following = chosen.name  # before the call: an agent that answers at once is followed too
        seq = chosen.quick_call(msg, forum=self.forum)
        self._remember(seq)
        return seq

    def regenerate(self, message: Any) -> MessageSequence:
        """Ask the agent that wrote ``message`` for the next unused sample of the same request: a new sibling
        answer, cached like any call (a re-run shows it again). A deterministic agent gives the same message:
        the view says so (``notice``)."""
        return self.regenerate_many(message, 1)[0]

    def regenerate_many(self, message: Any, n: int) -> list[MessageSequence]:
        """:meth:`regenerate` for the next ``n`` unused samples at once: they stream side by side."""
        if type(n) is not int or not 1 <= n <= MAX_SAMPLES:
            raise UsageError(f"regenerate asks for 1 to {MAX_SAMPLES} samples, not {n!r}")
        msg = self.forum.resolve(message, "message")
        if msg.parent_id is None:
            raise UsageError("a root message has nothing to regenerate from")
        agent = self._agents.get(msg.sender)
        if agent is None:
            raise UsageError(
                f"cannot regenerate: {msg.sender!r} is not one of this TreeView's agents "
                f"({', '.join(sorted(self._agents)) or 'none'})"
            )
        request = self._request_of(msg)
        first = self._next_sample(request, agent.name)
        self.head_id = request.id
        self._following = agent.name  # before the call: an agent that answers at once is followed too
        self._regenerating = msg.id if n == 1 else ""
        self.error = self.notice = ""
        seqs = [agent.quick_call(request, forum=self.forum, sample=k) for k in range(first, first + n)]
        for seq in seqs:
            self._remember(seq)
        return seqs

    def _request_of(self, msg: Message) -> Message:
        """The request ``msg`` answers: up its response chain (messages of its sender) to the first other one."""
        m = msg
        while m.parent_id is not None:
            parent = self.forum.get(m.parent_id)
            if parent.sender != msg.sender:
                return parent
            m = parent
        return m

    def _next_sample(self, request: Message, agent: str) -> int:
        """The smallest sample the agent has not answered ``request`` with yet (its answers without a recorded
        sample count as sample 0)."""
        answers = [m for m in self.forum.children(request) if m.sender == agent]
        notes = self.forum.store.annotations_many(m.id for m in answers)
        used = {notes.get(m.id, {}).get("sample", 0) for m in answers}
        k = 0
        while k in used:
            k += 1
        return k

    def edit(self, message: Any, content: str) -> Message:
        """A sibling of ``message`` with ``content`` (``forum.edit``), selected and made the head; when one of this
        view's agents was called on the original (its ``calls`` annotation: the first such call, with its kwargs
        and sample), it is called again on the edit."""
        check_text(content, "edit needs some text")
        original = self.forum.resolve(message, "message")
        edited = self.forum.edit(original, content)
        self.selected_id = self.head_id = edited.id
        self.error = self.notice = ""
        call = self._call_on(original)
        if call is not None and edited != original:
            agent, kwargs, sample = call
            self._following = agent.name
            self._remember(agent.quick_call(edited, forum=self.forum, sample=sample, **kwargs))
        return edited

    def _call_on(self, message: Message) -> tuple[Agent, dict[str, Any], int] | None:
        """The first of this view's agents that was called on ``message`` (its ``calls`` annotation), with that
        call's kwargs and sample; for a forum from before ``calls`` was recorded, the sender of its first child."""
        for entry in self.forum.annotations(message).get("calls") or ():
            agent = self._agents.get(entry.get("agent"))
            if agent is not None:
                kwargs = entry.get("kwargs")
                sample = entry.get("sample")
                return (
                    agent,
                    thaw(kwargs) if isinstance(kwargs, Mapping) else {},
                    sample if type(sample) is int and sample >= 0 else 0,
                )
        kids = self.forum.children(message)
        agent = self._agents.get(kids[0].sender) if kids else None
        return None if agent is None else (agent, {}, 0)

    def answer(self, question: Any, text: str) -> Message:
        """Answer a waiting question (``ctx.ask``): a user message under it; the agent goes on. A message no agent
        waits on is refused (``af.UsageError``; see ``notebook/_questions.py``)."""
        q = check_answer(self.forum, question, text).message
        msg = self.forum.post(text, parent=q, sender="user")
        self.error = ""
        return msg

    def compare(self, a: Any, b: Any) -> Comparison:
        """Show the branches ending at ``a`` and ``b`` side by side, from their common ancestor, aligned message
        by message with a word-level diff and each side's totals (also Shift-click on a second node).
        Returns the :class:`~agentforum_nb.compare.Comparison`."""
        result = compare_branches(self.forum, a, b)
        self.comparison = result.to_json()
        self.error = ""
        return result

    def search(self, text: str) -> list[Message]:
        """The messages of this view whose text contains ``text`` (``forum.search``; case-insensitive)."""
        found = self.forum.search(text)
        if self.root_id:
            sub = self._subtree if self._subtree is not None else set()
            found = [m for m in found if m.id in sub]
        return found

    def stop(self) -> int:
        """Cancel the calls started from this view and every top-level call running in the forum."""
        n = 0
        for seq in self._calls:
            if not seq.done():
                seq.cancel()
                n += 1
        for call in running_calls(self.forum):
            call.cancel()
            n += 1
        return n

    def _live_calls(self) -> list[MessageSequence]:
        return list(self._calls)

    def _remember(self, seq: MessageSequence) -> None:
        """Keep the calls started from this view: running ones for "stop", recent ones for their tracebacks."""
        self._calls = [s for s in self._calls[-RECENT_CALLS:] if not s.done() or s.failure is not None]
        self._calls.append(seq)
