"""``TreeView``: the forum's tree as a live, clickable graph (an anywidget; front end in ``js/``)."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import traitlets as t

from .._canonical import thaw
from ..agents import Agent
from ..calls import running_calls
from ..compare import MAX_SIDES, Comparison, compare_branches
from ..errors import AgentForumError, UsageError
from ..forum import Forum, ForumEvent, default_forum
from ..messages import Message
from ..streams import MessageSequence
from ._questions import check_answer
from ._text import MAX_TEXT, check_text
from ._tracker import TreeTracker
from ._widget import STATIC, LiveWidget, browser_kinds, esm, resolve_ref

log = logging.getLogger("agentforum_nb")

MAX_SAMPLES = 8  # samples one "regenerate" may ask for at once
RECENT_CALLS = 50  # calls started from a view that are kept (failed ones: for the traceback in the details pane)
MAX_MATCHES = 10_000  # ids one search reply carries (the count is always the whole number)
MAX_LABEL = 200
MAX_DEPTH = 10_000  # the deepest "expand to a depth" goes
#: how siblings may be ordered ("": as stored; "score": by the `score` annotation, highest first)
SORTS = ("", "score")
#: the annotations the details pane edits, and the type each must have (None removes one)
EDITABLE = {"label": "a str", "bookmark": "true or false", "note": "a str", "score": "a number"}


class TreeView(LiveWidget):
    """The forum (or the subtree under ``root``) as a live graph.

    Click selects (``selected_id``); "check out" makes the selection the head (``head_id``); "branch" posts a
    new user message under the selection and calls the chosen agent from ``agents``; "regenerate" asks the agent
    that wrote the selected response for the next unused sample of the same request (cached like any call, so a
    re-run shows it again); "stop" cancels running calls.
    The same actions are methods: :meth:`select`, :meth:`checkout`, :meth:`branch`, :meth:`regenerate`,
    :meth:`stop`, :meth:`edit`, :meth:`compare`, :meth:`replay`; and for reading: :meth:`filter` (by sender),
    :meth:`expand` (to a depth), :meth:`sort_siblings` (by score) and ``follow`` (the head follows the newest run).

    ``follow`` (default: on, unless ``head`` is given: a view opened at a head stays there) makes the head follow
    the newest run started from anywhere, e.g. a call made in a later cell.

    ``agents`` may be set again (``view.agents = [writer, critic]``), e.g. after an agent's cell was edited and
    run: "branch", "regenerate", "edit" and "replay" then use the new agents (matched by name). Reading it gives
    the agents' names.
    """

    _esm = esm("tree.js")
    _browser_ids = ("selected_id", "head_id")
    _browser_readonly = frozenset(
        {"agents", "root_id", "budget", "notice", "comparison", "sender_filter", "depth", "sort", "follow"}
    )
    selected_id = t.Unicode("").tag(sync=True)
    head_id = t.Unicode("").tag(sync=True)
    # set with af.Agent objects (or names of agents already attached); holds their names
    agents = t.List(t.Any()).tag(sync=True)
    root_id = t.Unicode("").tag(sync=True)
    # the layout engine; the widget's size is ipywidgets' own `layout` (e.g. view.layout.height = "600px")
    mode = t.Unicode("tidy").tag(sync=True)
    # a passing remark shown in the widget (not an error), e.g. "the same message again"
    notice = t.Unicode("").tag(sync=True)
    budget = t.Int(20_000).tag(sync=True)  # drawn nodes; above it only the head's neighbourhood
    # the two branches shown side by side ({} when none): Comparison.to_json() of compare(a, b)
    comparison = t.Dict().tag(sync=True)
    # reading many runs: only these senders' nodes stand out (empty: all); expand to this depth (0: all levels);
    # siblings in this order ("" as stored, "score": highest score first); the head follows the newest run
    sender_filter = t.List(t.Unicode()).tag(sync=True)
    depth = t.Int(0).tag(sync=True)
    sort = t.Unicode("").tag(sync=True)
    follow = t.Bool(True).tag(sync=True)

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
        follow: bool | None = None,
    ) -> None:
        forum = forum if forum is not None else default_forum()
        self._agents: dict[str, Agent] = {}
        agent_list = _agent_list(agents, {})
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
            agents=agent_list,
            root_id=root_id,
            mode=mode,
            budget=budget,
            head_id=resolve_ref(forum, head),
            follow=(head is None) if follow is None else follow,
            **size,
        )
        self._calls: list[MessageSequence] = []
        self._tasks: set[asyncio.Task[Any]] = set()  # replays running (stop() cancels them, close() too)
        self._following = ""  # the agent whose answers the head follows (after branch, regenerate, edit)
        self._regenerating = ""  # the message a running regenerate was asked to replace
        self._subtree: set[str] | None = None
        if root_id:
            self._subtree = {m.id for m in forum.subtree(root_id)}
        self._start_tracking(forum, TreeTracker(forum, self._include, self._changed, accept_roots=not root_id))
        self._unfollow = forum.subscribe(self._follow_head)

    @t.validate("agents")
    def _check_agents(self, proposal: Any) -> list[str]:
        """Agents (or names of agents attached already) -> their names; the agents are kept by name."""
        chosen = _agent_list(proposal["value"], self._agents)
        self._agents = {a.name: a for a in chosen}
        return [a.name for a in chosen]

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
        messages, forwards included: not those of the agents it calls, which are drawn under them). Otherwise,
        with ``follow`` on, the head follows the newest run started from anywhere (code in a cell, another view):
        it moves to each response a run stores in this view, and to each answer a call is served from the cache."""
        m = ev.message
        if not self._following and self.follow and m is not None and m.id != self.head_id:
            by_run = ev.kind == "message" and ev.stream is not None and bool(ev.stream.run)
            if (by_run or ev.kind == "cached") and (self._subtree is None or m.id in self._subtree):
                self.head_id = m.id
            return
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
        call_id = m.metadata.get("tool_call_id")
        if head.sender == "user" and isinstance(call_id, str) and head.parent_id is not None:
            # the user's answer to an approval the followed agent asked: the tool's result comes under it
            asked = self.forum.get(head.parent_id)
            approval = asked.metadata.get("tool_approval")
            return asked.sender == self._following and isinstance(approval, Mapping) and approval.get("id") == call_id
        if head.sender != self._following:
            return False
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
        ids = content.get("ids")
        if ids is None:  # the two-branch form: the selection and the Shift-clicked node
            self.compare(self._message_arg(content, "a"), self._message_arg(content, "b"))
            return
        if not isinstance(ids, list) or not 2 <= len(ids) <= MAX_SIDES:
            raise UsageError(f"compare needs a list of 2 to {MAX_SIDES} message ids, not {ids!r:.80}")
        msgs = [self._message_arg({"id": i}) for i in ids]
        self.compare(*msgs)

    def _on_replay(self, content: dict[str, Any]) -> None:
        self.replay(self._message_arg(content))

    def _on_filter(self, content: dict[str, Any]) -> None:
        senders = content.get("senders")
        if not isinstance(senders, list):
            raise UsageError(f"filter needs a list of sender names, not {senders!r:.60}")
        self.filter(*senders)

    def _on_expand(self, content: dict[str, Any]) -> None:
        self.expand(content.get("depth"))

    def _on_sort(self, content: dict[str, Any]) -> None:
        self.sort_siblings(content.get("by"))

    def _on_follow(self, content: dict[str, Any]) -> None:
        on = content.get("on")
        if not isinstance(on, bool):
            raise UsageError(f"follow needs on: true or false, not {on!r:.40}")
        self.follow = on

    def _on_close_compare(self, content: dict[str, Any]) -> None:
        self.comparison = {}

    def _on_search(self, content: dict[str, Any]) -> None:
        text = content.get("text")
        if not isinstance(text, str) or len(text) > MAX_LABEL:
            raise UsageError(f"search text must be a str of at most {MAX_LABEL} characters, not {text!r:.60}")
        found = self.search(text)
        ids = [m.id for m in found]
        self._emit_custom(
            {
                "kind": "search-result",
                "request_id": content.get("request_id"),
                "text": text,
                "ids": ids[:MAX_MATCHES],
                "total": drawn_matches(found),
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
            "replay": _on_replay,
            "filter": _on_filter,
            "expand": _on_expand,
            "sort": _on_sort,
            "follow": _on_follow,
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
        if self.head_id == q.id:  # the head was following the agent that asked: it goes on under the answer
            self.head_id = msg.id
        self.error = ""
        return msg

    def compare(self, a: Any, b: Any, *more: Any) -> Comparison:
        """Show the branches ending at ``a``, ``b`` (and ``more``: up to 8 side by side, e.g. every sample of one
        request) from their common ancestor, aligned message by message with a word-level diff against the first
        and each side's totals (also Shift-click: a second node compares it with the selection, each further
        Shift-click adds its branch). Returns the :class:`~agentforum_nb.compare.Comparison`."""
        result = compare_branches(self.forum, a, b, *more)
        self.comparison = result.to_json()
        self.error = ""
        return result

    def replay(self, message: Any) -> asyncio.Task[Message]:
        """Re-run the branch ending at ``message`` with this view's ``agents`` (matched by name; any other agent
        of the branch is the one recorded, alive in this process): ``forum.replay(message, agents=...)``, API.md
        section 15. When it is done the old and new branches are shown compared (:meth:`compare`); a problem is
        shown in the widget's error area. Returns the running task (``await view.replay(m)`` gives the new
        branch's last message); "stop" cancels it."""
        msg = self.forum.resolve(message, "message")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise UsageError("replay needs a running event loop (a notebook's, or inside af.run_sync)") from None
        self.error = self.notice = ""
        task = asyncio.ensure_future(self.forum.replay(msg, agents=dict(self._agents)))
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._replayed(msg, done))
        return task

    def _replayed(self, old: Message, task: asyncio.Task[Message]) -> None:
        """A replay ended: compare the old and new branches, or say what went wrong (its owner: this view)."""
        self._tasks.discard(task)
        if task.cancelled():
            self.notice = f"the replay of {old.id[:8]} was stopped"
            return
        exc = task.exception()
        if exc is not None:
            if not isinstance(exc, AgentForumError):
                log.error("agentforum_nb replay failed", exc_info=exc)
            self._report(f"replay of {old.id[:8]} failed: {exc if isinstance(exc, AgentForumError) else repr(exc)}")
            return
        new = task.result()
        if new.id == old.id:
            self.notice = f"replay: nothing changed, the agents give the same branch ({old.id[:8]})"
            return
        try:
            self.compare(old, new)
        except AgentForumError as problem:
            self._report(str(problem))
            return
        self.selected_id = self.head_id = new.id

    def filter(self, *senders: str) -> None:
        """Make the nodes of ``senders`` stand out (the others are dimmed); no senders: show all alike."""
        for s in senders:
            if not isinstance(s, str) or not s or len(s) > MAX_LABEL:
                raise UsageError(f"filter takes sender names (non-empty str), not {s!r:.60}")
        self.sender_filter = list(dict.fromkeys(senders))
        self.error = ""

    def expand(self, depth: Any = 0) -> None:
        """Show the tree down to ``depth`` levels below its roots (deeper subtrees collapsed into "+n"); 0: all."""
        if type(depth) is not int or not 0 <= depth <= MAX_DEPTH:
            raise UsageError(f"expand takes a depth from 0 (all) to {MAX_DEPTH}, not {depth!r:.40}")
        self.depth = depth
        self.error = ""

    def sort_siblings(self, by: Any = "score") -> None:
        """Order each node's children: ``"score"`` (the ``score`` annotation, highest first; unscored last, in
        their stored order) or ``""`` (as stored)."""
        if by is None:
            by = ""
        if by not in SORTS:
            raise UsageError(f"siblings sort by 'score' or '' (as stored), not {by!r:.40}")
        self.sort = by
        self.error = ""

    def search(self, text: str) -> list[Message]:
        """The messages of this view whose text contains ``text`` (``forum.search``; case-insensitive)."""
        found = self.forum.search(text)
        if self.root_id:
            sub = self._subtree if self._subtree is not None else set()
            found = [m for m in found if m.id in sub]
        return found

    def stop(self) -> int:
        """Cancel the calls started from this view (replays too) and every top-level call running in the forum."""
        n = 0
        for task in list(self._tasks):
            if not task.done():
                task.cancel()
                n += 1
        for seq in self._calls:
            if not seq.done():
                seq.cancel()
                n += 1
        for call in running_calls(self.forum):
            call.cancel()
            n += 1
        return n

    def close(self) -> None:
        for task in list(getattr(self, "_tasks", ())):  # replays still running end with the view
            task.cancel()
        super().close()

    def _live_calls(self) -> list[MessageSequence]:
        return list(self._calls)

    def _remember(self, seq: MessageSequence) -> None:
        """Keep the calls started from this view: running ones for "stop", recent ones for their tracebacks."""
        self._calls = [s for s in self._calls[-RECENT_CALLS:] if not s.done() or s.failure is not None]
        self._calls.append(seq)


def _agent_list(value: Any, known: Mapping[str, Agent]) -> list[Agent]:
    """``agents`` as given (an agent, or agents and names of agents in ``known``) -> the agents, refused with a
    clear ``af.UsageError`` when an item is neither."""
    items: Iterable[Any] = [value] if isinstance(value, (Agent, str)) else value
    out: dict[str, Agent] = {}
    for a in items:
        if isinstance(a, str) and a in known:
            a = known[a]
        if not isinstance(a, Agent):
            raise UsageError(
                f"agents must be af.Agent objects, not {type(a).__name__}"
                + (f" ({a!r:.40} is not an agent of this view)" if isinstance(a, str) else "")
            )
        out[a.name] = a  # a later agent of the same name replaces an earlier one
    return list(out.values())


def drawn_matches(found: list[Message]) -> int:
    """How many matches a search shows: a forward whose original matched too is drawn in it (counted once)."""
    ids = {m.id for m in found}
    return sum(1 for m in found if not (m.kind == "forward" and m.original_id in ids))
