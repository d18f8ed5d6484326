"""The widget base of the notebook layer: a tracker of forum events and a throttled flush of deltas."""

from __future__ import annotations

import asyncio
import base64
import logging
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

import anywidget
import traitlets as t

from ..errors import AgentForumError, AttachmentNotFound, MessageNotFound, UsageError
from ..forum import Forum, ForumEvent
from ..messages import Message, is_message_id
from ..nodes import full_message
from ._cells import busy_cell_notice, watch_cells
from ._loop import LoopHandoff
from ._questions import waiting_question
from ._refresh import Refresher, refresher
from ._text import MAX_TEXT
from ._tracker import TreeTracker

__all__ = [
    "FLUSH_INTERVAL",
    "MAX_TEXT",
    "STATIC",
    "BrowserHandler",
    "BrowserWidget",
    "LiveWidget",
    "browser_kinds",
    "esm",
    "message_arg",
    "resolve_ref",
]

log = logging.getLogger("agentforum_nb")
STATIC = Path(__file__).resolve().parent.parent / "static"
#: seconds between kernel->browser updates of a widget: at most 16 a second, so that even with the network's
#: jitter bunching them a browser sees no more than 20 in any second
FLUSH_INTERVAL = 0.0625

_FALLBACK_ESM = """
export default { render({ model, el }) {
  el.textContent = "agentforum_nb: the widget bundle is missing; rebuild it with `npm run build` in js/";
} };
"""


def esm(name: str) -> Any:
    path = STATIC / name
    return path if path.exists() else _FALLBACK_ESM


#: what handles one kind of browser message: called with the widget and the message (a dict with that "kind")
BrowserHandler = Callable[[Any, dict[str, Any]], None]


def browser_kinds(*tables: Mapping[str, BrowserHandler]) -> Mapping[str, BrowserHandler]:
    """A widget's fixed table of browser message kinds (later tables add to or override earlier ones), read-only."""
    merged: dict[str, BrowserHandler] = {}
    for table in tables:
        merged.update(table)
    return MappingProxyType(merged)


class BrowserWidget(anywidget.AnyWidget):
    """Messages from the browser, for every widget: each is ``{"kind": ..., ...}`` and is handled by the entry of
    the widget's fixed table ``_browser_kinds`` (kind -> handler), on the kernel's event loop. A kind not in the
    table, a malformed message, or a problem a handler raises (an ``af.*`` error) is reported in the widget's
    error area (the ``error`` trait) and the log; nothing else is ever called and nothing raises into the kernel."""

    error = t.Unicode("").tag(sync=True)

    #: kind -> handler: the browser messages this widget takes (a subclass builds its own with browser_kinds())
    _browser_kinds: ClassVar[Mapping[str, BrowserHandler]] = browser_kinds()

    def _listen_to_browser(self) -> None:
        self._handoff = LoopHandoff()  # browser messages are handled on the loop this widget was made on
        self.on_msg(self._receive)

    def _receive(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """The comm's callback (any thread): hands the message to the event loop."""
        self._handoff.run(self._dispatch, content)

    def _dispatch(self, content: Any) -> None:
        try:
            if not isinstance(content, dict) or not isinstance(content.get("kind"), str):
                raise UsageError(f"malformed message from the browser: {content!r:.200}")
            kind = content["kind"]
            handler = self._browser_kinds.get(kind)
            if handler is None:
                raise UsageError(
                    f"unknown message kind {kind!r:.60} from the browser: a {type(self).__name__} takes "
                    f"{', '.join(sorted(self._browser_kinds))}"
                )
            handler(self, content)
        except AgentForumError as exc:
            self._report(str(exc))
        except Exception as exc:
            log.exception("agentforum_nb widget callback failed")
            self._report(f"{type(exc).__name__}: {exc}")

    def _report(self, text: str) -> None:
        """Show a problem in the widget's error area (and the log); never raise into the kernel."""
        log.warning("agentforum_nb widget: %s", text)
        self.error = text


class LiveWidget(BrowserWidget):
    """Shared plumbing: a tracker of forum events and a throttled flush of deltas to the browser."""

    def _start_tracking(self, forum: Forum, tracker: TreeTracker) -> None:
        self.forum = forum
        self._tracker = tracker
        self._flush_handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self.messages_sent = 0  # kernel -> browser custom messages (for tests and benchmarks)
        self._listen_to_browser()
        self._unwatch = forum.subscribe(self._question_started) if watch_cells() else None
        self._refresher: Refresher | None = None
        if forum.shared:  # other processes may grow it: look for their messages about twice a second
            self._refresher = refresher(forum)
            self._refresher.acquire()

    def refresh(self) -> int:
        """Show what other processes stored in a shared forum since it last looked (``forum.refresh()``; views
        of SQLite and PostgreSQL forums do this on their own about twice a second). Returns how many."""
        return len(self.forum.refresh())

    def _question_started(self, ev: ForumEvent) -> None:
        """A question starts waiting while a cell runs: say that the widget's answer waits for the cell (in the
        running cell's output, and in the widget when it has a notice area)."""
        if ev.kind != "annotated" or ev.message is None:
            return
        if waiting_question(self.forum, ev.message, ev.annotations or {}) is None:
            return
        text = busy_cell_notice(ev.message.id, ev.message.sender, ev.message.content)
        if text is None:
            return
        print(f"agentforum_nb: {text}", file=sys.stderr)
        if self.has_trait("notice"):
            self.set_trait("notice", text)

    def _changed(self) -> None:
        if self._flush_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        delay = max(0.0, self._last_flush + FLUSH_INTERVAL - loop.time())
        self._flush_handle = loop.call_later(delay, self._timer_flush)

    def _timer_flush(self) -> None:
        self._flush_handle = None
        self.flush()
        if self._tracker.has_live_streams():  # token text is polled, not pushed per token
            self._changed()

    def flush(self) -> None:
        """Send what changed since the last update (called automatically, at most ~20 times a second)."""
        delta = self._tracker.delta()
        try:
            self._last_flush = asyncio.get_running_loop().time()
        except RuntimeError:
            pass
        if delta is not None:
            self._emit_custom(delta)

    def _emit_custom(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.messages_sent += 1
        self.send(content, buffers)

    #: traits the browser may set, each a message id of this forum or ""
    _browser_ids: tuple[str, ...] = ()

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """A trait update from the browser: checked like the custom messages are (an unknown id is refused and
        reported in the widget, never stored), so the kernel side never holds a state it cannot show. Applied
        on the kernel's event loop, whichever thread delivered it."""
        handoff: LoopHandoff | None = getattr(self, "_handoff", None)
        if handoff is None:
            self._set_state_now(sync_data)
        else:
            handoff.run(self._set_state_now, sync_data)

    def _set_state_now(self, sync_data: dict[str, Any]) -> None:
        ok = {}
        for key, value in sync_data.items():
            if key in self._browser_ids:
                problem = self._id_problem(value)
                if problem is not None:
                    self._report(f"the browser set {key} to {value!r:.80}: {problem}; kept {getattr(self, key)!r:.20}")
                    continue
            elif key in self._browser_readonly:
                self._report(f"the browser tried to set {key!r:.40}, which only the kernel sets")
                continue
            ok[key] = value
        if ok:
            super().set_state(ok)

    #: synced traits that only the kernel sets
    _browser_readonly: frozenset[str] = frozenset()

    def _id_problem(self, value: Any) -> str | None:
        if value == "":
            return None
        if not is_message_id(value):
            return "not a message id"
        if value not in self.forum:
            return "no such message in this forum"
        return None

    def _message_arg(self, content: dict[str, Any], key: str = "id") -> Message:
        return message_arg(self.forum, content, key)

    def _on_get_message(self, content: dict[str, Any]) -> None:
        msg = self._message_arg(content)
        reply: dict[str, Any] = {
            "kind": "message",
            "request_id": content.get("request_id"),
            "message": full_message(msg),
            "annotations": self.forum.store.annotations(msg.id),
        }
        if msg.kind == "error":
            tb = self._traceback_of(msg)
            if tb:
                reply["traceback"] = tb
        self._emit_custom(reply)

    def _on_get_attachment(self, content: dict[str, Any]) -> None:
        """The bytes of an attachment (base64), for a view that shows it: ``{"kind": "attachment", "request_id",
        "sha256", "data"}``. The browser shows them only as an image or a download, never as HTML."""
        sha = content.get("sha256")
        if not isinstance(sha, str):
            raise UsageError(f"'sha256' from the browser is not an attachment's hash: {sha!r:.80}")
        try:
            data = self.forum.attachment(sha)
        except AttachmentNotFound:
            raise UsageError(f"the browser asked for attachment {sha[:12]}…, which is not in this forum") from None
        reply = {"kind": "attachment", "request_id": content.get("request_id"), "sha256": sha}
        self._emit_custom({**reply, "data": base64.b64encode(data).decode("ascii")})

    def _traceback_of(self, error: Message) -> str:
        """The formatted exception behind an error message, while it is alive in this kernel (calls this widget
        started), else ``""``."""
        for seq in self._live_calls():
            failure = seq.failure
            if (
                failure is not None
                and failure.cause is not None
                and failure.message is not None
                and failure.message.id == error.id
            ):
                return "".join(traceback.format_exception(failure.cause))
        return ""

    def _live_calls(self) -> list[Any]:
        """The sequences of the calls this widget started (a subclass keeps them)."""
        return []

    _browser_kinds = browser_kinds({"get-message": _on_get_message, "get-attachment": _on_get_attachment})

    def close(self) -> None:
        if getattr(self, "_af_closed", False):
            return
        self._af_closed = True
        for name in ("_unfollow", "_unwatch"):  # a subclass's own forum subscription; the question watch
            unsubscribe = getattr(self, name, None)
            if unsubscribe is not None:
                unsubscribe()
        tracker = getattr(self, "_tracker", None)
        if tracker is not None:
            tracker.close()
        shared = getattr(self, "_refresher", None)
        if shared is not None:
            shared.release()
        handle = getattr(self, "_flush_handle", None)
        if handle is not None:
            handle.cancel()
            self._flush_handle = None
        super().close()


def message_arg(forum: Forum, content: dict[str, Any], key: str = "id") -> Message:
    """The message of ``forum`` that the browser message ``content`` names under ``key``, or an ``af.UsageError``."""
    value = content.get(key)
    if not is_message_id(value):
        raise UsageError(f"{key!r} from the browser is not a message id: {value!r:.80}")
    try:
        return forum.get(value)
    except MessageNotFound:
        raise UsageError(f"the browser referred to message {value[:12]}…, which is not in this forum") from None


def resolve_ref(forum: Forum, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Message):
        return forum.resolve(value, "head").id
    if isinstance(value, str):
        return forum.get(value).id
    msg: Message | None = value.settled_message() if hasattr(value, "settled_message") else None
    if msg is None:
        raise UsageError(f"head must be a Message, a message id or a finished promise/sequence, not {value!r:.80}")
    return msg.id
