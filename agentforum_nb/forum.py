"""``Forum``: a tree of immutable messages in a store, its events, its response cache, ``default_forum()``.

The tree API (post, get, history, children, forward, annotations) is synchronous and lives here; the forum's
files and pictures (JSONL export and import, text, DOT, HTML) are made by :mod:`agentforum_nb.export`, its events
are defined in :mod:`agentforum_nb.events` and the annotation values in :mod:`agentforum_nb.annotations`. The
forum knows nothing of agents or event loops: the runtime (a higher layer) keeps its running calls as a *service*
of the forum (:meth:`Forum.service`), which ``aclose()`` closes, and sets :data:`SENDER` while an agent's code
runs, so that ``forum.post()`` inside an agent is sent by that agent.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable

from . import export as _files
from ._canonical import freeze_trusted
from .annotations import RESERVED_ANNOTATIONS, check_annotations, json_equal, utc_now
from .attachments import Attachment, AttachmentRef, checked_bytes
from .cache import ResponseCache
from .errors import (
    AgentForumError,
    AttachmentNotFound,
    IntegrityError,
    InvalidMessageError,
    MessageNotFound,
    UsageError,
)
from .events import EventKind, ForumEvent, LiveStream, StreamText
from .messages import Message, is_message_id
from .results import ExperimentResult
from .store import (
    MemoryStore,
    SharedStore,
    SQLiteStore,
    Store,
    SupportsAttachments,
    SupportsGetMany,
    SupportsPrefix,
    SupportsScan,
    check_search,
)
from .store._experiments import SupportsExperiments

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = [
    "RESERVED_ANNOTATIONS",
    "SENDER",
    "EventKind",
    "Forum",
    "ForumEvent",
    "LiveStream",
    "MessageRef",
    "QuestionSource",
    "Service",
    "StreamText",
    "current_sender",
    "default_forum",
    "json_equal",
    "set_replayer",
    "utc_now",
]

log = logging.getLogger("agentforum_nb")
MessageRef = Any  # Message | str (an id) | MessagePromise | MessageSequence (anything with settled_message())
_PREFIX = re.compile("[0-9a-f]{6,64}")  # an id, or a prefix of one that is long enough to look it up

#: who is sending: the name of the agent whose code runs in this context (set by the runtime), else "user"
SENDER: contextvars.ContextVar[str] = contextvars.ContextVar("agentforum_nb.sender", default="user")


def current_sender() -> str:
    """The agent whose code is running here, or ``"user"`` outside any agent."""
    return SENDER.get()


_default_forum: Forum | None = None


def default_forum() -> Forum:
    """The in-memory forum used by top-level calls that name none (created on first use)."""
    global _default_forum
    if _default_forum is None or _default_forum.closed:
        _default_forum = Forum()
    return _default_forum


class Service(Protocol):
    """The per-forum state of a higher layer (:meth:`Forum.service`): ``aclose()`` is awaited when the forum
    closes."""

    async def aclose(self) -> None: ...


@runtime_checkable
class QuestionSource(Protocol):
    """A service that knows the questions (``ctx.ask``) its running calls wait on (:meth:`Forum.questions`)."""

    def waiting_questions(self) -> list[Message]: ...


SV = TypeVar("SV", bound=Service)


class Replayer(Protocol):
    """The runtime's replay (agentforum_nb.replay), which the forum calls without importing a higher layer."""

    def __call__(self, forum: Forum, message: Any, agents: Mapping[str, Any] | None) -> Awaitable[Message]: ...


_replayer: Replayer | None = None


def set_replayer(replayer: Replayer) -> None:
    """Used by the runtime layer to provide :meth:`Forum.replay`."""
    global _replayer
    _replayer = replayer


class Forum:
    """A conversation tree of immutable messages.

    ``Forum()`` keeps everything in memory; ``Forum("chat.sqlite")`` opens (or creates) a persistent SQLite
    file (``readonly=True``: an existing one, for reading only); ``Forum("postgresql://user@host/db")`` opens
    (or creates) a forum in a PostgreSQL database that many processes share; any
    :class:`agentforum_nb.store.Store` can be passed too. ``cache=False`` turns response caching off for every
    call in this forum.
    """

    def __init__(
        self, store: Store | str | os.PathLike[str] | None = None, *, cache: bool = True, readonly: bool = False
    ) -> None:
        if store is None:
            if readonly:
                raise UsageError("readonly=True opens an existing SQLite forum file: pass its path")
            store = MemoryStore()
        elif isinstance(store, str) and store.startswith(("postgresql://", "postgres://")):
            if readonly:
                raise UsageError(
                    "readonly=True applies to a SQLite file; to read a PostgreSQL forum without writing, connect "
                    "as a role that has only SELECT privileges"
                )
            try:
                from .store.postgres import PostgresStore  # imported here: psycopg only for PostgreSQL forums
            except ImportError as exc:
                raise UsageError(f"a PostgreSQL forum needs psycopg 3: {exc}") from None
            store = PostgresStore(store)
        elif isinstance(store, (str, os.PathLike)):
            store = SQLiteStore(store, readonly=readonly)
        elif readonly:
            raise UsageError("readonly=True applies to a SQLite path; open your store read-only yourself")
        elif not isinstance(store, Store):
            raise UsageError(f"store must be None, a path, or a Store implementation, not {type(store).__name__}")
        if not isinstance(cache, bool):
            raise UsageError(f"cache must be True or False, not {cache!r}")
        self._store: Store = store
        self._closed = False
        self._listeners: list[Callable[[ForumEvent], None]] = []
        self._services: dict[type[Service], Service] = {}
        self._capabilities: dict[type, bool] = {}  # which optional store protocols the store has (asked once)
        #: the response cache (entries in the store; in-flight runs, replay chunks and counters in this process)
        self.response_cache = ResponseCache(store, enabled=cache)

    # -- lifecycle ----------------------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        return self._store

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def cache_enabled(self) -> bool:
        """False when the forum was made with ``cache=False`` (which wins over every agent and call)."""
        return self.response_cache.enabled

    def check_open(self) -> None:
        """Raise :class:`UsageError` if the forum is closed."""
        if self._closed:
            raise UsageError("this forum is closed (aclose() was called); open a new Forum to go on")

    def service(self, kind: type[SV], factory: Callable[[Forum], SV]) -> SV:
        """The per-forum state of a higher layer, made by ``factory(forum)`` on first use (the runtime keeps its
        running calls here). ``aclose()`` awaits each service's ``aclose()``, newest first."""
        svc = self._services.get(kind)
        if svc is None:
            self.check_open()
            made = self._services[kind] = factory(self)
            return made
        return cast(SV, svc)  # stored under its own kind

    async def aclose(self) -> None:
        """Cancel every running call started in this forum, wait for them to finish, and close the store."""
        if self._closed:
            return
        for svc in reversed(list(self._services.values())):
            await svc.aclose()
        self._closed = True
        self._store.close()

    async def __aenter__(self) -> Forum:
        self.check_open()
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

    @property
    def has_listeners(self) -> bool:
        """Whether anything is subscribed (the runtime builds stream events only then)."""
        return bool(self._listeners)

    def emit(self, event: ForumEvent) -> None:
        """Call every listener with ``event`` (a failing listener is logged, never raised into the caller)."""
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken widget must not break posting; it is reported, not swallowed
                log.exception("agentforum_nb: forum listener %r failed on %r", listener, event)

    # -- reading ------------------------------------------------------------------------------------------
    def get(self, message_id: str) -> Message:
        """The message with this id, or with this unique prefix of at least 6 hex characters (as in git);
        :class:`MessageNotFound` (a ``KeyError``) when unknown or when a prefix is ambiguous (naming the matches)."""
        self.check_open()
        msg = self._store.get(message_id) if type(message_id) is str else None
        if msg is None:
            if type(message_id) is str and _PREFIX.fullmatch(message_id):
                return self._by_prefix(message_id, "message_id")
            raise MessageNotFound(message_id)
        return msg

    def _by_prefix(self, prefix: str, what: str) -> Message:
        """The one message whose id starts with ``prefix`` (6 to 63 lowercase hex characters)."""
        store = self._store
        if isinstance(store, SupportsPrefix):
            ids = store.ids_with_prefix(prefix, 11)
        else:
            ids = [m.id for m in store if m.id.startswith(prefix)][:11]
        if len(ids) == 1:
            msg = self._store.get(ids[0])
            if msg is not None:
                return msg
        if not ids:
            raise MessageNotFound(prefix, f"given as {what}: no message id starts with it")
        shown = ", ".join(i[:12] for i in ids[:10]) + (", ..." if len(ids) > 10 else "")
        raise MessageNotFound(
            prefix,
            f"given as {what}: ambiguous, {len(ids) if len(ids) <= 10 else 'over 10'} "
            f"ids start with it ({shown}); give more characters",
        )

    def __contains__(self, item: object) -> bool:
        self.check_open()
        if isinstance(item, Message):
            item = item.id
        return type(item) is str and item in self._store

    def __len__(self) -> int:
        self.check_open()
        return len(self._store)

    def __iter__(self) -> Iterator[Message]:
        self.check_open()
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
        self.check_open()
        return self._store.roots()

    @property
    def shared(self) -> bool:
        """Whether other processes can store messages here that :meth:`refresh` would find (SQLite, PostgreSQL)."""
        return isinstance(self._store, SharedStore)

    def has_changes(self) -> bool:
        """Whether :meth:`refresh` would find something, in one cheap query (``False`` when not :attr:`shared`):
        what a view checks on a timer."""
        self.check_open()
        store = self._store
        return isinstance(store, SharedStore) and bool(store.has_changes())

    def refresh(self) -> list[Message]:
        """The messages that other processes (or other forum objects) stored in this forum's store since it last
        looked (since it was opened, the first time), in first-stored order; each is also emitted as a
        ``message`` :class:`ForumEvent`. Messages this forum stored itself are not returned. ``[]`` for a store
        that nobody else can write (memory) or that cannot tell (not a :class:`~agentforum_nb.store.SharedStore`)."""
        self.check_open()
        store = self._store
        if not isinstance(store, SharedStore):
            return []
        new = store.poll()
        if new and self._listeners:
            notes = self._store.annotations_many(m.id for m in new)
            for m in new:
                self.emit(ForumEvent("message", m, None, notes.get(m.id, {})))
        return new

    # -- writing ------------------------------------------------------------------------------------------
    def post(
        self,
        content: str,
        *,
        parent: MessageRef = None,
        sender: str | None = None,
        reply_to: MessageRef = None,
        metadata: dict[str, Any] | None = None,
        attachments: Iterable[Attachment | AttachmentRef] = (),
    ) -> Message:
        """Store a complete message now and return it; an identical message returns the stored one.

        ``sender=None`` means the agent running this code, or ``"user"`` at top level. ``attachments``:
        :class:`~agentforum_nb.Attachment` objects (or descriptors of attachments stored here), whose bytes are
        stored once per content with the message.
        """
        self.check_open()
        given: object = content  # checked at run time: callers are not always type-checked
        if not isinstance(given, str):
            if isinstance(given, Message):
                raise UsageError(
                    "post() takes text; to put an existing message on another branch use "
                    "forum.forward(message, to=parent)"
                )
            raise InvalidMessageError(f"content must be a str, not {type(given).__name__}", key="content")
        pending: list[Message] = []  # foreign messages to adopt, stored only once the new message is valid
        parent_id = self._ref(parent, "parent", pending)
        reply_to_id = self._ref(reply_to, "reply_to", pending)
        msg = Message(
            content,
            sender=current_sender() if sender is None else sender,
            parent_id=parent_id,
            reply_to_id=reply_to_id,
            metadata=metadata,
            attachments=attachments,
        )
        if attachments and msg.attachments:
            self._check_attachments(msg)
        for m in pending:
            self.record(m)
        return self.record(msg)

    def forward(self, message: MessageRef, *, to: MessageRef) -> Message:
        """Record ``message`` as a ``kind="forward"`` child of ``to`` (``None``: a new root); it carries the
        original's text and attachments."""
        self.check_open()
        pending: list[Message] = []
        original = self._resolve(message, "message", pending)
        parent_id = self._ref(to, "to", pending)
        msg = Message(
            original.content,
            kind="forward",
            sender=current_sender(),
            parent_id=parent_id,
            original_id=original.id,
            status=original.status,
            attachments=original.attachments,
        )
        for m in pending:
            self.record(m)
        return self.record(msg)

    def add(self, message: Message) -> Message:
        """Store an existing :class:`Message` value (e.g. from another forum) as it is.

        Its parent, reply target and original must be here already (else :class:`MessageNotFound`); the bytes of
        its attachments are stored too, read from where the message came from (another forum that is still open,
        or the :class:`~agentforum_nb.Attachment` objects it was made with), else
        :class:`~agentforum_nb.AttachmentNotFound`.
        """
        self.check_open()
        if not isinstance(message, Message):
            raise UsageError(f"add() takes a Message, not {type(message).__name__}; use post() for text")
        return self._adopt(message)

    def record(
        self, msg: Message, stream: LiveStream | None = None, annotations: dict[str, Any] | None = None
    ) -> Message:
        """Store a message whose references are here (the runtime's responses) and emit its ``message`` event,
        with ``stream`` = the handle it streamed under; an identical stored message is returned instead.

        The message is annotated ``created_at`` (now) and with ``annotations`` (the runtime's: agent, timing),
        in the same write as the message itself."""
        if annotations is None:
            annotations = {"created_at": utc_now()}
        else:
            annotations["created_at"] = utc_now()
        if msg.attachments and not self._keeps_attachments():
            raise UsageError(f"{type(self._store).__name__} does not keep attachments: this message cannot be stored")
        stored = self._store.add(msg, annotations)
        if stored is not msg:  # already stored: same id
            if (
                stored.content != msg.content
                or stored.metadata != msg.metadata
                or stored.sender != msg.sender
                or stored.status != msg.status
                or stored.kind != msg.kind
            ):
                # the stored row does not match its id (it was corrupted); `msg` was just hashed: repair it
                log.warning("agentforum_nb: stored message %s… did not match its id; repaired", msg.id[:12])
                self._store.repair(msg)
                stored = msg
            if stream is None:
                return stored
        if self._listeners:
            self.emit(ForumEvent("message", stored, stream, annotations))
        return stored

    # -- annotations ----------------------------------------------------------------------------------------
    def annotations(self, message: MessageRef) -> Mapping[str, Any]:
        """What is known about a message, outside its id (read-only; ``{}`` when nothing): ``created_at``, the
        runtime's timing of responses, the user's labels. See :meth:`annotate`."""
        mid = self._known_id(message)
        return freeze_trusted(self._store.annotations(mid))  # type: ignore[no-any-return]

    def annotate(self, message: MessageRef, **values: Any) -> Mapping[str, Any]:
        """Merge ``values`` (JSON values; ``None`` removes a key) into a message's annotations and return them.

        Annotating changes no id, no message and no cache key. The names the library writes are reserved:
        ``created_at``, ``agent``, ``ttft_s``, ``duration_s``, ``tokens``, ``model``, ``usage``, ``finish_reason``
        (and, for the features that write them, ``sample``, ``edited_from``, ``awaiting``)."""
        reserved = sorted(RESERVED_ANNOTATIONS & set(values))
        if reserved:
            raise UsageError(
                f"annotation {reserved[0]!r} is written by the library; use another name "
                f"(reserved: {', '.join(sorted(RESERVED_ANNOTATIONS))})"
            )
        return self.write_annotations(message, values)

    def write_annotations(self, message: MessageRef, values: Mapping[str, Any]) -> Mapping[str, Any]:
        """:meth:`annotate` without the reserved-name check: the library's internal API for its own names."""
        mid = self._known_id(message)
        changes = check_annotations(values)
        merged = self._store.annotate(mid, changes)
        if self._listeners:
            self.emit(ForumEvent("annotated", self._store.get(mid), None, merged))
        return freeze_trusted(merged)  # type: ignore[no-any-return]

    def merge_annotation(self, message: Message, key: str, values: Mapping[str, Any]) -> None:
        """Merge ``values`` (JSON the library made) into the object annotation ``key`` of a stored message: the
        library's internal API for ``scores``."""
        current = self._store.annotations(message.id).get(key)
        merged = self._store.annotate(message.id, {key: {**current, **values} if isinstance(current, dict) else values})
        if self._listeners:
            self.emit(ForumEvent("annotated", message, None, merged))

    def append_annotation(self, message: Message, key: str, value: Any) -> None:
        """Add ``value`` (a JSON value the library made) to the list annotation ``key`` of a stored message, unless
        an equal value is in it already: the library's internal API for ``calls``."""
        current = self._store.annotations(message.id).get(key)
        items = list(current) if isinstance(current, (list, tuple)) else []
        for item in items:
            if item == value and json_equal(item, value):  # == first: it tells most entries apart in C
                return
        items.append(value)
        merged = self._store.annotate(message.id, {key: items})
        if self._listeners:
            self.emit(ForumEvent("annotated", message, None, merged))

    def _known_id(self, message: MessageRef) -> str:
        mid = self._id_of(message, "message")
        if mid not in self._store:
            raise MessageNotFound(mid)
        return mid

    # -- finding and comparing -------------------------------------------------------------------------------
    def search(
        self,
        text: str = "",
        *,
        sender: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        annotations: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> list[Message]:
        """Messages whose content contains ``text`` (case-insensitive: both case-folded; ``""`` matches every
        message), whose fields equal the given ones and whose annotations hold every key/value of
        ``annotations``; in first-stored order, at most ``limit``."""
        self.check_open()
        check_search(text, sender, kind, status)
        if annotations is not None and not isinstance(annotations, Mapping):
            raise UsageError(
                f"search annotations must be a mapping of annotation names to values (or None), "
                f"not {type(annotations).__name__}"
            )
        if limit is not None and (type(limit) is not int or limit < 0):
            raise UsageError(f"limit must be an int >= 0 or None, not {limit!r}")
        wanted = dict(annotations) if annotations else {}
        out: list[Message] = []
        if limit == 0:
            return out

        def take(batch: list[Message]) -> bool:
            notes = self._store.annotations_many(m.id for m in batch) if wanted else {}
            for m in batch:
                if wanted:
                    have = notes.get(m.id, {})
                    if not all(k in have and json_equal(have[k], v) for k, v in wanted.items()):
                        continue
                out.append(m)
                if limit is not None and len(out) >= limit:
                    return True
            return False

        batch: list[Message] = []
        for m in self._store.search(text, sender=sender, kind=kind, status=status):
            batch.append(m)
            if len(batch) >= 500:
                if take(batch):
                    return out
                batch = []
        take(batch)
        return out

    async def replay(self, message: MessageRef, *, agents: Mapping[str, Any] | None = None) -> Message:
        """Re-run the branch ending at ``message`` (API.md section 15): each user turn again, through the agent
        that answered it (its ``calls`` annotation), or ``agents[name]`` where given; unchanged agents are served
        from the cache. Returns the new branch's last message (``message`` itself when nothing changed)."""
        self.check_open()
        if _replayer is None:  # pragma: no cover - importing agentforum_nb loads the runtime, which sets it
            raise UsageError("replay needs the agent runtime: import agentforum_nb")
        return await _replayer(self, message, agents)

    # -- experiments (API.md section 14) ----------------------------------------------------------------------
    def experiments(self) -> list[str]:
        """The names of the experiments stored in this forum, in the order they were first run."""
        self.check_open()
        return self._experiment_store().experiment_names()

    def experiment(self, name: str, run: int = -1) -> ExperimentResult:
        """The table of an experiment's execution (``run``: which one, in the order they happened; -1 the latest),
        as stored: all the rows every process stored (shards), read without running anything."""
        self.check_open()
        store = self._experiment_store()
        if not isinstance(name, str):
            raise UsageError(f"an experiment's name is a str, not {type(name).__name__}")
        executions = store.experiment_executions(name)
        if not executions:
            known = ", ".join(repr(n) for n in store.experiment_names()) or "none"
            raise UsageError(f"no experiment named {name!r} in this forum (experiments: {known})")
        if type(run) is not int or not -len(executions) <= run < len(executions):
            raise UsageError(f"{name!r} has {len(executions)} execution(s): run must be 0..{len(executions) - 1} or -1")
        ex = executions[run]
        rows = store.experiment_rows(name, ex["execution"])
        return ExperimentResult.from_stored(self, name, ex["execution"], ex["spec"], rows)

    def experiment_executions(self, name: str) -> list[dict[str, Any]]:
        """The stored executions of ``name`` (the runtime's internal API: what can be reused)."""
        return self._experiment_store().experiment_executions(name)

    def experiment_rows(self, name: str, execution: int) -> list[dict[str, Any]]:
        """The stored rows of one execution (internal API; read-only)."""
        return self._experiment_store().experiment_rows(name, execution)

    def experiment_begin(self, name: str, fingerprint: str, spec: Any, shards: int, shard: int) -> int:
        """Begin (or, for a shard, join) an execution of ``name``; returns its number (internal API)."""
        self.check_open()
        return self._experiment_store().experiment_begin(name, fingerprint, spec, shards, shard, utc_now())

    def experiment_put(self, name: str, execution: int, row: Mapping[str, Any]) -> None:
        """Store one row of an execution (internal API)."""
        self._experiment_store().experiment_put(name, execution, row)

    def experiment_put_many(self, name: str, execution: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store many rows of an execution at once: one transaction in stores that have them (internal API)."""
        self._experiment_store().experiment_put_many(name, execution, rows)

    def get_many(self, ids: Iterable[str]) -> dict[str, Message]:
        """The stored messages among ``ids``, by id (one query in stores that batch lookups); ids not stored are
        left out. The library's internal API for reading many messages at once (an experiment's table)."""
        wanted = [i for i in dict.fromkeys(ids) if is_message_id(i)]
        store = self._store
        batch = self._capabilities.get(SupportsGetMany)
        if batch is None:
            batch = self._capabilities[SupportsGetMany] = isinstance(store, SupportsGetMany)
        if batch and len(wanted) > 1:
            return cast(SupportsGetMany, store).get_many(wanted)
        out = {}
        for i in wanted:
            m = store.get(i)
            if m is not None:
                out[i] = m
        return out

    def _experiment_store(self) -> SupportsExperiments:
        store = self._store
        known = self._capabilities.get(SupportsExperiments)
        if known is None:  # a protocol's isinstance is slow: asked once per forum
            known = self._capabilities[SupportsExperiments] = isinstance(store, SupportsExperiments)
        if not known:
            raise UsageError(f"{type(store).__name__} does not keep experiments (a store without that capability)")
        return cast(SupportsExperiments, store)

    def questions(self) -> list[Message]:
        """The questions (``ctx.ask``) that running calls are waiting on, oldest first."""
        self.check_open()
        out: list[Message] = []
        for svc in self._services.values():
            if isinstance(svc, QuestionSource):
                out.extend(svc.waiting_questions())
        return out

    def edit(self, message: MessageRef, content: str) -> Message:
        """A ``kind="message"`` sibling of ``message`` with ``content`` instead of its text (same parent, sender,
        reply target, metadata and attachments), annotated ``edited_from`` = the original's id; the same content
        returns ``message`` itself."""
        original = self.resolve(message, "message")
        given: object = content
        if not isinstance(given, str):
            raise InvalidMessageError(f"content must be a str, not {type(given).__name__}", key="content")
        if content == original.content and original.kind == "message":
            return original
        edited = Message(
            content,
            sender=original.sender,
            parent_id=original.parent_id,
            reply_to_id=original.reply_to_id,
            metadata=original.metadata,
            attachments=original.attachments,
        )
        if edited.id == original.id:
            return original
        return self.record(edited, None, {"edited_from": original.id})

    def common_ancestor(self, a: MessageRef, b: MessageRef) -> Message | None:
        """The last message on both branches (``a`` itself when ``b`` descends from it); ``None`` when they share
        no root."""
        ha, hb = self.history(a), self.history(b)
        last = None
        for x, y in zip(ha, hb, strict=False):
            if x.id != y.id:
                break
            last = x
        return last

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
        if msg.attachments:
            self._check_attachments(msg)
        if pending is not None:
            pending.append(msg)
            return msg
        return self.record(msg)

    # -- attachments ------------------------------------------------------------------------------------------
    def attachment(self, sha256: str) -> bytes:
        """The bytes of the attachment whose SHA-256 is ``sha256`` (a descriptor's ``sha256``), checked against it
        (:class:`IntegrityError` when the stored bytes were changed); :class:`~agentforum_nb.AttachmentNotFound`
        (a ``KeyError``) when this forum has none."""
        self.check_open()
        data = None
        if type(sha256) is str and self._keeps_attachments():
            data = cast(SupportsAttachments, self._store).read_attachment(sha256)
        if data is None:
            raise AttachmentNotFound(sha256)
        return checked_bytes(sha256, data)

    def _keeps_attachments(self) -> bool:
        known = self._capabilities.get(SupportsAttachments)
        if known is None:
            known = self._capabilities[SupportsAttachments] = isinstance(self._store, SupportsAttachments)
        return known

    def _check_attachments(self, msg: Message) -> None:
        """Refuse, before anything is stored, a message whose attachment bytes are neither here nor at hand."""
        if not self._keeps_attachments():
            raise UsageError(f"{type(self._store).__name__} does not keep attachments: this message cannot be stored")
        store = cast(SupportsAttachments, self._store)
        unread = [r for r in msg.attachments if r.source is None]
        stored = store.has_attachments([r.sha256 for r in unread]) if unread else set()
        for r in unread:
            if r.sha256 not in stored:
                raise AttachmentNotFound(
                    r.sha256,
                    f"an attachment of message {msg.id[:12]}: give its bytes as an af.Attachment, or import them",
                )

    # -- references ---------------------------------------------------------------------------------------
    def resolve(self, ref: MessageRef, what: str = "message") -> Message:
        """The message ``ref`` names: a ``Message`` (one of another forum is stored here when its references
        are), an id, or a settled promise or sequence (its last message). ``what`` names the argument in errors."""
        self.check_open()
        return self._resolve(ref, what)

    def _id_of(self, ref: MessageRef, what: str) -> str:
        self.check_open()
        if isinstance(ref, Message):
            return ref.id
        if type(ref) is str:
            if len(ref) != 64 and _PREFIX.fullmatch(ref):
                return self._by_prefix(ref, what).id
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
                if len(ref) != 64 and _PREFIX.fullmatch(ref):
                    return self._by_prefix(ref, what)
                raise MessageNotFound(ref, f"given as {what}")
            return msg
        msg = _settled_message(ref)
        if msg is not None:
            return self._adopt(msg, pending)
        raise UsageError(
            f"{what} must be a Message or a message id, not {type(ref).__name__} (await a promise or sequence first)"
        )

    def _ref(self, ref: MessageRef, what: str, pending: list[Message] | None = None) -> str | None:
        if ref is None:
            return None
        if isinstance(ref, Message) and ref.id in self._store:  # the common case: a message of this forum
            return ref.id
        return self._resolve(ref, what, pending).id

    # -- integrity ------------------------------------------------------------------------------------------
    def verify(self) -> int:
        """Re-hash every stored message and check its references and attachments (every attachment's bytes stored,
        every stored attachment's bytes matching its hash); returns how many messages were checked.

        Raises :class:`IntegrityError` listing every problem (its ``problems`` attribute) if any is found.
        """
        self.check_open()
        problems = []
        referred: dict[str, str] = {}  # attachment hash -> the first message that has it
        n = 0
        store = self._store  # (id, message or the problem with its row), every row
        rows = store.scan() if isinstance(store, SupportsScan) else ((m.id, m) for m in store)
        for mid, msg in rows:
            n += 1
            if isinstance(msg, IntegrityError):
                problems.append(f"{mid}: {msg}")
                continue
            try:
                msg.verify()
            except IntegrityError as exc:
                problems.append(f"{msg.id}: {exc}")
                continue
            for name in ("parent_id", "reply_to_id", "original_id"):
                ref = getattr(msg, name)
                if ref is not None and ref not in self._store:
                    problems.append(f"{msg.id}: {name} {ref} is missing")
            for a in msg.attachments:
                referred.setdefault(a.sha256, msg.id)
        problems.extend(self._attachment_problems(referred))
        if problems:
            err = IntegrityError(f"{len(problems)} problem(s) in the forum's store:\n" + "\n".join(problems[:20]))
            err.problems = problems  # type: ignore[attr-defined]
            raise err
        return n

    def _attachment_problems(self, referred: Mapping[str, str]) -> list[str]:
        """What ``verify()`` finds wrong with the stored attachments: bytes that do not match their hash, and
        bytes that messages (``referred``: hash -> a message) have and the store does not."""
        if not self._keeps_attachments():
            return [f"{mid}: attachment {sha} cannot be stored in this store" for sha, mid in referred.items()]
        store = cast(SupportsAttachments, self._store)
        problems = []
        seen = set()
        for sha, data in store.scan_attachments():
            seen.add(sha)
            try:
                if isinstance(data, IntegrityError):
                    raise data
                checked_bytes(sha, data)
            except IntegrityError as exc:
                problems.append(f"attachment {sha}: {exc}")
        problems.extend(
            f"{mid}: the bytes of attachment {sha} are missing" for sha, mid in referred.items() if sha not in seen
        )
        return problems

    # -- files and pictures (agentforum_nb.export) ------------------------------------------------------------
    def export_jsonl(self, path: str | os.PathLike[str], *, root: MessageRef = None) -> int:
        """Write every message (or the subtree under ``root``) as JSON lines; returns the count.

        Parents, reply targets and originals come before the messages that refer to them. The file appears whole
        or not at all (no temporary file is left behind); a path that is not a str or ``os.PathLike``, a
        directory, or one in a directory that does not exist raises :class:`UsageError` before anything is written.
        """
        return _files.export_jsonl(self, path, root=root)

    def import_jsonl(self, path: str | os.PathLike[str]) -> int:
        """Import messages written by :meth:`export_jsonl`; returns how many were new.

        Every line is checked first (JSON, fields, id, references resolve in the file or the forum, an
        ``"annotations"`` object of JSON values whose reserved names hold what the library writes under them, e.g.
        ``created_at`` as :func:`utc_now` writes it); on any bad line :class:`IntegrityError` names the line number
        (and the key) and nothing from the file is stored. Annotations are merged: keys from the file set or
        replace the forum's, except ``created_at``, which keeps the earlier time.
        """
        return _files.import_jsonl(self, path)

    def subtree(self, root: MessageRef) -> list[Message]:
        """``root`` and every message below it (breadth first, children in first-stored order)."""
        top = self._resolve(root, "root")
        out = [top]
        i = 0
        while i < len(out):
            out.extend(self._store.children(out[i].id))
            i += 1
        return out

    def tree_text(self, root: MessageRef = None, *, max_chars: int = 60) -> str:
        """The tree (or the subtree under ``root``) as indented text, one message a line."""
        return _files.tree_text(self, root, max_chars=max_chars)

    def to_graphviz(self, root: MessageRef = None, *, max_chars: int = 40) -> graphviz.Digraph:
        """The tree (or the subtree under ``root``) as a ``graphviz.Digraph`` (no Graphviz binary needed)."""
        return _files.to_graphviz(self, root, max_chars=max_chars)

    def to_html(self, path: str | os.PathLike[str], *, root: MessageRef = None, title: str | None = None) -> Path:
        """Write the tree (or the subtree under ``root``) as one self-contained HTML file: the TreeView's front end
        on embedded data, with no kernel and no network (pan and zoom, click a node to read its text and
        annotations, search). Message text is only ever set as text. Returns the file's path; written like
        :meth:`export_jsonl` (whole or not at all; bad paths raise :class:`UsageError`)."""
        return _files.to_html(self, path, root=root, title=title)

    # -- caching --------------------------------------------------------------------------------------------
    def cache_clear(self) -> int:
        """Forget every cached response (messages stay in the tree); returns how many entries were removed."""
        self.check_open()
        return self.response_cache.clear()

    def cache_info(self) -> dict[str, Any]:
        """Cache statistics of this forum object: ``entries``, ``hits``, ``misses``, ``stores``, ``repairs``,
        ``inflight``, and the replay chunks kept (``chunk_bytes``) and dropped to stay within their bound
        (``chunks_evicted``)."""
        self.check_open()
        return self.response_cache.info()

    def cache_entries(self) -> list[dict[str, Any]]:
        """Every cache entry: ``{"key", "agent", "response_ids"}`` (to see why an agent was or was not called)."""
        self.check_open()
        return self.response_cache.entries()


def _settled_message(ref: Any) -> Message | None:
    """The message of a settled promise, or the last message of a finished sequence (their ``settled_message()``)."""
    getter = getattr(ref, "settled_message", None)
    return getter() if getter is not None else None
