"""``Forum``: a tree of messages in a store, plus the host of agent runs.

The tree API (post, get, history, children, forward, export/import, graphviz) is synchronous and lives here;
agent calls attach their tasks to the forum so ``aclose()`` can cancel and await them.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._context import current_sender
from .errors import AgentForumError, IntegrityError, InvalidMessageError, MessageNotFound, UsageError
from .messages import Message, is_message_id
from .store import MemoryStore, SQLiteStore, Store

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["Forum", "ForumEvent"]

log = logging.getLogger("agentforum_nb")
MessageRef = Any  # Message | str | MessagePromise | MessageSequence


class ForumEvent:
    """Something happened in a forum: ``kind`` is ``"message"`` (a message was stored), ``"stream-start"``
    (a response started streaming: ``stream`` is its live handle) or ``"stream-end"``."""

    __slots__ = ("kind", "message", "stream")

    def __init__(self, kind: str, message: Message | None = None, stream: Any = None) -> None:
        self.kind = kind
        self.message = message
        self.stream = stream

    def __repr__(self) -> str:
        return f"ForumEvent({self.kind!r}, message={self.message!r})"


class Forum:
    """A conversation tree of immutable messages, and the runtime home of agent calls.

    ``Forum()`` keeps everything in memory; ``Forum("chat.sqlite")`` opens (or creates) a persistent SQLite
    file; any :class:`agentforum_nb.store.Store` can be passed too. ``cache=False`` turns response caching off
    for every call in this forum.
    """

    def __init__(self, store: Store | str | os.PathLike | None = None, *, cache: bool = True) -> None:
        if store is None:
            store = MemoryStore()
        elif isinstance(store, (str, os.PathLike)):
            store = SQLiteStore(store)
        elif not isinstance(store, Store):
            raise UsageError(f"store must be None, a path, or a Store implementation, not {type(store).__name__}")
        if not isinstance(cache, bool):
            raise UsageError(f"cache must be True or False, not {cache!r}")
        self._store: Store = store
        self.cache_enabled = cache
        self._closed = False
        self._listeners: list[Callable[[ForumEvent], None]] = []
        # runtime state (owned by agentforum_nb.calls)
        self._runs: set[Any] = set()
        self._inflight: dict[str, Any] = {}
        self._cache_stats = {"hits": 0, "misses": 0, "stores": 0, "repairs": 0}
        self._chunks: dict[str, list[str]] = {}

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self._store

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise UsageError("this forum is closed (aclose() was called); open a new Forum to go on")

    async def aclose(self) -> None:
        """Cancel every running call started in this forum, wait for them to finish, and close the store."""
        if self._closed:
            return
        runs = list(self._runs)
        for run in runs:
            run.cancel()
        for run in runs:
            await run.wait_closed()
        self._closed = True
        self._store.close()

    async def __aenter__(self) -> "Forum":
        self._check_open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        where = f" {str(self._store.path)!r}" if isinstance(self._store, SQLiteStore) else ""
        try:
            state = " closed" if self._closed else f" {len(self)} messages"
        except AgentForumError:
            state = " (store closed)"
        return f"<Forum{where}{state}>"

    # -- events -------------------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[ForumEvent], None]) -> Callable[[], None]:
        """Call ``listener(event)`` for every :class:`ForumEvent`; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            try:
                self._listeners.remove(listener)
            except ValueError:
                pass

        return unsubscribe

    def _emit(self, event: ForumEvent) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken widget must not break posting; it is reported, not swallowed
                log.exception("agentforum_nb: forum listener %r failed on %r", listener, event)

    # -- reading ------------------------------------------------------------------------------------------
    def get(self, message_id: str) -> Message:
        """The message with this id; :class:`MessageNotFound` (a ``KeyError``) when unknown."""
        self._check_open()
        msg = self._store.get(message_id) if type(message_id) is str else None
        if msg is None:
            raise MessageNotFound(message_id)
        return msg

    def __contains__(self, item: object) -> bool:
        self._check_open()
        if isinstance(item, Message):
            item = item.id
        return type(item) is str and item in self._store

    def __len__(self) -> int:
        self._check_open()
        return len(self._store)

    def __iter__(self) -> Iterator[Message]:
        self._check_open()
        return iter(self._store)

    def history(self, message: MessageRef) -> list[Message]:
        """The branch from its root to ``message`` (inclusive), in order. Iterative: any depth works."""
        mid = self._id_of(message, "message")
        try:
            out = self._store.history(mid)
        except KeyError as exc:
            raise IntegrityError(f"the branch of {mid[:12]} is broken: ancestor {exc.args[0]!r} is missing") from None
        if out is None:
            raise MessageNotFound(mid)
        return out

    def children(self, message: MessageRef) -> list[Message]:
        """Direct children of ``message``, in the order they were first stored."""
        mid = self._id_of(message, "message")
        if mid not in self._store:
            raise MessageNotFound(mid)
        return self._store.children(mid)

    def roots(self) -> list[Message]:
        """Messages with no parent, in the order they were first stored."""
        self._check_open()
        return self._store.roots()

    # -- writing ------------------------------------------------------------------------------------------
    def post(self, content: str, *, parent: MessageRef = None, sender: str | None = None,
             reply_to: MessageRef = None, metadata: dict[str, Any] | None = None) -> Message:
        """Store a complete message now and return it; an identical message returns the stored one.

        ``sender=None`` means the agent running this code, or ``"user"`` at top level.
        """
        self._check_open()
        if not isinstance(content, str):
            if isinstance(content, Message):
                raise UsageError("post() takes text; to put an existing message on another branch use "
                                 "forum.forward(message, to=parent)")
            raise InvalidMessageError(f"content must be a str, not {type(content).__name__}", key="content")
        pending: list[Message] = []  # foreign messages to adopt, stored only once the new message is valid
        parent_id = self._ref(parent, "parent", pending)
        reply_to_id = self._ref(reply_to, "reply_to", pending)
        msg = Message(content, sender=current_sender() if sender is None else sender, parent_id=parent_id,
                      reply_to_id=reply_to_id, metadata=metadata)
        for m in pending:
            self._store_message(m)
        return self._store_message(msg)

    def forward(self, message: MessageRef, *, to: MessageRef) -> Message:
        """Record ``message`` as a ``kind="forward"`` child of ``to`` (``None``: a new root)."""
        self._check_open()
        pending: list[Message] = []
        original = self._resolve(message, "message", pending)
        parent_id = self._ref(to, "to", pending)
        msg = Message(original.content, kind="forward", sender=current_sender(), parent_id=parent_id,
                      original_id=original.id, status=original.status)
        for m in pending:
            self._store_message(m)
        return self._store_message(msg)

    def add(self, message: Message) -> Message:
        """Store an existing :class:`Message` value (e.g. from another forum) as it is.

        Its parent, reply target and original must be here already (else :class:`MessageNotFound`).
        """
        self._check_open()
        if not isinstance(message, Message):
            raise UsageError(f"add() takes a Message, not {type(message).__name__}; use post() for text")
        return self._adopt(message)

    def _store_message(self, msg: Message, stream: Any = None) -> Message:
        stored = self._store.add(msg)
        if stored is not msg:  # already stored: same id
            if stored.content != msg.content or stored.metadata != msg.metadata or stored.sender != msg.sender \
                    or stored.status != msg.status or stored.kind != msg.kind:
                # the stored row does not match its id (it was corrupted); `msg` was just hashed: repair it
                log.warning("agentforum_nb: stored message %s… did not match its id; repaired", msg.id[:12])
                self._store.repair(msg)
                stored = msg
            if stream is None:
                return stored
        if self._listeners:
            self._emit(ForumEvent("message", stored, stream))
        return stored

    def _adopt(self, msg: Message, pending: list[Message] | None = None) -> Message:
        """Use a message value here: stored as it is when its references are here, else MessageNotFound.

        With ``pending``, a message that can be adopted is appended to it instead of being stored (the caller
        stores it once everything else it was given is valid: bad input leaves the forum unchanged).
        """
        stored = self._store.get(msg.id)
        if stored is not None:
            return stored
        if pending and msg in pending:
            return msg
        known = {m.id for m in pending} if pending else ()
        for name in ("parent_id", "reply_to_id", "original_id"):
            ref = getattr(msg, name)
            if ref is not None and ref not in known and ref not in self._store:
                raise MessageNotFound(ref, f"{name} of message {msg.id[:12]}, which is not in this forum either")
        msg.verify()
        if pending is not None:
            pending.append(msg)
            return msg
        return self._store_message(msg)

    # -- references ---------------------------------------------------------------------------------------
    def _id_of(self, ref: MessageRef, what: str) -> str:
        self._check_open()
        if isinstance(ref, Message):
            return ref.id
        if type(ref) is str:
            return ref
        msg = _settled_message(ref)
        if msg is not None:
            return msg.id
        raise UsageError(f"{what} must be a Message or a message id, not {type(ref).__name__}")

    def _resolve(self, ref: MessageRef, what: str, pending: list[Message] | None = None) -> Message:
        """A message of this forum (adopting a foreign Message value whose parent is here)."""
        if isinstance(ref, Message):
            return self._adopt(ref, pending)
        if type(ref) is str:
            msg = self._store.get(ref)
            if msg is None:
                raise MessageNotFound(ref, f"given as {what}")
            return msg
        msg = _settled_message(ref)
        if msg is not None:
            return self._adopt(msg, pending)
        raise UsageError(f"{what} must be a Message or a message id, not {type(ref).__name__} "
                         f"(await a promise or sequence first)")

    def _ref(self, ref: MessageRef, what: str, pending: list[Message] | None = None) -> str | None:
        if ref is None:
            return None
        if isinstance(ref, Message) and ref.id in self._store:  # the common case: a message of this forum
            return ref.id
        return self._resolve(ref, what, pending).id

    # -- integrity ------------------------------------------------------------------------------------------
    def verify(self) -> int:
        """Re-hash every stored message and check its references; returns how many were checked.

        Raises :class:`IntegrityError` listing every problem (its ``problems`` attribute) if any is found.
        """
        self._check_open()
        problems = []
        n = 0
        for msg in self._store:
            n += 1
            try:
                msg.verify()
            except IntegrityError as exc:
                problems.append(f"{msg.id}: {exc}")
                continue
            for name in ("parent_id", "reply_to_id", "original_id"):
                ref = getattr(msg, name)
                if ref is not None and ref not in self._store:
                    problems.append(f"{msg.id}: {name} {ref} is missing")
        if problems:
            err = IntegrityError(f"{len(problems)} problem(s) in the forum's store:\n" + "\n".join(problems[:20]))
            err.problems = problems  # type: ignore[attr-defined]
            raise err
        return n

    # -- export / import ----------------------------------------------------------------------------------
    def export_jsonl(self, path: str | os.PathLike, *, root: MessageRef = None) -> int:
        """Write every message (or the subtree under ``root``) as JSON lines; returns the count.

        Parents, reply targets and originals come before the messages that refer to them.
        """
        self._check_open()
        messages = self._ordered(self._subtree(root) if root is not None else list(self._store))
        tmp = Path(str(path) + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            for m in messages:
                f.write(json.dumps(m.to_dict(), ensure_ascii=False, separators=(",", ":")))
                f.write("\n")
        os.replace(tmp, path)
        return len(messages)

    def _ordered(self, messages: list[Message]) -> list[Message]:
        ids = {m.id for m in messages}
        done: set[str] = set()
        out: list[Message] = []
        pending = list(messages)
        while pending:
            deferred = []
            for m in pending:
                refs = [r for r in (m.parent_id, m.reply_to_id, m.original_id) if r is not None and r in ids]
                if all(r in done for r in refs):
                    out.append(m)
                    done.add(m.id)
                else:
                    deferred.append(m)
            if len(deferred) == len(pending):  # a cycle cannot happen with content addressing
                raise IntegrityError("cannot order messages for export: reference cycle")
            pending = deferred
        return out

    def import_jsonl(self, path: str | os.PathLike) -> int:
        """Import messages written by :meth:`export_jsonl`; returns how many were new.

        Every line is checked first (JSON, fields, id, references resolve in the file or the forum); on any bad
        line :class:`IntegrityError` names the line number and nothing from the file is stored.
        """
        self._check_open()
        parsed: list[tuple[int, Message]] = []
        by_id: dict[str, Message] = {}
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if not line.endswith("\n") and f.read(1) == "":
                    pass  # last line without newline: still parsed; truncated JSON fails below
                try:
                    data = json.loads(line)
                except ValueError as exc:
                    raise IntegrityError(f"line {lineno} of {str(path)!r} is not valid JSON ({exc}); "
                                         f"nothing was imported", line=lineno) from None
                if not isinstance(data, dict) or "id" not in data:
                    raise IntegrityError(f"line {lineno} of {str(path)!r} is not a message object with an id; "
                                         f"nothing was imported", line=lineno)
                try:
                    msg = Message.from_dict(data)
                except (InvalidMessageError, IntegrityError) as exc:
                    raise IntegrityError(f"line {lineno} of {str(path)!r}: {exc}; nothing was imported",
                                         line=lineno) from None
                parsed.append((lineno, msg))
                by_id[msg.id] = msg
        for lineno, msg in parsed:
            for name in ("parent_id", "reply_to_id", "original_id"):
                ref = getattr(msg, name)
                if ref is not None and ref not in by_id and ref not in self._store:
                    raise IntegrityError(f"line {lineno} of {str(path)!r}: {name} {ref} is neither in the file nor "
                                         f"in the forum; nothing was imported", line=lineno)
        new = [m for m in self._ordered([m for _, m in parsed]) if m.id not in self._store]
        self._store.add_many(new)
        if self._listeners:
            for m in new:
                self._emit(ForumEvent("message", m))
        return len(new)

    def _subtree(self, root: MessageRef) -> list[Message]:
        top = self._resolve(root, "root")
        out = [top]
        i = 0
        while i < len(out):
            out.extend(self._store.children(out[i].id))
            i += 1
        return out

    # -- drawing ------------------------------------------------------------------------------------------
    def tree_text(self, root: MessageRef = None, *, max_chars: int = 60) -> str:
        """The tree (or the subtree under ``root``) as indented text, one message a line."""
        self._check_open()
        tops = [self._resolve(root, "root")] if root is not None else self._store.roots()
        lines: list[str] = []
        stack: list[tuple[Message, str, bool, bool]] = [(m, "", i == len(tops) - 1, True)
                                                         for i, m in reversed(list(enumerate(tops)))]
        while stack:
            msg, prefix, last, top = stack.pop()
            text = " ".join(msg.content.split())
            text = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
            tag = "" if msg.kind == "message" else f" [{msg.kind}]"
            tag += "" if msg.status == "complete" else f" [{msg.status}]"
            branch = "" if top else ("└─ " if last else "├─ ")
            lines.append(f"{prefix}{branch}{msg.id[:8]} {msg.sender}{tag}: {text}")
            kids = self._store.children(msg.id)
            child_prefix = prefix if top else prefix + ("   " if last else "│  ")
            for i in range(len(kids) - 1, -1, -1):
                stack.append((kids[i], child_prefix, i == len(kids) - 1, False))
        return "\n".join(lines)

    def to_graphviz(self, root: MessageRef = None, *, max_chars: int = 40) -> "graphviz.Digraph":
        """The tree (or the subtree under ``root``) as a ``graphviz.Digraph`` (no Graphviz binary needed)."""
        self._check_open()
        from ._graphviz import build_digraph

        messages = self._subtree(root) if root is not None else list(self._store)
        return build_digraph(messages, max_chars=max_chars)

    # -- caching --------------------------------------------------------------------------------------------
    def cache_clear(self) -> int:
        """Forget every cached response (messages stay in the tree); returns how many entries were removed."""
        self._check_open()
        self._chunks.clear()
        return self._store.cache_clear()

    def cache_info(self) -> dict[str, Any]:
        """Cache statistics of this forum object: ``entries``, ``hits``, ``misses``, ``repairs``, ``inflight``."""
        self._check_open()
        return {"entries": len(self._store.cache_entries()), **self._cache_stats, "inflight": len(self._inflight)}

    def cache_entries(self) -> list[dict[str, Any]]:
        """Every cache entry: ``{"key", "agent", "response_ids"}`` (to see why an agent was or was not called)."""
        self._check_open()
        return [{"key": k, "agent": a, "response_ids": list(ids)} for k, a, ids in self._store.cache_entries()]

    def _cache_store(self, key: str, agent: str, ids: list[str]) -> None:
        if not self._closed:
            self._store.cache_put(key, ids, agent=agent)
            self._cache_stats["stores"] += 1

    def _remember_chunks(self, message_id: str, chunks: list[str]) -> None:
        """Keep a streamed message's chunks (bounded) so an in-process cache hit replays the same tokens."""
        chunks_map = self._chunks
        if len(chunks_map) >= 4096:
            chunks_map.pop(next(iter(chunks_map)))
        chunks_map[message_id] = chunks

    def _cache_lookup(self, key: str, parent_id: str | None) -> list[Any] | None:
        """Promises of the cached responses, or None (a miss). An unusable entry is deleted (repaired)."""
        from .streams import MessagePromise

        ids = self._store.cache_get(key)
        if ids is None:
            self._cache_stats["misses"] += 1
            return None
        out = []
        expected_parent = parent_id
        get_many = getattr(self._store, "get_many", None)
        batch = get_many([i for i in ids if is_message_id(i)]) if get_many is not None and len(ids) > 8 else None
        try:
            for mid in ids:
                if batch is not None:
                    msg = batch.get(mid)
                else:
                    msg = self._store.get(mid) if is_message_id(mid) else None
                if msg is None:
                    raise IntegrityError(f"cached response {mid!r} is missing")
                msg.verify()
                if msg.parent_id != expected_parent or msg.status != "complete" or msg.kind == "error":
                    raise IntegrityError(f"cached response {mid[:12]} does not continue the branch")
                expected_parent = msg.id
                out.append(MessagePromise.resolved(msg, self._chunks.get(msg.id)))
        except IntegrityError as exc:
            log.warning("agentforum_nb: cache entry %s… is unusable (%s); treating it as a miss", key[:12], exc)
            self._store.cache_delete(key)
            self._cache_stats["repairs"] += 1
            self._cache_stats["misses"] += 1
            return None
        self._cache_stats["hits"] += 1
        return out


def _settled_message(ref: Any) -> Message | None:
    """The message of a finished promise, or the last message of a finished sequence."""
    getter = getattr(ref, "_settled_message", None)
    return getter() if getter is not None else None


