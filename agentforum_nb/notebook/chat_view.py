"""``ChatView``: one branch as a live transcript."""

from __future__ import annotations

from typing import Any

import traitlets as t

from ..forum import Forum, ForumEvent, default_forum
from ..messages import Message
from ._tracker import TreeTracker
from ._widget import LiveWidget, esm, resolve_ref
from .tree_view import TreeView


class ChatView(LiveWidget):
    """The branch ending at ``head`` as a transcript (sender, text), streaming live.

    ``head`` may be a message, an id, a finished promise/sequence, or a :class:`TreeView` to follow its head.
    When a new message is stored under the head (an agent answering), the view follows it.
    """

    _esm = esm("chat.js")
    _browser_ids = ("head_id",)
    head_id = t.Unicode("").tag(sync=True)

    def __init__(self, forum: Forum | None = None, head: Any = None) -> None:
        forum = forum if forum is not None else default_forum()
        self._tree: TreeView | None = None
        if isinstance(head, TreeView):
            self._tree = head
            head = head.head_id
        super().__init__(head_id=resolve_ref(forum, head))
        self._branch: set[str] = set()
        self._unfollow = forum.subscribe(self._follow)  # before the tracker: it sees the moved head
        self._start_tracking(
            forum, TreeTracker(forum, self._include, self._changed, accept_roots=False, full_text=True)
        )
        self._reset_branch()
        if self._tree is not None:
            self._tree.observe(self._tree_head_changed, names="head_id")
        self.observe(self._head_changed, names="head_id")

    def _reset_branch(self) -> None:
        self._branch = {m.id for m in self.forum.history(self.head_id)} if self.head_id else set()

    def _include(self, m: Message) -> bool:
        return m.id in self._branch

    def _follow(self, ev: ForumEvent) -> None:
        m = ev.message
        if ev.kind == "message" and m is not None and self.head_id and m.parent_id == self.head_id:
            self._branch.add(m.id)
            self.set_trait("head_id", m.id)

    def _tree_head_changed(self, change: dict[str, Any]) -> None:
        self.head_id = change["new"]

    def _head_changed(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if new and new in self._branch and change["old"] and self.forum.get(new).parent_id == change["old"]:
            return  # followed one step: the delta carries the new message
        self._reset_branch()
        self._emit_custom(self._tracker.snapshot(self.forum.history(new) if new else []))

    def _on_ready(self, content: dict[str, Any]) -> None:
        self._emit_custom(self._tracker.snapshot(self.forum.history(self.head_id) if self.head_id else []))

    @property
    def transcript(self) -> list[tuple[str, str]]:
        """(sender, text) for each message of the branch (stored messages only)."""
        return [(m.sender, m.content) for m in (self.forum.history(self.head_id) if self.head_id else [])]

    def close(self) -> None:
        tree: TreeView | None = getattr(self, "_tree", None)  # None also when __init__ failed before setting it
        if not getattr(self, "_af_closed", False) and tree is not None:
            tree.unobserve(self._tree_head_changed, names="head_id")
        super().close()


__all__ = ["ChatView"]
