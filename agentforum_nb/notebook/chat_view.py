"""``ChatView``: one branch as a live transcript."""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from typing import Any

import traitlets as t

from .._canonical import thaw
from ..calls import AgentCall, current_run, running_calls
from ..errors import UsageError
from ..forum import Forum, ForumEvent, LiveStream, default_forum
from ..messages import Message
from ..palette import sender_colour
from ..streams import MessageSequence
from ._alternatives import alternatives
from ._questions import check_answer
from ._text import check_text
from ._tracker import TreeTracker
from ._widget import LiveWidget, browser_kinds, esm, resolve_ref
from .tree_view import TreeView

#: the most characters of an error's ``metadata["error_detail"]`` (a provider's error body) the view shows
MAX_DETAIL = 20_000


def error_detail_text(m: Message) -> str | None:
    """An error message's ``metadata["error_detail"]`` as the view shows it (text: a string as it is, another JSON
    value indented), at most :data:`MAX_DETAIL` characters; ``None`` when it has none."""
    if m.kind != "error":
        return None
    detail = m.metadata.get("error_detail")
    if detail is None:
        return None
    text = detail if isinstance(detail, str) else json.dumps(thaw(detail), indent=2, ensure_ascii=False)
    if not text.strip():
        return None
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def _sample_of(forum: Forum, m: Message, notes: Mapping[str, Any] | None = None) -> int:
    """The sample a response answers (its ``sample`` annotation; 0 when it has none)."""
    sample = (forum.annotations(m) if notes is None else notes).get("sample", 0)
    return sample if type(sample) is int else 0


class ChatView(LiveWidget):
    """The branch ending at ``head`` as a transcript (sender, text), streaming live.

    ``head`` may be a message, an id, a finished promise/sequence, or a :class:`TreeView`. Linked to a TreeView,
    the view always shows the tree's head branch (the tree decides what to follow: the answers of its branch and
    regenerate calls), and the view's own moves (the branch arrows, :meth:`switch`, setting ``head_id``) check
    the tree out at the same message. Unlinked, when a new message is stored under the head (an agent
    answering), the view follows it. Unlinked and made without a head, it *follows the latest run*
    (``follow_latest``): each call started at top level in its forum (from code or a widget) is shown as it
    streams, its request and then its agent's responses (forwards included), as a TreeView follows a call it
    starts; a switch, an edit or a head set from Python or the browser stops following, and setting
    ``follow_latest = True`` starts again.

    A message with alternatives shows ``‹ 2/3 ›`` arrows; an arrow (or :meth:`switch`) shows that alternative's
    branch, down to its most recent message. The alternatives are the samples, edits and branches a person made
    next to it, never the forwarded copies of one message (the rule: ``notebook/_alternatives.py``); an edited
    root has arrows back to its original. "regenerate" asks the linked TreeView's agent again
    (:meth:`regenerate`); "edit" makes an edited sibling of a message and shows its branch (:meth:`edit`); a
    question an agent is waiting on (``ctx.ask``) has an answer box (:meth:`answer`), and the view follows on to
    the answer and the agent's next responses. An error message shows its ``metadata["error_detail"]`` (a
    provider's error body) under its text, folded when long.
    """

    _esm = esm("chat.js")
    _browser_ids = ("head_id",)
    _browser_readonly = frozenset({"agents", "linked", "follow_latest"})
    head_id = t.Unicode("").tag(sync=True)
    #: senders whose messages "regenerate" can ask again: the linked TreeView's agents
    agents = t.List(t.Unicode()).tag(sync=True)
    #: whether the view follows the latest run started in its forum (unlinked views only; the browser sends
    #: ``{kind: "follow", on}``)
    follow_latest = t.Bool(False).tag(sync=True)
    #: whether the view follows a TreeView (set by the kernel)
    linked = t.Bool(False).tag(sync=True)

    def __init__(self, forum: Forum | None = None, head: Any = None) -> None:
        tree = head if isinstance(head, TreeView) else None
        if tree is not None:
            if forum is None:
                forum = tree.forum
            elif forum is not tree.forum:
                raise UsageError("the ChatView and the TreeView it follows must show the same forum")
            head = tree.head_id
        forum = forum if forum is not None else default_forum()
        self._tree: TreeView | None = tree
        head_id = resolve_ref(forum, head)
        super().__init__(
            head_id=head_id,
            agents=list(tree.agents) if tree is not None else [],
            linked=tree is not None,
            follow_latest=tree is None and not head_id,
        )
        self._branch: set[str] = set()  # ids of the messages shown (the head's history)
        self._under: dict[str, str] = {}  # parent id -> the branch's message under it (whose alternatives are sent)
        self._root = ""  # the branch's root (its alternatives are its edits)
        self._alt_updates: set[str] = set()  # branch messages whose alternatives may have changed since the last flush
        self._alts_sent: dict[str, list[str]] = {}  # what the browser has
        self._live: dict[str, LiveStream] = {}  # key -> StreamHandle: every response streaming in the forum
        self._stepping = ""  # the message an unlinked view is following one step down to
        self._asker = ""  # linked: the agent whose question this view answered, followed under the answer
        self._moving = False  # the view moves itself (following): not a head set from outside
        # following the latest run: the top-level calls seen, the call followed and its agent
        self._seen_calls: weakref.WeakSet[AgentCall] = weakref.WeakSet()
        self._run: weakref.ref[AgentCall] | None = None
        self._run_agent = ""
        self._run_sample = 0
        self._placed = False  # the followed call's requests are placed (and shown)
        self._unfollow = forum.subscribe(self._follow)  # before the tracker: it sees the moved head
        self._start_tracking(
            forum, TreeTracker(forum, self._include, self._changed, accept_roots=False, full_text=True)
        )
        self._set_branch(self.forum.history(self.head_id) if self.head_id else [])
        if tree is not None:
            tree.observe(self._tree_head_changed, names="head_id")
            tree.observe(self._tree_agents_changed, names="agents")
        self.observe(self._head_changed, names="head_id")
        self.observe(self._following_changed, names="follow_latest")
        if self.follow_latest:
            self._start_following()

    # -- what is shown ------------------------------------------------------------------------------------
    def _set_branch(self, history: list[Message]) -> None:
        self._branch = {m.id for m in history}
        self._under = {m.parent_id: m.id for m in history if m.parent_id is not None}
        self._root = history[0].id if history else ""
        self._alt_updates = set()

    def _include(self, m: Message) -> bool:
        return m.id in self._branch

    def _show(self, head: str) -> None:
        """Send the whole branch ending at ``head`` (a snapshot with the alternatives of each message)."""
        history = self.forum.history(head) if head else []
        self._set_branch(history)
        self._adopt_streams()
        snap = self._tracker.snapshot(history)
        self._alts_sent = {m.id: alternatives(self.forum, m) for m in history}
        snap["alternatives"] = dict(self._alts_sent)
        self._emit_custom(snap)

    def _emit_custom(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        """What a transcript adds to the nodes it sends: an error's detail, and a forward's author's colour (a
        forward is shown as its author's message, passed on by its sender)."""
        if content.get("kind") in ("snapshot", "delta") and not self.forum.closed:
            for node in content.get("nodes", ()):
                if node.get("kind") == "error" and isinstance(node.get("id"), str):
                    detail = error_detail_text(self.forum.get(node["id"]))
                    if detail is not None:
                        node["error_detail"] = detail
                elif node.get("kind") == "forward" and isinstance(node.get("author"), str):
                    node["author_colour"] = sender_colour(node["author"])
            for stream in content.get("streams", ()):
                author = stream.get("author")
                if isinstance(author, str) and author != stream.get("sender"):
                    stream["author_colour"] = sender_colour(author)
        super()._emit_custom(content, buffers)

    def _adopt_streams(self) -> None:
        """The responses streaming under the new branch become the tracker's pending streams (also those that
        started while another branch was shown), and streams of the old branch are dropped."""
        for key in [k for k, h in self._live.items() if h.promise.done()]:
            del self._live[key]  # settled: its message (or its end) has been stored or announced
        candidates = {**self._live, **self._tracker.pending}
        kept: dict[str, Any] = {}
        grew = True
        while grew:
            grew = False
            for key, h in candidates.items():
                if key not in kept and (h.parent in self._branch or h.parent in kept):
                    kept[key] = h
                    grew = True
        self._tracker.pending = kept

    def _note_alternatives(self, m: Message, notes: Mapping[str, Any] | None) -> None:
        """``m`` was stored: the alternatives it can change are sent again at the next flush (a new child of a
        message of the branch; a forward, which can join two alternatives above it; an edited root)."""
        if m.parent_id is None:
            if self._root and notes is not None and notes.get("edited_from") is not None:
                self._alt_updates.add(self._root)
            else:
                return
        elif m.kind == "forward" and self._under:
            for a in self.forum.history(m):
                shown = self._under.get(a.id)
                if shown is not None:
                    self._alt_updates.add(shown)
        else:
            shown = self._under.get(m.parent_id)
            if shown is None:
                return
            self._alt_updates.add(shown)
        self._changed()

    # -- following ----------------------------------------------------------------------------------------
    def _follow(self, ev: ForumEvent) -> None:
        if ev.kind == "stream-start" and ev.stream is not None:
            self._live[ev.stream.key] = ev.stream
        elif ev.kind == "stream-end" and ev.stream is not None:
            self._live.pop(ev.stream.key, None)
        elif ev.kind == "message" and ev.message is not None:
            stored = ev.message
            if ev.stream is not None:
                self._live.pop(ev.stream.key, None)
                for h in self._live.values():  # a response that followed this stream now follows its message
                    if h.parent == ev.stream.key:
                        h.parent = stored.id
            self._note_alternatives(stored, ev.annotations)
        tree = self._tree
        if tree is None and self.follow_latest:
            self._follow_run(ev)
            return
        m = ev.message
        if ev.kind != "message" or m is None:
            return
        if tree is not None and not (self._asker and m.sender == self._asker and tree.head_id == self.head_id):
            return  # linked: the tree decides what to follow (this view follows the agent it answered)
        if self.head_id and m.parent_id == self.head_id:
            self._step(m)

    def _step(self, m: Message) -> None:
        """Follow one step down to ``m``, just stored under the head (the delta carries it)."""
        self._branch.add(m.id)
        self._under[self.head_id] = m.id
        self._alt_updates.add(m.id)
        self._changed()
        self._stepping = m.id
        try:
            if self._tree is not None:
                self._tree.head_id = m.id  # its observer moves this view
            else:
                self._move(m.id)
        finally:
            self._stepping = ""

    def _move(self, head: str) -> None:
        """The view moves itself (following): the head changes without stopping ``follow_latest``."""
        self._moving = True
        try:
            self.head_id = head
        finally:
            self._moving = False

    # -- following the latest run -----------------------------------------------------------------------------
    def _start_following(self) -> None:
        """Follow a top-level call running now, if there is one (else the next one to start)."""
        self._run, self._run_agent, self._run_sample, self._placed = None, "", 0, False
        self._new_calls()

    def _new_calls(self) -> bool:
        """Top-level calls started since the view last looked: the newest is followed (True when one is); of
        several seen at once (``agent.samples``), the last sample."""
        new = [c for c in running_calls(self.forum) if c not in self._seen_calls]
        for c in new:
            self._seen_calls.add(c)
        if not new:
            return False
        call = max(new, key=lambda c: c.sample)
        self._run, self._run_agent, self._run_sample, self._placed = (
            weakref.ref(call),
            call.agent.name,
            call.sample,
            False,
        )
        self._at_request(call)
        return True

    def _at_request(self, call: AgentCall) -> None:
        """Once the followed call's requests are placed, show them and what its agent answered so far."""
        anchor = call.anchor
        if anchor is not None and call.placement.complete:
            self._placed = True
            self._move(self._run_tip(anchor))

    def _follow_run(self, ev: ForumEvent) -> None:
        """``follow_latest``: a new top-level call is followed from its requests, then down its agent's responses
        as they are stored; a call answered from the cache is followed from its first answer."""
        if self._new_calls():
            return
        call = self._run() if self._run is not None else None
        if call is not None and not self._placed:
            self._at_request(call)
            return
        m = ev.message
        if m is None or ev.kind not in ("message", "cached"):
            return
        head = self.head
        if head is not None and m.parent_id == head.id:
            if self._continues_run(head, m, ev.annotations):
                self._step(m)
        elif ev.kind == "cached" and current_run() is None and m.id not in self._branch:
            # a top-level call answered from the cache: it is over before the view hears of it; its answers
            # arrive in order, the first under its request
            self._run, self._run_agent, self._run_sample, self._placed = None, m.sender, _sample_of(self.forum, m), True
            self._move(m.id)

    def _continues_run(self, head: Message, m: Message, notes: Mapping[str, Any] | None = None) -> bool:
        """``m`` (stored under the head) is the followed run's next step: its agent's own message or forward (of the
        run's sample: samples of one request answer side by side), a user's answer to it (ctx.ask), a tool's
        result or the validation note a model agent gets before it retries."""
        agent = self._run_agent
        if not agent:
            return False
        if m.sender == agent:
            return _sample_of(self.forum, m, notes) == self._run_sample
        if head.sender != agent:
            # a user's answer to the run's question (an approval): the tool result the run stores under it
            if head.sender == "user" and "tool_call_id" in m.metadata and head.parent_id is not None:
                asked = self.forum.get(head.parent_id)
                return asked is not None and asked.sender == agent
            return False
        return m.sender == "user" or "tool_call_id" in m.metadata or m.metadata.get("validation_error") is True

    def _run_tip(self, anchor: Message) -> str:
        """The followed run's latest message: from its request down its agent's responses (bounded)."""
        tip = anchor
        for _ in range(len(self.forum)):
            step = None
            for c in reversed(self.forum.children(tip)):
                if self._continues_run(tip, c):
                    step = c
                    break
            if step is None:
                break
            tip = step
        return tip.id

    def _following_changed(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            self._run, self._run_agent, self._run_sample = None, "", 0
            return
        if self._tree is not None:
            self.follow_latest = False
            raise UsageError("this ChatView shows its TreeView's head: follow_latest is for a view made without a tree")
        self._start_following()

    def _tree_head_changed(self, change: dict[str, Any]) -> None:
        self.head_id = change["new"]

    def _tree_agents_changed(self, change: dict[str, Any]) -> None:
        self.agents = list(change["new"])

    def _head_changed(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if not self._moving and self.follow_latest:
            self.follow_latest = False  # a head set from outside (a switch, an edit, Python, the browser)
        if self._asker and not self._asker_step(change["old"], new):
            self._asker = ""  # moved elsewhere: stop following the agent answered
        tree = self._tree
        if tree is not None and tree.head_id != new:
            # moved here (an arrow, switch(), head_id set from Python or the browser): the tree moves too, so
            # the two never show different branches; its observer sets this view's head_id (unchanged now)
            tree.checkout(new or None)
        if new and new == self._stepping:
            return  # followed one step: the delta carries the new message
        self._show(new)

    def _asker_step(self, old: str, new: str) -> bool:
        """The head moved one step down to a message of the agent this view answered."""
        if not new or new not in self.forum:
            return False
        m = self.forum.get(new)
        return m.parent_id == old and m.sender == self._asker

    def flush(self) -> None:
        super().flush()
        if not self._alt_updates or self.forum.closed:
            return
        ids, self._alt_updates = self._alt_updates, set()
        out = {}
        for mid in ids:
            if mid in self._branch:
                alts = alternatives(self.forum, self.forum.get(mid))
                if alts != self._alts_sent.get(mid):
                    self._alts_sent[mid] = alts
                    out[mid] = alts
        if out:
            self._emit_custom({"kind": "alternatives", "alternatives": out})

    # -- browser messages ---------------------------------------------------------------------------------
    def _on_ready(self, content: dict[str, Any]) -> None:
        self._show(self.head_id)

    def _on_switch(self, content: dict[str, Any]) -> None:
        self.switch(self._message_arg(content))

    def _on_regenerate(self, content: dict[str, Any]) -> None:
        self.regenerate(self._message_arg(content))

    def _on_edit(self, content: dict[str, Any]) -> None:
        self.error = ""  # a problem reported again is a change the browser sees (its editor waits for one)
        self.edit(self._message_arg(content), content.get("text"))

    def _on_answer(self, content: dict[str, Any]) -> None:
        self.error = ""
        self.answer(self._message_arg(content), content.get("text"))

    def _on_follow(self, content: dict[str, Any]) -> None:
        on = content.get("on", True)
        if type(on) is not bool:
            raise UsageError(f"'on' from the browser must be true or false, not {on!r:.40}")
        self.follow_latest = on
        self.error = ""

    #: the browser messages a ChatView takes (docs/widget_protocol.md), and what handles each
    _browser_kinds = browser_kinds(
        LiveWidget._browser_kinds,
        {
            "ready": _on_ready,
            "switch": _on_switch,
            "regenerate": _on_regenerate,
            "edit": _on_edit,
            "answer": _on_answer,
            "follow": _on_follow,
        },
    )

    # -- actions ------------------------------------------------------------------------------------------
    @property
    def head(self) -> Message | None:
        return self.forum.get(self.head_id) if self.head_id else None

    def switch(self, message: Any) -> Message:
        """Show the branch of ``message`` (e.g. an alternative of a message shown): the head becomes its most recent
        descendant, following the last-stored child down. A linked TreeView is checked out there too; an unlinked
        view stops following the latest run. Returns the new head."""
        if isinstance(message, Message):
            leaf = self.forum.get(message.id)  # a message of this forum (never stores another forum's)
        else:
            leaf = self.forum.get(resolve_ref(self.forum, message) or "")
        for _ in range(len(self.forum)):  # bounded: ids are content hashes, so a branch cannot loop
            children = self.forum.children(leaf)
            if not children:
                break
            leaf = children[-1]
        if self._tree is not None:
            self._tree.checkout(leaf)  # its observer moves this view
        else:
            self.head_id = leaf.id
        self.error = ""
        return leaf

    def regenerate(self, message: Any) -> MessageSequence:
        """Ask the agent that wrote ``message`` for its next sample (through the linked TreeView, which must have
        that agent): a sibling answer, which the tree's head and this view follow."""
        if self._tree is None:
            raise UsageError("regenerate asks a linked TreeView's agent: make the view with ChatView(head=tree)")
        self.error = ""
        return self._tree.regenerate(message)

    def edit(self, message: Any, text: Any) -> Message:
        """A sibling of ``message`` with ``text`` instead of its content (``forum.edit``), and its branch shown.

        Linked to a TreeView, this is the tree's :meth:`TreeView.edit`: the edit is selected and checked out, and
        when one of the tree's agents answered the original (the sender of its first child), that agent is asked
        again on the edit; its answer streams in here as the tree's head follows it. Unlinked, the head moves to
        the edit (and follows what is stored under it). The same text changes nothing: the original is returned
        and the branch stays as it is."""
        check_text(text, "edit needs some text: type the new version of the message")
        original = self.forum.resolve(message, "message")
        if original.kind == "message" and text == original.content:
            self.error = ""
            return original
        if self._tree is not None:
            edited = self._tree.edit(original, text)  # its head moves: this view follows (an observer)
        else:
            edited = self.forum.edit(original, text)
            self.head_id = edited.id
        self.error = ""
        return edited

    def answer(self, question: Any, text: Any) -> Message:
        """Answer a question an agent is waiting on (``ctx.ask``): ``text`` is posted as a user message under it
        (through the linked TreeView's :meth:`TreeView.answer` when there is one), the view moves to the answer
        and follows the agent's next responses under it. A question that was answered already and is not waiting
        any more is refused (post under it with ``forum.post(text, parent=question)`` to add another answer), as is
        a message no agent waits on (the rule: ``notebook/_questions.py``)."""
        q = check_answer(self.forum, question, text).message
        tree = self._tree
        if tree is not None:
            reply = tree.answer(q, text)
            tree.head_id = reply.id  # this view follows (an observer); the tree keeps following what it followed
            self._asker = q.sender if q.sender != "user" else ""  # then the agent's next responses, under the answer
        else:
            reply = self.forum.post(text, parent=q, sender="user")
            self.head_id = reply.id  # already there when the head was the question (followed)
        self.error = ""
        return reply

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """(sender, text) for each message of the branch (stored messages only)."""
        return [(m.sender, m.content) for m in (self.forum.history(self.head_id) if self.head_id else [])]

    def close(self) -> None:
        tree: TreeView | None = getattr(self, "_tree", None)  # None also when __init__ failed before setting it
        if not getattr(self, "_af_closed", False) and tree is not None:
            tree.unobserve(self._tree_head_changed, names="head_id")
            tree.unobserve(self._tree_agents_changed, names="agents")
        super().close()


__all__ = ["ChatView"]
