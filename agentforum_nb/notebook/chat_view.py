"""``ChatView``: one branch as a live transcript."""

from __future__ import annotations

from typing import Any

import traitlets as t

from ..errors import UsageError
from ..forum import Forum, ForumEvent, LiveStream, default_forum
from ..messages import Message
from ..streams import MessageSequence
from ._questions import check_answer
from ._text import check_text
from ._tracker import TreeTracker
from ._widget import LiveWidget, browser_kinds, esm, resolve_ref
from .tree_view import TreeView


class ChatView(LiveWidget):
    """The branch ending at ``head`` as a transcript (sender, text), streaming live.

    ``head`` may be a message, an id, a finished promise/sequence, or a :class:`TreeView`. Linked to a TreeView,
    the view always shows the tree's head branch (the tree decides what to follow: the answers of its branch and
    regenerate calls), and the view's own moves (the branch arrows, :meth:`switch`, setting ``head_id``) check
    the tree out at the same message. Unlinked, when a new message is stored under the head (an agent
    answering), the view follows it.

    A message whose parent has several children shows ``‹ 2/3 ›`` arrows; an arrow (or :meth:`switch`) shows
    that sibling's branch, down to its most recent message. "regenerate" asks the linked TreeView's agent again
    (:meth:`regenerate`); "edit" makes an edited sibling of a message and shows its branch (:meth:`edit`); a
    question an agent is waiting on (``ctx.ask``) has an answer box (:meth:`answer`), and the view follows on to
    the answer and the agent's next responses.
    """

    _esm = esm("chat.js")
    _browser_ids = ("head_id",)
    _browser_readonly = frozenset({"agents"})
    head_id = t.Unicode("").tag(sync=True)
    #: senders whose messages "regenerate" can ask again: the linked TreeView's agents
    agents = t.List(t.Unicode()).tag(sync=True)

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
        super().__init__(head_id=resolve_ref(forum, head), agents=list(tree.agents) if tree is not None else [])
        self._branch: set[str] = set()  # ids of the messages shown (the head's history)
        self._under: dict[str, str] = {}  # parent id -> the branch's message under it (whose siblings are sent)
        self._sibling_updates: set[str] = set()  # branch messages whose siblings changed since the last flush
        self._live: dict[str, LiveStream] = {}  # key -> StreamHandle: every response streaming in the forum
        self._stepping = ""  # the message an unlinked view is following one step down to
        self._asker = ""  # linked: the agent whose question this view answered, followed under the answer
        self._unfollow = forum.subscribe(self._follow)  # before the tracker: it sees the moved head
        self._start_tracking(
            forum, TreeTracker(forum, self._include, self._changed, accept_roots=False, full_text=True)
        )
        self._set_branch(self.forum.history(self.head_id) if self.head_id else [])
        if tree is not None:
            tree.observe(self._tree_head_changed, names="head_id")
            tree.observe(self._tree_agents_changed, names="agents")
        self.observe(self._head_changed, names="head_id")

    # -- what is shown ------------------------------------------------------------------------------------
    def _set_branch(self, history: list[Message]) -> None:
        self._branch = {m.id for m in history}
        self._under = {m.parent_id: m.id for m in history if m.parent_id is not None}
        self._sibling_updates = set()

    def _include(self, m: Message) -> bool:
        return m.id in self._branch

    def _siblings(self, m: Message) -> list[str]:
        """The children of ``m``'s parent (``m`` among them), in first-stored order."""
        return [c.id for c in self.forum.children(m.parent_id)] if m.parent_id is not None else []

    def _show(self, head: str) -> None:
        """Send the whole branch ending at ``head`` (a snapshot with the siblings of each message)."""
        history = self.forum.history(head) if head else []
        self._set_branch(history)
        self._adopt_streams()
        snap = self._tracker.snapshot(history)
        snap["siblings"] = {m.id: self._siblings(m) for m in history if m.parent_id is not None}
        self._emit_custom(snap)

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

    # -- following ----------------------------------------------------------------------------------------
    def _follow(self, ev: ForumEvent) -> None:
        if ev.kind == "stream-start" and ev.stream is not None:
            self._live[ev.stream.key] = ev.stream
            return
        if ev.kind == "stream-end" and ev.stream is not None:
            self._live.pop(ev.stream.key, None)
            return
        m = ev.message
        if ev.kind != "message" or m is None:
            return
        if ev.stream is not None:
            self._live.pop(ev.stream.key, None)
            for h in self._live.values():  # a response that followed this stream now follows its message
                if h.parent == ev.stream.key:
                    h.parent = m.id
        shown_sibling = self._under.get(m.parent_id) if m.parent_id is not None else None
        if shown_sibling is not None:  # another branch grew next to the one shown: its arrows count one more
            self._sibling_updates.add(shown_sibling)
            self._changed()
        tree = self._tree
        if tree is not None and not (self._asker and m.sender == self._asker and tree.head_id == self.head_id):
            return  # linked: the tree decides what to follow (this view follows the agent it answered)
        if self.head_id and m.parent_id == self.head_id:
            self._branch.add(m.id)
            self._under[self.head_id] = m.id
            self._sibling_updates.add(m.id)
            self._changed()
            self._stepping = m.id
            try:
                if tree is not None:
                    tree.head_id = m.id  # its observer moves this view (one step: the delta carries it)
                else:
                    self.head_id = m.id
            finally:
                self._stepping = ""

    def _tree_head_changed(self, change: dict[str, Any]) -> None:
        self.head_id = change["new"]

    def _tree_agents_changed(self, change: dict[str, Any]) -> None:
        self.agents = list(change["new"])

    def _head_changed(self, change: dict[str, Any]) -> None:
        new = change["new"]
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
        if not self._sibling_updates or self.forum.closed:
            return
        ids, self._sibling_updates = self._sibling_updates, set()
        out = {}
        for mid in ids:
            if mid in self._branch:
                out[mid] = self._siblings(self.forum.get(mid))
        if out:
            self._emit_custom({"kind": "siblings", "siblings": out})

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

    #: the browser messages a ChatView takes (docs/widget_protocol.md), and what handles each
    _browser_kinds = browser_kinds(
        LiveWidget._browser_kinds,
        {
            "ready": _on_ready,
            "switch": _on_switch,
            "regenerate": _on_regenerate,
            "edit": _on_edit,
            "answer": _on_answer,
        },
    )

    # -- actions ------------------------------------------------------------------------------------------
    @property
    def head(self) -> Message | None:
        return self.forum.get(self.head_id) if self.head_id else None

    def switch(self, message: Any) -> Message:
        """Show the branch of ``message`` (e.g. a sibling of a message shown): the head becomes its most recent
        descendant, following the last-stored child down. A linked TreeView is checked out there too.
        Returns the new head."""
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
