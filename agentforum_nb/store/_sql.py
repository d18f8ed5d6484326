"""The SQL store core: what the SQLite and PostgreSQL stores do alike, written once (docs/stores.md, "How the SQL
stores are built"). :class:`SQLStore` holds the message cache, row decoding, reading, writing, history,
annotations, search plumbing and the response-cache table; a backend keeps its dialect, connection and search
index (the abstract methods and class attributes of ``SQLStore``).

A row is ``(id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata, exact, suspect,
attachments)`` (and ``seq`` where asked for, at ``SEQ``): ``exact`` is NULL or the JSON of the exact content and
sender (PostgreSQL text cannot hold U+0000); ``suspect`` is true for a row changed since stored (re-hashed), or the
names of its columns that are not UTF-8 (SQLite); ``attachments`` is NULL or the JSON array of the message's
attachment descriptors (their bytes are in the ``attachments`` table, once per sha256).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, NoReturn, TypeVar

from .._canonical import EMPTY, freeze_trusted
from ..attachments import AttachmentRef, AttachmentSource, attachments_json, refs_from_json
from ..errors import IntegrityError, InvalidMessageError, UsageError
from ..messages import NO_ATTACHMENTS, Message, rebuild, with_attachment_source
from ._base import (
    check_search,
    merge_annotations,
    missing_bytes,
    more_than_created_at,
    usable_key,
    walk_history,
)
from ._lru import ByteLRU

__all__ = [
    "ADDED",
    "CANONICAL",
    "DEFAULT_CACHE_BYTES",
    "SEQ",
    "TABLES",
    "Row",
    "SQLStore",
    "dump_annotations",
    "dump_attachments",
]

log = logging.getLogger("agentforum_nb")
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
PER_MESSAGE = 600  # approximate bytes of a cached Message beyond its content and metadata: object, id strings
BATCH = 500  # rows per query when iterating
CHUNK = 2000  # ids per statement in batch lookups
CANONICAL = ("id", "kind", "content", "sender", "parent_id", "reply_to_id", "original_id", "status", "metadata")
SEQ = 12  # the index of `seq` in a row that asks for it after `{row}`
# kind and status as the library's own str objects: validates them and shares one object between messages
KIND = {k: k for k in ("message", "forward", "error")}
STATUS = {s: s for s in ("complete", "cancelled", "failed")}

APP_ID = "agentforum_nb"
# The tables and columns both dialects store, where the type is SEQ (an integer key in first-stored order), ID (text
# compared byte by byte), INT, TEXT or BLOB (bytes).
TABLES = {
    "meta": "key TEXT PRIMARY KEY, value TEXT NOT NULL",
    "messages": "seq SEQ PRIMARY KEY, id ID NOT NULL UNIQUE, kind TEXT NOT NULL, content TEXT NOT NULL, "
    "sender TEXT NOT NULL, parent_id ID, reply_to_id ID, original_id ID, status TEXT NOT NULL, metadata TEXT NOT NULL, "
    "annotations TEXT, attachments TEXT",
    # attachment bytes (API.md section 16), once per content: written with the first message that has them
    "attachments": "sha256 ID PRIMARY KEY, media_type TEXT NOT NULL, size INT NOT NULL, data BLOB NOT NULL",
    "cache": "key ID PRIMARY KEY, agent TEXT NOT NULL, response_ids TEXT NOT NULL",
    # experiments (API.md section 14): each execution's spec, and its rows (JSON), in the order stored
    "experiments": "name TEXT NOT NULL, execution INT NOT NULL, fingerprint TEXT NOT NULL, shards INT NOT NULL, "
    "started TEXT NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (name, execution)",
    "experiment_runs": "seq SEQ PRIMARY KEY, name TEXT NOT NULL, execution INT NOT NULL, run TEXT NOT NULL, "
    "data TEXT NOT NULL, UNIQUE (name, execution, run)",
}
ADDED = (("messages", "annotations"), ("messages", "attachments"))  # columns added to a table after its first release
MESSAGE_FORMAT = "agentforum-message 1"
T = TypeVar("T")
Row = tuple[Any, ...]  # values as the database returns them: untrusted until decoded


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


_META_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def dump_attachments(message: Message) -> str | None:
    """A message's attachments as stored: the JSON array of their descriptors, or NULL when it has none."""
    refs = message.attachments
    return attachments_json(refs) if refs else None


def decode_attachments(name: str, raw: object, source: AttachmentSource | None) -> tuple[AttachmentRef, ...]:
    """The descriptors of the stored row ``name`` (reading their bytes from ``source``); IntegrityError naming it
    when they are not the JSON of descriptors."""
    if raw is None:
        return NO_ATTACHMENTS
    try:
        return refs_from_json(_loads(raw), source)
    except InvalidMessageError as exc:
        raise corrupt(name, f"has corrupt attachments ({exc})") from None


def dump_annotations(annotations: Mapping[str, Any] | None) -> str | None:
    """Annotations as stored: compact JSON (U+0000 escaped, as JSON does), or NULL when there are none."""
    if not annotations:
        return None
    if len(annotations) == 1:
        stamp = annotations.get("created_at")  # the annotation of every post: written without the json module
        if type(stamp) is str and stamp.isascii() and '"' not in stamp and "\\" not in stamp and stamp.isprintable():
            return '{"created_at":"' + stamp + '"}'
    return json.dumps(annotations, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _loads(text: object) -> Any:
    """The JSON value of ``text``, or None when it is not JSON text."""
    try:
        return json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None


def corrupt(name: str, what: str, actual: str | None = None) -> IntegrityError:
    """The error naming a stored row that is not what it should be."""
    return IntegrityError(f"stored message {name} {what}", expected=name, actual=actual)


def _blob(sha256: str, data: object) -> bytes:
    """Stored attachment bytes as ``bytes`` (IntegrityError naming the hash when the column holds something else)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise IntegrityError(
        f"the bytes stored for attachment {sha256} are not bytes (a {type(data).__name__}: changed by hand)",
        expected=sha256,
    )


def parse_annotations(message_id: str, raw: object) -> dict[str, Any]:
    value = {} if raw is None else _loads(raw)
    if not isinstance(value, dict):
        raise corrupt(message_id, "has annotations that are not a JSON object (the row was changed by hand)")
    return value


def decode_metadata(name: str, meta: object) -> Any:
    """The frozen metadata of the stored row ``name``; IntegrityError naming it when not the JSON of an object."""
    if meta == "{}":
        return EMPTY
    if type(meta) is not str:
        raise corrupt(name, f"has corrupt metadata (not JSON text: {meta!r:.60})")
    try:
        value = _META_DECODER.decode(meta)
    except ValueError as exc:
        raise corrupt(name, f"has corrupt metadata ({exc})") from None
    if type(value) is not dict:
        raise corrupt(name, f"has corrupt metadata (a JSON {type(value).__name__}, not an object)")
    return freeze_trusted(value)


def build(row: Row, as_stored: bool = False, source: AttachmentSource | None = None) -> Message:
    """The message of a row (its attachments read from ``source``). A row not marked as changed since it was
    stored, with valid kind, status, content and sender, is rebuilt as it is; any other is re-hashed: IntegrityError
    (with ``actual``) when its fields hash to another id (``as_stored``: the message as stored, for a caller that
    re-hashes it), or naming the row when they are not a message's."""
    mid, kind, content, sender, parent_id, reply_to_id, original_id, status, meta, exact, suspect = row[:11]
    name = mid if type(mid) is str else repr(mid)
    if type(suspect) is str:
        raise corrupt(name, f"is corrupt: its {suspect} is not valid UTF-8 text")
    if exact is not None:  # the exact content and sender of a PostgreSQL row holding U+0000
        value = _loads(exact)
        if not isinstance(value, dict) or not {"content", "sender"} <= value.keys():
            raise corrupt(name, "is corrupt: its nul_text column is not the JSON of its content and sender")
        content, sender = value["content"], value["sender"]
    metadata = decode_metadata(name, meta)
    attached = decode_attachments(name, row[11], source)
    k = KIND.get(kind) if type(kind) is str else None
    st = STATUS.get(status) if type(status) is str else None
    if not suspect and k is not None and st is not None and type(content) is str and type(sender) is str and sender:
        empty = True if metadata is EMPTY else None
        return rebuild(mid, k, content, sender, parent_id, reply_to_id, original_id, st, metadata, empty, attached)
    refs = {"parent_id": parent_id, "reply_to_id": reply_to_id, "original_id": original_id}
    try:
        fresh = Message(
            content, kind=kind, sender=sender, status=status, metadata=metadata, attachments=attached, **refs
        )
    except (InvalidMessageError, TypeError) as exc:
        raise corrupt(name, f"has invalid fields: {exc}") from None
    if fresh.id != mid and as_stored:
        f = fresh
        return rebuild(
            mid,
            f.kind,
            f.content,
            f.sender,
            f.parent_id,
            f.reply_to_id,
            f.original_id,
            f.status,
            f.metadata,
            None,
            f.attachments,
        )
    if fresh.id != mid:
        why = f"does not match its id: its fields hash to {fresh.id} (the row was changed after it was stored)"
        raise corrupt(name, why, fresh.id)
    return fresh


class SQLStore(ABC):
    """Messages, annotations and the response cache in SQL tables (see the module docstring)."""

    _TYPES: ClassVar[dict[str, str]] = {}  # the dialect's type of each type of TABLES
    _OWN_COLUMNS: ClassVar[dict[str, str]] = {}  # the dialect's own columns, by table
    _AFTER: ClassVar[dict[str, tuple[str, ...]]] = {}  # statements that complete a new table (indexes, triggers)
    _VERSIONS: ClassVar[tuple[str, ...]] = ()  # the schema versions this backend opens, the current one last
    _META: ClassVar[dict[str, str]] = {}  # the backend's own rows of a new forum's meta table
    _SAME = 9  # leading columns of a row equal to the leading `_values()` of its message when unchanged
    _CACHE_PUT = ""  # the dialect's upsert of a cache entry: (key, agent, response_ids)
    _CACHE_ORDER = ""  # the cache table's column that orders entries as they were last put
    _EXPERIMENT_PUT = ""  # the dialect's upsert of an experiment row: (name, execution, run, data)
    _EXPERIMENT_LOCK = ""  # a statement that makes beginning executions one at a time (where a write lock does not)
    _experiments = True  # the experiment tables exist (False: a read-only file written before they did)
    _ADVICE = ""  # what to do instead when a database is not a forum
    _BLOB_PUT = ""  # the dialect's insert of attachment bytes that are stored already: (sha256, media_type, size, data)
    _COLUMN_ADDED: ClassVar[dict[tuple[str, str], tuple[str, ...]]] = {}  # statements after ADDED adds a column
    _schema = 0  # the forum's schema version
    _annotated = True  # False for a file of a schema without annotations (read-only SQLite files of version 1)
    _attached = True  # False for a read-only file written before attachments (no column, no table)
    readonly = False

    def __init__(self, cache_bytes: int) -> None:
        if type(cache_bytes) is not int or cache_bytes < 0:
            raise UsageError(f"cache_bytes must be an int >= 0 (bytes of messages kept in memory), not {cache_bytes!r}")
        self.cache_bytes = cache_bytes
        self._lock = threading.RLock()
        self._cache: ByteLRU[str, Message] = ByteLRU(cache_bytes)  # message id -> message
        self._queries: dict[str, str] = {}
        self._blobs_known: set[str] = set()  # attachment hashes known to be stored (bytes are never removed)

    # -- what a backend provides (and the class attributes above) -------------------------------------------------
    @abstractmethod
    def _render(self, template: str) -> str:
        """A statement of the core in this dialect: ``%s`` parameters, the tables of ``TABLES`` (``{messages}``...),
        ``{row}`` (a row's columns), ``{in_list}`` (``IN`` the parameter ``_list(ids)``), ``{for_update}``."""

    @abstractmethod
    def _run(self, op: Callable[[Any], T], what: str, write: bool = False) -> T: ...
    @abstractmethod
    def _transaction(self, op: Callable[[Any], T], what: str) -> T: ...
    @abstractmethod
    def _values(self, message: Message, annotations: Mapping[str, Any] | None = None) -> tuple[Any, ...]: ...
    @abstractmethod
    def _insert(self, values: tuple[Any, ...]) -> bool:
        """Store one message's ``_values`` (its own committed transaction); False when its id was stored."""

    @abstractmethod
    def _insert_many(self, cursor: Any, values: list[tuple[Any, ...]]) -> set[str]: ...
    @abstractmethod
    def _repair_row(self, cursor: Any, values: tuple[Any, ...]) -> None: ...
    @abstractmethod
    def _chain_rows(self, message_id: str) -> list[Row]: ...
    @abstractmethod
    def _narrow(self, needle: str, where: list[str], args: list[Any]) -> str:
        """Add the search index's condition for ``needle`` (may be empty) to ``where`` and ``args``; the tables
        to select from (``{messages} m`` and the index)."""

    def _list(self, ids: Sequence[Any]) -> Any:  # the parameter of {in_list}
        return ids

    def _text(self, value: str) -> str:  # a value as the database's text holds it
        return value

    # -- the schema ------------------------------------------------------------------------------------------
    def _typed(self, declaration: str) -> str:
        """Column declarations of ``TABLES`` with this dialect's types."""
        return re.sub(r"\b(SEQ|ID|INT|TEXT|BLOB)\b", lambda m: self._TYPES[m[1]], declaration)

    def _create_missing(self, cursor: Any, tables: set[str]) -> None:
        """Create the tables of ``TABLES`` missing from ``tables`` (the names there are) with what completes them,
        and add the columns of ``ADDED`` that a table lacks."""
        for table, spec in TABLES.items():
            if table not in tables:
                columns = ", ".join(filter(None, (self._typed(spec), self._OWN_COLUMNS.get(table))))
                cursor.execute(self._render(f"CREATE TABLE {{{table}}} ({columns})"))
                for statement in self._AFTER.get(table, ()):
                    cursor.execute(self._render(statement))
        for table, column in ADDED:
            if table in tables and column not in self._columns_of(cursor, table):
                declaration = re.search(rf"\b{column} [^,]*", TABLES[table])[0]  # type: ignore[index]
                cursor.execute(self._render(f"ALTER TABLE {{{table}}} ADD COLUMN {self._typed(declaration)}"))
                for statement in self._COLUMN_ADDED.get((table, column), ()):
                    cursor.execute(self._render(statement))

    def _columns_of(self, cursor: Any, table: str) -> list[str]:
        return [d[0] for d in cursor.execute(self._render(f"SELECT * FROM {{{table}}} LIMIT 0")).description]

    def _open_forum(self, cursor: Any, tables: set[str], where: str, create: bool) -> bool:
        """Whether the database's ``tables`` hold a forum (its schema version read into ``_schema``); IntegrityError
        naming ``where`` for a database of something else, of another version, or a damaged forum. ``create``:
        what is missing is created (a new forum; tables and columns added since an older one was written)."""
        meta: dict[Any, Any] = {}
        if "meta" in tables:  # a meta table of other columns is another program's
            ours = self._columns_of(cursor, "meta")[:2] == ["key", "value"]
            select = "SELECT key, value FROM {meta}" if ours else "SELECT 'application', NULL"
            meta = dict(cursor.execute(self._render(select)).fetchall())
        if meta.get("application", APP_ID) != APP_ID or (tables - {"meta"} and not meta):
            what = f"its meta table says application={meta['application']!r}" if meta else f"it has {sorted(tables)}"
            raise IntegrityError(f"{where} is not an agentforum_nb forum ({what[:200]}){self._ADVICE}")
        if meta and meta.get("schema_version") not in self._VERSIONS:
            raise IntegrityError(
                f"{where} has schema version {meta.get('schema_version')}; this agentforum_nb reads version "
                f"{' and '.join(self._VERSIONS)} (upgrade agentforum_nb to open it)"
            )
        self._schema = int(meta.get("schema_version", self._VERSIONS[-1]))
        columns = self._columns_of(cursor, "messages") if {"messages", "cache"} <= tables else []
        lacking = [c for c in ("seq", *CANONICAL) if c not in columns] if columns else ["messages or cache table"]
        if meta and lacking:  # a table dropped or renamed, a flipped bit in the schema
            raise IntegrityError(f"{where} is damaged: it has no {', '.join(lacking)}")
        if create:
            self._create_missing(cursor, tables)
            rows = {"application": APP_ID, "schema_version": self._VERSIONS[-1], "message_format": MESSAGE_FORMAT}
            insert = self._render("INSERT INTO {meta} (key, value) VALUES (%s, %s)")
            cursor.executemany(insert, [] if meta else [*rows.items(), *self._META.items()])
        return bool(meta)

    # -- running statements ----------------------------------------------------------------------------------
    def _q(self, template: str) -> str:
        """A statement of the core in this backend's SQL (rendered once per store)."""
        known = self._queries.get(template)
        return known if known is not None else self._queries.setdefault(template, self._render(template))

    def _fetch(self, query: str, args: Any = (), what: str = "read messages") -> list[Row]:
        return self._run(lambda c: c.execute(query, args).fetchall(), what)

    def _rows(self, query: str, args: Any = (), what: str = "read messages") -> list[Row]:
        """Message rows (a backend may check their text here)."""
        return self._fetch(query, args, what)

    def _execute(self, query: str, args: Any, what: str) -> int:
        """One write in a transaction of its own; the number of rows it changed."""
        return int(self._run(lambda c: c.execute(query, args).rowcount, what, write=True))

    # -- the message cache -----------------------------------------------------------------------------------
    def message_cache_info(self) -> dict[str, int]:
        """The in-process message cache: ``messages`` held, their approximate ``bytes``, the ``limit``, and how
        many messages were ``evicted`` to stay within it."""
        return self._cache.info("messages")

    def _decode(self, row: Row, lenient: bool = False) -> Message:
        """``build`` through the cache. ``lenient``: a row whose fields are valid but hash to another id is
        returned as stored (not cached), for a caller that re-hashes what it reads (``forum.verify()``)."""
        msg = self._cache.peek(row[0])
        if msg is not None:
            return msg
        try:
            msg = build(row, source=self)
        except IntegrityError as exc:
            if not lenient or exc.actual is None or type(row[0]) is not str:
                raise
            return build(row, as_stored=True, source=self)
        self._cache.put(msg.id, msg, len(msg.content) + len(row[8]) + PER_MESSAGE)
        return msg

    def _decode_many(self, rows: Iterable[Row]) -> list[Message]:
        """Messages from rows, through the cache (the hot path of history(), children(), search(): no call per
        ordinary row but ``rebuild``)."""
        peek, kinds, statuses = self._cache.peek, KIND.get, STATUS.get
        out: list[Message] = []
        ids, new, sizes = [], [], []
        for r in rows:
            m = peek(r[0])
            if m is None:
                mid, kind, content, sender, parent_id, reply_to_id, original_id, status, meta, exact, suspect = r[:11]
                k, st = kinds(kind), statuses(status)
                plain = not suspect and exact is None and meta == "{}" and type(content) is str and type(sender) is str
                if plain and sender and k is not None and st is not None and r[11] is None:
                    m = rebuild(mid, k, content, sender, parent_id, reply_to_id, original_id, st, EMPTY, True)
                else:
                    m = build(r, source=self)
                ids.append(m.id)
                new.append(m)
                sizes.append(len(m.content) + len(meta) + PER_MESSAGE)
            out.append(m)
        if new:
            self._cache.put_many(ids, new, sizes)
        return out

    # -- reading ---------------------------------------------------------------------------------------------
    def get(self, message_id: str) -> Message | None:
        msg = self._cache.get(message_id) if type(message_id) is str else None
        if msg is not None or not usable_key(message_id):
            return msg
        rows = self._rows(self._q("SELECT {row} FROM {messages} m WHERE m.id = %s"), (message_id,))
        return self._decode(rows[0]) if rows else None

    def get_many(self, message_ids: Iterable[str]) -> dict[str, Message]:
        """The stored messages among ``message_ids`` (one query per 2,000 ids not cached here)."""
        ids = [i for i in message_ids if usable_key(i)]
        out = {i: m for i in ids if (m := self._cache.peek(i)) is not None}
        missing = [i for i in ids if i not in out]
        query = self._q("SELECT {row} FROM {messages} m WHERE m.id {in_list}")
        out.update((m.id, m) for m in self._decode_many(self._in_chunks(self._rows, query, missing)))
        return out

    def _in_chunks(self, fetch: Callable[..., list[Row]], query: str, ids: list[str]) -> list[Row]:
        """The rows of ``query`` for ``ids`` (its ``{in_list}``), one query per 2,000 ids."""
        return [r for i in range(0, len(ids), CHUNK) for r in fetch(query, (self._list(ids[i : i + CHUNK]),))]

    def __contains__(self, message_id: object) -> bool:
        if type(message_id) is str and self._cache.peek(message_id) is not None:
            return True
        if not usable_key(message_id):
            return False
        return bool(self._fetch(self._q("SELECT 1 FROM {messages} WHERE id = %s"), (message_id,)))

    def __len__(self) -> int:
        return int(self._fetch(self._q("SELECT count(*) FROM {messages}"))[0][0])

    def _top(self) -> int:  # the largest seq stored (0 when none)
        return int(self._fetch(self._q("SELECT coalesce(max(seq), 0) FROM {messages}"))[0][0])

    def _batches(self) -> Iterator[list[Row]]:
        """Rows (with their seq) in first-stored order, up to the last one stored when the iteration began, one
        query per batch (none stays open between batches, so the caller may read and write the store meanwhile)."""
        top = self._top()
        query = self._q(
            "SELECT {row}, m.seq FROM {messages} m WHERE m.seq > %s AND m.seq <= %s ORDER BY m.seq LIMIT %s"
        )
        last = 0
        while last < top and (rows := self._rows(query, (last, top, BATCH))):
            yield rows
            last = rows[-1][SEQ]

    def _search_rows(self, source: str, condition: str, args: list[Any]) -> Iterator[list[Row]]:
        """The candidates of a search in first-stored order: their seqs first (the database picks its index), then
        their rows in batches of 500, doubling up to 32,000 (the first results come quickly)."""
        seqs = [r[0] for r in self._fetch(self._q(f"SELECT m.seq FROM {source}{condition} ORDER BY m.seq"), args)]
        query = self._q("SELECT {row} FROM {messages} m WHERE m.seq {in_list} ORDER BY m.seq")
        i, size = 0, BATCH
        while i < len(seqs):
            yield self._rows(query, (self._list(seqs[i : i + size]),), "search")
            i, size = i + size, min(size * 2, 64 * BATCH)

    def __iter__(self) -> Iterator[Message]:
        """Every message in first-stored order; a row whose fields are valid but hash to another id as stored (its
        ``verify()`` raises), a row that is no message raises IntegrityError."""
        return (self._decode(r, lenient=True) for rows in self._batches() for r in rows)

    def scan(self) -> Iterator[tuple[str, Message | IntegrityError]]:
        """Every row re-hashed (``SupportsScan``)."""
        for rows in self._batches():
            for r in rows:
                mid = r[0] if type(r[0]) is str else repr(r[0])
                try:
                    msg = build(r, source=self)
                    if not r[10]:  # a marked row was re-hashed by build() already
                        msg.verify()
                except IntegrityError as exc:
                    yield mid, exc
                else:
                    yield mid, self._cache.peek(mid) or msg

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` stored ids that start with ``prefix`` (a range scan of the id index)."""
        if not usable_key(prefix):
            return []
        query = self._q("SELECT id FROM {messages} WHERE id >= %s AND id < %s ORDER BY id LIMIT %s")
        rows = self._fetch(query, (prefix, prefix + "g", limit))  # "g": just above every hex continuation
        return [str(r[0]) for r in rows if str(r[0]).startswith(prefix)]

    def children(self, message_id: str) -> list[Message]:
        if not usable_key(message_id):
            return []
        query = self._q("SELECT {row} FROM {messages} m WHERE m.parent_id = %s ORDER BY m.seq")
        return self._decode_many(self._rows(query, (message_id,)))

    def roots(self) -> list[Message]:
        query = self._q("SELECT {row} FROM {messages} m WHERE m.parent_id IS NULL ORDER BY m.seq")
        return self._decode_many(self._rows(query))

    def history(self, message_id: str) -> list[Message] | None:
        """Root..message: the part this process holds is walked here, the rest read at once (``_chain_rows``)."""
        if not usable_key(message_id):
            return None
        fetched: dict[str, Message] = {}
        bad: dict[str, IntegrityError] = {}  # rows that do not match their ids: raised when on the branch

        def fetch(mid: str) -> Message | None:
            if mid not in fetched:
                rows = self._chain_rows(mid)
                ids, parents = [r[0] for r in rows], [r[4] for r in rows]
                if ids and ids[0] == mid and parents[-1] is None and parents[:-1] == ids[1:]:  # root..mid, reversed
                    # decoded root first: of a branch bigger than the cache, the newest part stays cached
                    fetched.update((m.id, m) for m in self._decode_many(rows[::-1]))
                for r in rows if mid not in fetched else ():  # changed by hand: a cycle is reported first
                    try:
                        fetched[r[0]] = self._decode(r)
                    except IntegrityError as exc:
                        fetched[r[0]], bad[r[0]] = self._decode(r, lenient=True), exc
            return fetched.get(mid)

        cache = self._cache
        out = walk_history(cache.peek, message_id, lambda: len(cache) + len(fetched), fetch)
        for m in out if bad and out else ():
            if m.id in bad:
                raise bad[m.id]
        return out

    # -- writing ---------------------------------------------------------------------------------------------
    def add(self, message: Message, annotations: Mapping[str, Any] | None = None) -> Message:
        mid = message.id
        existing = self._cache.peek(mid)
        if existing is None:
            v = self._values(message, annotations)
            if not message.attachments:
                if self._insert(v):
                    self._cache.put(mid, message, len(v[2]) + len(v[8]) + PER_MESSAGE)
                    return message
            elif self._insert_attached(message, v):  # the cache holds descriptors that read from here
                self._cache.put(mid, with_attachment_source(message, self), len(v[2]) + len(v[8]) + PER_MESSAGE)
                return message
            existing = self._add_existing(message, v)  # stored before (perhaps by another process)
        if annotations and more_than_created_at(annotations):
            self.annotate(mid, annotations)
        return existing

    def _add_existing(self, message: Message, v: tuple[Any, ...]) -> Message:
        rows = self._rows(self._q("SELECT {row} FROM {messages} m WHERE m.id = %s"), (message.id,))
        if not rows:  # pragma: no cover - deleted by hand between the INSERT and this read
            raise IntegrityError(f"message {message.id} was stored and then removed behind the store's back")
        if tuple(rows[0][: self._SAME]) != v[: self._SAME]:
            # the row was changed behind the store's back; this message (hashed or verified by the forum) is what
            # the id stands for: rewrite the row
            message.verify()
            log.warning("agentforum_nb: stored message %s… did not match its id; repaired", message.id[:12])
            self.repair(message)
        m = with_attachment_source(message, self)
        stored = rebuild(  # returned as a new object: the caller tells "stored before" by `is not`
            m.id,
            m.kind,
            m.content,
            m.sender,
            m.parent_id,
            m.reply_to_id,
            m.original_id,
            m.status,
            m.metadata,
            None,
            m.attachments,
        )
        self._cache.put(stored.id, stored, len(v[2]) + len(v[8]) + PER_MESSAGE)
        return stored

    def repair(self, message: Message) -> None:
        v = self._values(message)
        self._transaction(lambda c: self._repair_row(c, v), "repair a message")
        self._cache.pop(message.id)
        self._cache.put(message.id, with_attachment_source(message, self), len(v[2]) + len(v[8]) + PER_MESSAGE)

    def add_many(self, messages: Sequence[Message], annotations: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """All the messages in one transaction (in the given order), or none of them; the annotations of messages
        stored before are merged."""
        notes = annotations or {}
        values = [self._values(m, notes.get(m.id)) for m in messages]
        select = self._q("SELECT id, annotations FROM {messages} WHERE id {in_list}{for_update}")
        blobs = missing_bytes((m for m in messages if m.attachments), self.has_attachments)

        def op(c: Any) -> None:
            if blobs:
                self._write_blobs(c, blobs)
            inserted = self._insert_many(c, values) if values else set()
            known = [m.id for m in messages if notes.get(m.id) and m.id not in inserted]
            for i in range(0, len(known), CHUNK):
                self._merge(c, c.execute(select, (self._list(known[i : i + CHUNK]),)).fetchall(), notes)

        self._transaction(op, "store messages")
        self._blobs_known.update(blobs)

    # -- attachments -----------------------------------------------------------------------------------------
    def _insert_attached(self, message: Message, values: tuple[Any, ...]) -> bool:
        """``_insert`` for a message with attachments: the bytes not stored yet go in the same transaction."""
        known = self._blobs_known
        if all(a.sha256 in known for a in message.attachments):  # the common case: the bytes are stored already
            return self._insert(values)
        blobs = missing_bytes((message,), self.has_attachments)
        if not blobs:
            return self._insert(values)

        def op(c: Any) -> bool:
            self._write_blobs(c, blobs)
            return bool(self._insert_many(c, [values]))

        inserted = self._transaction(op, "store a message")
        self._blobs_known.update(blobs)
        return inserted

    def _write_blobs(self, cursor: Any, blobs: Mapping[str, tuple[str, bytes]]) -> None:
        rows = [(sha, media_type, len(data), data) for sha, (media_type, data) in blobs.items()]
        cursor.executemany(self._q(self._BLOB_PUT), rows)

    def has_attachments(self, hashes: Iterable[str]) -> set[str]:
        """Which of ``hashes`` are stored (one query for those not known to be; a known hash stays known)."""
        known = self._blobs_known
        asked = [h for h in hashes if usable_key(h)]
        unknown = [h for h in asked if h not in known]
        if unknown and self._attached:
            query = self._q("SELECT sha256 FROM {attachments} WHERE sha256 {in_list}")
            known.update(str(r[0]) for r in self._in_chunks(self._fetch, query, unknown))
        return {h for h in asked if h in known}

    def read_attachment(self, sha256: str) -> bytes | None:
        """The stored bytes of ``sha256`` as they are (the forum checks them), or None."""
        if not self._attached or not usable_key(sha256):
            return None
        rows = self._fetch(self._q("SELECT data FROM {attachments} WHERE sha256 = %s"), (sha256,), "read an attachment")
        if not rows:
            return None
        self._blobs_known.add(sha256)
        return _blob(sha256, rows[0][0])

    def scan_attachments(self) -> Iterator[tuple[str, bytes | IntegrityError]]:
        """Every stored attachment, a few at a time (no query stays open between them)."""
        if not self._attached:
            return
        query = self._q("SELECT sha256, data FROM {attachments} WHERE sha256 > %s ORDER BY sha256 LIMIT 8")
        last = ""
        while rows := self._fetch(query, (last,), "read attachments"):
            for sha, data in rows:
                try:
                    yield str(sha), _blob(str(sha), data)
                except IntegrityError as exc:
                    yield str(sha), exc
            last = str(rows[-1][0])

    def _merge(self, cursor: Any, rows: list[Row], changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Merge ``changes[id]`` into the annotations of the rows ``(id, annotations)`` (locked by the caller)."""
        merged: dict[str, Any] = {}
        for mid, raw in rows:
            current = parse_annotations(mid, raw)
            new = merge_annotations(current, changes[mid])
            if new != current:
                merged[mid] = new
        update = self._q("UPDATE {messages} SET annotations = %s WHERE id = %s")
        cursor.executemany(update, [(dump_annotations(new), mid) for mid, new in merged.items()])
        return merged

    # -- annotations -----------------------------------------------------------------------------------------
    def annotations(self, message_id: str) -> dict[str, Any]:
        if not self._annotated or not usable_key(message_id):
            return {}
        rows = self._fetch(self._q("SELECT annotations FROM {messages} WHERE id = %s"), (message_id,))
        return parse_annotations(message_id, rows[0][0]) if rows else {}

    def annotations_many(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        if not self._annotated:
            return {}
        ids = [i for i in message_ids if usable_key(i)]
        query = self._q("SELECT id, annotations FROM {messages} WHERE annotations IS NOT NULL AND id {in_list}")
        return {mid: parse_annotations(mid, raw) for mid, raw in self._in_chunks(self._fetch, query, ids)}

    def annotate(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Read, merge and write a message's annotations in one transaction, the row locked (other processes may
        annotate it at the same moment: no change is lost). KeyError for a message that is not stored."""
        if not usable_key(message_id):
            raise KeyError(message_id)
        select = self._q("SELECT id, annotations FROM {messages} WHERE id = %s{for_update}")

        def op(c: Any) -> dict[str, Any]:
            rows = c.execute(select, (message_id,)).fetchall()
            if not rows:
                raise KeyError(message_id)
            merged = self._merge(c, rows, {message_id: changes})
            return merged[message_id] if merged else parse_annotations(message_id, rows[0][1])

        return self._transaction(op, "annotate a message")

    # -- search ----------------------------------------------------------------------------------------------
    def search(
        self, text: str = "", *, sender: str | None = None, kind: str | None = None, status: str | None = None
    ) -> Iterator[Message]:
        """The backend narrows the candidates (its search index); the match is decided here, as in memory."""
        check_search(text, sender, kind, status)
        return self._search(text.casefold(), sender, kind, status)

    def _search(self, needle: str, sender: str | None, kind: str | None, status: str | None) -> Iterator[Message]:
        where, args = [], []
        for column, value in (("sender", sender), ("kind", kind), ("status", status)):
            if value is not None:
                where.append(f"m.{column} = %s")
                args.append(self._text(value))
        source = self._narrow(needle, where, args)
        for rows in self._search_rows(source, " WHERE " + " AND ".join(where) if where else "", args):
            for m in self._decode_many(rows):
                if (
                    needle in m.content.casefold()
                    and (sender is None or m.sender == sender)
                    and (kind is None or m.kind == kind)
                    and (status is None or m.status == status)
                ):
                    yield m

    # -- the response cache ----------------------------------------------------------------------------------
    def cache_get(self, key: str) -> tuple[str, ...] | None:
        if not usable_key(key):
            return None
        rows = self._fetch(self._q("SELECT response_ids FROM {cache} WHERE key = %s"), (key,), "read the cache")
        if not rows:
            return None
        ids = _loads(rows[0][0])
        return tuple(ids) if isinstance(ids, list) else ("<corrupt entry>",)  # the forum: a miss, and repairs it

    def cache_put(self, key: str, response_ids: Iterable[str], *, agent: str = "") -> None:
        """Record (or replace) an entry: an upsert, so processes storing the same key at once leave one entry."""
        if not usable_key(key):
            raise UsageError(f"a cache key must be a str of UTF-8 text without U+0000, not {key!r:.80}")
        args = (key, self._text(agent), json.dumps(list(response_ids)))
        self._execute(self._q(self._CACHE_PUT), args, "write the cache")

    def cache_delete(self, key: str) -> None:
        if usable_key(key):
            self._execute(self._q("DELETE FROM {cache} WHERE key = %s"), (key,), "write the cache")

    def cache_clear(self) -> int:
        return self._execute(self._q("DELETE FROM {cache}"), (), "clear the cache")

    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]:
        query = self._q("SELECT key, agent, response_ids FROM {cache} ORDER BY " + self._CACHE_ORDER)
        rows = self._fetch(query, (), "read the cache")
        return [(key, agent, tuple(ids) if isinstance(ids := _loads(raw), list) else ()) for key, agent, raw in rows]

    # -- experiments (API.md section 14; the rules of store/_experiments.py) ------------------------------------
    def experiment_begin(self, name: str, fingerprint: str, spec: Any, shards: int, shard: int, at: str) -> int:
        spec_json = json.dumps(spec, ensure_ascii=False, allow_nan=False)

        def op(c: Any) -> int:
            if self._EXPERIMENT_LOCK:
                c.execute(self._q(self._EXPERIMENT_LOCK))
            if shards > 1:
                latest = c.execute(
                    self._q(
                        "SELECT execution, started FROM {experiments} WHERE name = %s AND fingerprint = %s "
                        "AND shards = %s ORDER BY execution DESC LIMIT 1"
                    ),
                    (name, fingerprint, shards),
                ).fetchall()
                if latest:
                    execution, started = int(latest[0][0]), _loads(latest[0][1])
                    started = started if isinstance(started, list) else []
                    if shard not in started:
                        c.execute(
                            self._q("UPDATE {experiments} SET started = %s WHERE name = %s AND execution = %s"),
                            (json.dumps([*started, shard]), name, execution),
                        )
                        return execution
            top = c.execute(self._q("SELECT MAX(execution) FROM {experiments} WHERE name = %s"), (name,)).fetchall()
            number = 0 if not top or top[0][0] is None else int(top[0][0]) + 1
            c.execute(
                self._q(
                    "INSERT INTO {experiments} (name, execution, fingerprint, shards, started, spec, created_at) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
                ),
                (name, number, fingerprint, shards, json.dumps([shard]), spec_json, at),
            )
            return number

        self._writable_experiments()
        return self._transaction(op, "begin an experiment")

    def experiment_put(self, name: str, execution: int, row: Mapping[str, Any]) -> None:
        self._writable_experiments()
        run = f"{row['case']}\x1f{row['variant']}\x1f{row['sample']}"
        data = json.dumps(row, ensure_ascii=False, allow_nan=False)
        self._execute(self._q(self._EXPERIMENT_PUT), (name, execution, run, data), "store an experiment's run")

    def experiment_put_many(self, name: str, execution: int, rows: Sequence[Mapping[str, Any]]) -> None:
        self._writable_experiments()
        dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
        values = [
            (name, execution, f"{row['case']}\x1f{row['variant']}\x1f{row['sample']}", dumps(row)) for row in rows
        ]
        if values:
            query = self._q(self._EXPERIMENT_PUT)
            self._transaction(lambda c: c.executemany(query, values), "store an experiment's runs")

    def experiment_executions(self, name: str) -> list[dict[str, Any]]:
        if not self._experiments:
            return []
        rows = self._fetch(
            self._q(
                "SELECT execution, fingerprint, shards, started, spec, created_at FROM {experiments} "
                "WHERE name = %s ORDER BY execution"
            ),
            (name,),
            "read an experiment",
        )
        out = []
        for execution, fingerprint, shards, started, spec, created_at in rows:
            spec_value = _loads(spec)
            if not isinstance(spec_value, dict):
                raise corrupt(f"experiment {name!r}", f"execution {execution}'s spec is not JSON")
            out.append(
                {
                    "execution": int(execution),
                    "fingerprint": fingerprint,
                    "spec": spec_value,
                    "shards": int(shards),
                    "started": _loads(started) or [],
                    "created_at": created_at,
                }
            )
        return out

    def experiment_rows(self, name: str, execution: int) -> list[dict[str, Any]]:
        if not self._experiments:
            return []
        rows = self._fetch(
            self._q("SELECT data FROM {experiment_runs} WHERE name = %s AND execution = %s ORDER BY seq"),
            (name, execution),
            "read an experiment",
        )
        out = []
        for (data,) in rows:
            value = _loads(data)
            if not isinstance(value, dict):
                raise corrupt(f"experiment {name!r}", f"a row of execution {execution} is not JSON")
            out.append(value)
        return out

    def experiment_names(self) -> list[str]:
        if not self._experiments:
            return []
        rows = self._fetch(
            self._q("SELECT name FROM {experiments} GROUP BY name ORDER BY MIN(created_at), name"),
            (),
            "read the experiments",
        )
        return [r[0] for r in rows]

    def _writable_experiments(self) -> None:
        if not self._experiments:
            raise UsageError("this forum file was opened read-only before it had experiment tables: cannot store")
