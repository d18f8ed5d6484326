"""An embedded SQLite store (stdlib ``sqlite3``, WAL mode).

Every ``add`` is its own committed transaction, so a message is in the file once ``add`` returns: a process
killed afterwards loses nothing of it (WAL with ``synchronous=NORMAL``: durable against process crashes, not
against power loss). Several processes may open the same file; lookups by id see what another process stored.
Messages are immutable, so the in-process object cache can never go stale; it is bounded by bytes
(``cache_bytes``) and forgets the oldest messages first.

Besides the version-1 tables (``meta``, ``messages``, ``cache``: see ``docs/message-format.md``) a file holds two
side tables kept up to date by triggers, so that any program writing the file keeps them right:

* ``edges (seq, parent_seq)``: the parent's row number of every message with a parent. ``history()`` walks it
  with one recursive query over integer keys instead of the 64-character text ids.
* ``suspect (seq)``: rows changed by an ``UPDATE`` after they were stored (the library never updates a row except
  through ``repair``, which clears the mark). Reading a marked row re-hashes it; every other row was written
  from a message whose id was computed or verified, so reads trust it (``scan()`` re-hashes everything).

``PRAGMA user_version`` records this layout (``LAYOUT_VERSION``); files of the current ``schema_version`` 1
without it (written by earlier versions) are upgraded in place when opened for writing. Old versions of the
library can still open upgraded files: the tables they read and write are unchanged and the triggers keep the
side tables right.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .._canonical import EMPTY
from ..errors import IntegrityError, UsageError
from ..messages import Message, rebuild
from ._base import merge_annotations
from ._rows import KIND, STATUS, decode_metadata, message_from_fields, more_than_created_at

__all__ = ["DEFAULT_CACHE_BYTES", "LAYOUT_VERSION", "SCHEMA_VERSION", "SQLiteStore"]

log = logging.getLogger("agentforum_nb")

SCHEMA_VERSION = 2  # 2: messages.annotations and the search index (files of version 1 are upgraded in place)
LAYOUT_VERSION = 2  # PRAGMA user_version: 0 = version-1 tables only, 1 = with edges and suspect, 2 = schema 2
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
_APP_ID = "agentforum_nb"
_TIMEOUT = 30.0  # seconds a connection waits for another process's lock (busy timeout, and the WAL switch)
_COLUMNS = "id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata"
_M_COLUMNS = ", ".join("m." + c.strip() for c in _COLUMNS.split(","))
_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    sender TEXT NOT NULL,
    parent_id TEXT,
    reply_to_id TEXT,
    original_id TEXT,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL,
    annotations TEXT
)""",
    "CREATE INDEX IF NOT EXISTS messages_by_parent ON messages (parent_id, seq)",
    """CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    response_ids TEXT NOT NULL
)""",
)
# `seq` is a plain INTEGER PRIMARY KEY (rowid): messages are never deleted, so max(seq)+1 keeps first-stored order,
# and each commit writes one page fewer than with AUTOINCREMENT (its sqlite_sequence row): ~15% more posts/s.
# Files created with AUTOINCREMENT (earlier development versions) work the same.
_SIDE = {
    "edges": "CREATE TABLE IF NOT EXISTS edges (seq INTEGER PRIMARY KEY, parent_seq INTEGER NOT NULL)",
    "suspect": "CREATE TABLE IF NOT EXISTS suspect (seq INTEGER PRIMARY KEY)",
    # the second statement re-links children stored before their parent (only after a row was deleted by hand
    # and stored again): a seek in messages_by_parent that finds nothing otherwise
    "messages_edges": """CREATE TRIGGER IF NOT EXISTS messages_edges AFTER INSERT ON messages BEGIN
    INSERT OR REPLACE INTO edges (seq, parent_seq) SELECT NEW.seq, p.seq FROM messages p WHERE p.id = NEW.parent_id;
    INSERT OR REPLACE INTO edges (seq, parent_seq) SELECT c.seq, NEW.seq FROM messages c WHERE c.parent_id = NEW.id;
END""",
    # an UPDATE of a canonical field (not of the annotations, which are outside the id) marks the row
    "messages_suspect": """CREATE TRIGGER IF NOT EXISTS messages_suspect
    AFTER UPDATE OF id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata ON messages BEGIN
    INSERT OR IGNORE INTO suspect (seq) VALUES (NEW.seq);
END""",
    # case-folded text for substring search, filled lazily by search() (rowid = messages.seq); its trigram index
    # makes a search for 3 or more characters a lookup
    "search_text": (
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(folded, tokenize='trigram case_sensitive 1')"
    ),
}
_FILL_EDGES = (
    "INSERT OR REPLACE INTO edges (seq, parent_seq) "
    "SELECT c.seq, p.seq FROM messages c JOIN messages p ON p.id = c.parent_id"
)
_INSERT = f"INSERT OR IGNORE INTO messages ({_COLUMNS}, annotations) VALUES (?,?,?,?,?,?,?,?,?,?)"
_SUSPECT = "EXISTS (SELECT 1 FROM suspect s WHERE s.seq = m.seq)"
_PER_MESSAGE = 600  # approximate bytes of a cached Message beyond its content and metadata: object, id strings, dicts
_BATCH = 500  # rows per query when iterating
_NUL_STAND_IN = "\uffff"  # what the search index holds for a NUL (a noncharacter: FTS5 stops reading at NUL)
_SEARCH_FORMAT = "2"  # meta 'search_format': the index's way of writing text (1, unmarked: NULs cut it short)
_READONLY = 8  # SQLITE_READONLY (primary code; extended codes add bits above 0xff)
_BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
_CANTOPEN = 14
_NOTADB = 26
_CORRUPT = 11

_T = TypeVar("_T")
# a row of `_sel`/`_sql_batch`/`_sql_chain`: the nine columns of _COLUMNS, the suspect flag (or the names of the
# columns that are not UTF-8, from _rows), and for _sql_batch the seq; values as SQLite returns them (untrusted)
_Row = tuple[Any, ...]
# a message's nine columns, in the order of _COLUMNS, and its annotations
_Values = tuple[str, str, str, str, str | None, str | None, str | None, str, str, str | None]


def _dump(annotations: Mapping[str, Any] | None) -> str | None:
    """Annotations as stored: compact JSON, or NULL when there are none."""
    if not annotations:
        return None
    if len(annotations) == 1:
        stamp = annotations.get("created_at")
        if type(stamp) is str:  # the annotation of every post: written without the json module
            return '{"created_at":"' + stamp + '"}'
    return json.dumps(annotations, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _utf8_bad(value: object) -> bool:
    if type(value) is not str or value.isascii():
        return False
    try:
        value.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


class SQLiteStore:
    """Messages and the response cache in one SQLite file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "NORMAL",
        readonly: bool = False,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
    ) -> None:
        """``synchronous="NORMAL"`` (default) survives process crashes and keeps the file consistent on power
        loss; ``"OFF"`` is about twice as fast to write and still survives process crashes, but a power loss
        or OS crash can corrupt the file (see SQLite's PRAGMA synchronous).

        ``readonly=True`` opens an existing file for reading only (SQLite ``mode=ro``; also a file in a
        read-only directory): every write raises :class:`UsageError`, nothing in the file is changed.
        ``cache_bytes`` bounds the in-process message cache (approximately: content + metadata JSON + about
        600 bytes per message); ``0`` turns it off."""
        if synchronous not in ("NORMAL", "FULL", "OFF"):
            raise UsageError(f"synchronous must be 'NORMAL', 'FULL' or 'OFF', not {synchronous!r}")
        if type(readonly) is not bool:
            raise UsageError(f"readonly must be True or False, not {readonly!r}")
        if type(cache_bytes) is not int or cache_bytes < 0:
            raise UsageError(f"cache_bytes must be an int >= 0 (bytes of messages kept in memory), not {cache_bytes!r}")
        self.synchronous = synchronous
        self.readonly = readonly
        self.cache_bytes = cache_bytes
        self.path = Path(path)
        self._lock = threading.RLock()
        self._local: dict[str, Message] = {}
        self._order: deque[tuple[str | list[str], int]] = deque()  # (id or list of ids, bytes), oldest first
        self._cached_bytes = 0
        self._edges = False  # the side tables exist (always once opened for writing)
        self._schema = SCHEMA_VERSION  # the file's schema version (a new file gets the current one)
        self._annotated = False  # the file has the annotations column and the search index
        self._conn: sqlite3.Connection | None = None
        conn = self._open_readonly() if readonly else self._open_readwrite()
        try:
            if readonly:
                self._init_readonly(conn)
            else:
                self._retry_busy(lambda: self._init_schema(conn))
        except sqlite3.Error as exc:
            conn.close()
            raise self._open_error(exc) from exc
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._ins = conn.cursor()  # one cursor for every INSERT: saves creating one per post
        susp = self._susp = _SUSPECT if self._edges else "1"  # without the suspect table: re-hash every row
        self._sel = f"SELECT {_M_COLUMNS}, {susp} FROM messages m"
        self._sql_batch = (
            f"SELECT {_M_COLUMNS}, {susp}, m.seq FROM messages m WHERE m.seq > ? AND m.seq <= ? "
            f"ORDER BY m.seq LIMIT {_BATCH}"
        )
        self._sql_chain = f"""WITH RECURSIVE chain(seq) AS (
                    SELECT seq FROM messages WHERE id = ?
                    UNION ALL
                    SELECT e.parent_seq FROM chain JOIN edges e ON e.seq = chain.seq
                    LIMIT (SELECT max(seq) FROM messages) + 1)
                SELECT {_M_COLUMNS}, {susp} FROM chain JOIN messages m ON m.seq = chain.seq"""
        # by text id; UNION (not UNION ALL) ends at a repeated id, so a tampered parent cycle terminates
        self._sql_chain_text = f"""WITH RECURSIVE chain(id) AS (
                    SELECT ?
                    UNION
                    SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id
                    WHERE m.parent_id IS NOT NULL)
                SELECT {_M_COLUMNS}, {susp} FROM chain JOIN messages m ON m.id = chain.id"""
        # poll(): rows above _poll_seq are new; _own holds [first, last] seq ranges this store inserted above it
        # (writers take SQLite's write lock one at a time, so seq order is commit order: nothing commits below)
        self._poll_seq: int = self._query("SELECT coalesce(max(seq), 0) FROM messages")[0][0]
        self._own: list[list[int]] = []

    # -- opening -------------------------------------------------------------------------------------------
    def _open_readwrite(self) -> sqlite3.Connection:
        p = self.path
        if p.exists() and not os.access(p, os.W_OK):
            raise UsageError(
                f"the SQLite forum file {str(p)!r} is read-only (no write permission); open it with "
                f"SQLiteStore(path, readonly=True) to read it, or make it writable"
            )
        try:
            # timeout= sets SQLite's busy timeout as the connection opens, before any statement runs
            return sqlite3.connect(str(p), isolation_level=None, check_same_thread=False, timeout=_TIMEOUT)
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc

    def _open_readonly(self) -> sqlite3.Connection:
        p = self.path
        if not p.exists():
            raise UsageError(
                f"cannot open {str(p)!r} read-only: the file does not exist (readonly=True opens an "
                f"existing forum file and never creates one)"
            )
        if p.is_dir():
            raise UsageError(f"cannot open {str(p)!r}: it is a directory, not a forum file")
        uri = p.absolute().as_uri() + "?mode=ro"
        try:
            return self._connect_probe(uri)
        except sqlite3.Error as exc:
            wal = p.with_name(p.name + "-wal")
            if _code(exc) not in (_READONLY, _CANTOPEN) or (wal.exists() and wal.stat().st_size > 0):
                raise self._open_error(exc) from exc
        # A WAL file needs its -shm index, which SQLite could not create (a read-only directory). No -wal file
        # holds anything, and nobody can write the file without creating one here: read it as immutable.
        try:
            return self._connect_probe(uri + "&immutable=1")
        except sqlite3.Error as exc:
            raise self._open_error(exc) from exc

    @staticmethod
    def _connect_probe(uri: str) -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=_TIMEOUT)
        try:
            conn.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    def _readonly_reason(self) -> str | None:
        """Why this process cannot write the file, when permissions say so (root may write anything)."""
        p = self.path
        if p.exists() and not os.access(p, os.W_OK):
            return f"the file {str(p)!r} is read-only"
        d = p.parent if str(p.parent) else Path(".")
        if d.is_dir() and not os.access(d, os.W_OK):
            what = "create the file" if not p.exists() else f"create {p.name}-wal and {p.name}-shm next to it"
            return f"its directory {str(d)!r} is read-only (SQLite must {what})"
        for suffix in ("-wal", "-shm"):
            q = p.with_name(p.name + suffix)
            if q.exists() and not os.access(q, os.W_OK):
                return f"{str(q)!r} is read-only"
        return None

    def _open_error(self, exc: sqlite3.Error) -> Exception:
        p = str(self.path)
        code = _code(exc)
        if code in (_NOTADB, _CORRUPT):
            return IntegrityError(f"{p!r} is not a SQLite database: {exc}")
        if self.readonly:
            return UsageError(f"cannot open SQLite forum file {p!r} read-only: {exc}")
        reason = self._readonly_reason()
        if reason is None and code == _READONLY:
            reason = (
                "SQLite cannot write it or create its -wal/-shm files next to it (a read-only file, "
                "directory or filesystem)"
            )
        if reason is not None:
            return UsageError(
                f"cannot open SQLite forum file {p!r} for writing: {reason}; open it with "
                f"SQLiteStore(path, readonly=True) to read it"
            )
        if not self.path.parent.is_dir():
            return UsageError(f"cannot open SQLite forum file {p!r}: its directory does not exist")
        return UsageError(f"cannot open SQLite forum file {p!r}: {exc}")

    def _write_error(self, exc: sqlite3.Error) -> Exception:
        if _code(exc) == _READONLY:
            reason = self._readonly_reason() or "the file, its directory or its filesystem is read-only"
            return UsageError(f"cannot write to SQLite forum file {str(self.path)!r}: {reason}; nothing was stored")
        return exc

    @staticmethod
    def _retry_busy(fn: Callable[[], _T]) -> _T:
        """Run ``fn``, retrying while another process holds a lock SQLite does not wait for by itself
        (switching the journal mode to WAL takes an exclusive lock without calling the busy handler)."""
        deadline = time.monotonic() + _TIMEOUT
        delay = 0.001
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if _code(exc) not in _BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    def _check_meta(self, c: sqlite3.Connection, tables: set[str]) -> bool:
        """Check an existing forum's meta table; False for a new (empty) file."""
        if not tables:
            return False
        if "meta" not in tables:
            raise IntegrityError(
                f"{str(self.path)!r} is a SQLite database but not an agentforum_nb forum "
                f"(it has tables {sorted(tables)}); open a new file instead"
            )
        row = dict(c.execute("SELECT key, value FROM meta").fetchall())
        if not row:
            return False
        if row.get("application") != _APP_ID:
            raise IntegrityError(f"{str(self.path)!r} is not an agentforum_nb forum file")
        version = row.get("schema_version")
        if version not in ("1", str(SCHEMA_VERSION)):  # version 1 files are upgraded when opened for writing
            raise IntegrityError(
                f"{str(self.path)!r} has schema version {version}; this agentforum_nb "
                f"reads versions 1 and {SCHEMA_VERSION} (upgrade agentforum_nb to open it)"
            )
        self._schema = int(version)
        return True

    @staticmethod
    def _objects(c: sqlite3.Connection) -> tuple[set[str], set[str]]:
        rows = c.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall()
        return {n for t, n in rows if t == "table"}, {n for t, n in rows if t == "trigger"}

    def _init_readonly(self, c: sqlite3.Connection) -> None:
        tables, _ = self._objects(c)
        if not self._check_meta(c, tables) or "messages" not in tables:
            raise UsageError(
                f"cannot open {str(self.path)!r} read-only: it is not an initialized forum file "
                f"(open it for writing once to create the forum)"
            )
        version = c.execute("PRAGMA user_version").fetchone()[0]
        self._edges = version >= 1 and {"edges", "suspect"} <= tables
        self._annotated = self._schema >= 2  # a version 1 file read-only: no annotations, search by scanning

    def _init_schema(self, c: sqlite3.Connection) -> None:
        c.execute(f"PRAGMA busy_timeout = {int(_TIMEOUT * 1000)}")
        tables, _ = self._objects(c)
        self._check_meta(c, tables)
        if c.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]  # raises SQLITE_BUSY at once: retried
            if mode.lower() != "wal":  # pragma: no cover - e.g. some network filesystems
                raise UsageError(f"SQLite could not switch {str(self.path)!r} to WAL mode (got {mode!r})")
        c.execute(f"PRAGMA synchronous={self.synchronous}")
        c.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _TABLES:
                c.execute(stmt)
            if not self._check_meta(c, {"meta"}):
                c.execute(
                    "INSERT INTO meta VALUES ('application', ?), ('schema_version', ?), ('message_format', ?)",
                    (_APP_ID, str(SCHEMA_VERSION), "agentforum-message 1"),
                )
            tables, triggers = self._objects(c)
            version = c.execute("PRAGMA user_version").fetchone()[0]
            columns = {r[1] for r in c.execute("PRAGMA table_info(messages)")}
            if "annotations" not in columns:  # a version 1 file: annotations live in a column of their own
                c.execute("ALTER TABLE messages ADD COLUMN annotations TEXT")
            if self._schema < SCHEMA_VERSION:
                c.execute("DROP TRIGGER IF EXISTS messages_suspect")  # version 1's fired on any update
                c.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
                triggers.discard("messages_suspect")
                self._schema = SCHEMA_VERSION
            if version < LAYOUT_VERSION or not set(_SIDE) <= tables | triggers:
                # a new file, or one written by an earlier version: add what is missing and fill edges (one
                # transaction: another process sees the file before or after, never half upgraded)
                for stmt in _SIDE.values():
                    c.execute(stmt)
                if version < 1 or "edges" not in tables:
                    c.execute(_FILL_EDGES)
                c.execute(f"PRAGMA user_version = {LAYOUT_VERSION}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        self._edges = True
        self._annotated = True

    # -- the message cache ---------------------------------------------------------------------------------
    def _remember(self, msg: Message, nbytes: int) -> None:
        nbytes += _PER_MESSAGE
        if nbytes > self.cache_bytes:
            return
        with self._lock:
            self._local[msg.id] = msg
            self._order.append((msg.id, nbytes))
            self._cached_bytes += nbytes
            if self._cached_bytes > self.cache_bytes:
                self._evict()

    def _remember_many(self, ids: list[str], msgs: list[Message], nbytes: int) -> None:
        if not msgs:
            return
        nbytes += _PER_MESSAGE * len(msgs)
        if nbytes > self.cache_bytes:
            if len(msgs) > 1:  # too big as one entry: keep the first half (in history(), the part nearest the tip)
                half = len(msgs) // 2
                self._remember_many(ids[:half], msgs[:half], nbytes * half // len(msgs) - _PER_MESSAGE * half)
            return
        with self._lock:
            self._local.update(zip(ids, msgs, strict=True))
            self._order.append((ids, nbytes))
            self._cached_bytes += nbytes
            if self._cached_bytes > self.cache_bytes:
                self._evict()

    def _evict(self) -> None:
        local, order, limit = self._local, self._order, self.cache_bytes
        while self._cached_bytes > limit and order:
            keys, n = order.popleft()
            self._cached_bytes -= n
            if type(keys) is str:
                local.pop(keys, None)
            else:
                for k in keys:
                    local.pop(k, None)

    def message_cache_info(self) -> dict[str, int]:
        """The in-process message cache: ``messages`` held, their approximate ``bytes`` and the ``limit``."""
        with self._lock:
            return {"messages": len(self._local), "bytes": self._cached_bytes, "limit": self.cache_bytes}

    # -- reading -------------------------------------------------------------------------------------------
    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[_Row]:
        with self._lock:
            conn = self._check_open()
            try:
                return conn.execute(sql, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc):
                    raise
                # a tampered row holds bytes that are not UTF-8: read again, and mark such rows so that building
                # them raises an IntegrityError naming the row
                conn.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
                try:
                    rows = conn.execute(sql, args).fetchall()
                finally:
                    conn.text_factory = str
        names = [c.strip() for c in _COLUMNS.split(",")]
        out: list[_Row] = []
        for r in rows:
            bad = [names[i] for i in range(9) if _utf8_bad(r[i])]
            out.append(r if not bad else (*r[:9], "utf-8:" + ",".join(bad), *r[10:]))
        return out

    def _query(self, sql: str, args: Sequence[object] = ()) -> list[_Row]:
        with self._lock:
            return self._check_open().execute(sql, args).fetchall()

    def _check_open(self) -> sqlite3.Connection:
        """The open connection; UsageError once the store is closed."""
        conn = self._conn
        if conn is None:
            raise UsageError("this SQLite store is closed")
        return conn

    def _build(self, row: _Row) -> Message:
        """A message from a row; IntegrityError naming the row when it cannot be one (``message_from_fields``)."""
        mid, kind, content, sender, parent_id, reply_to_id, original_id, status, meta, suspect = row[:10]
        name = mid if type(mid) is str else repr(mid)
        if type(suspect) is str:  # from _rows: text that is not UTF-8
            raise IntegrityError(
                f"stored message {name} is corrupt: its {suspect[6:]} is not valid UTF-8 text", expected=name
            )
        metadata = decode_metadata(name, meta)
        return message_from_fields(
            name, mid, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata, suspect
        )

    def _decode(self, row: _Row, lenient: bool = False) -> Message:
        """``_build`` through the cache. ``lenient``: a row whose fields are valid but hash to another id is
        returned as stored (not cached), for a caller that re-hashes what it reads (``forum.verify()``)."""
        msg = self._local.get(row[0])
        if msg is None:
            try:
                msg = self._build(row)
            except IntegrityError as exc:
                if not lenient or exc.actual is None or type(row[0]) is not str:
                    raise
                return rebuild(
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    row[4],
                    row[5],
                    row[6],
                    row[7],
                    decode_metadata(row[0], row[8]),
                )
            self._remember(msg, len(msg.content) + len(row[8]))
        return msg

    def _decode_many(self, rows: Iterable[_Row]) -> list[Message]:
        """Messages from rows (the hot path of history(): no method call per row for ordinary rows)."""
        get = self._local.get
        kinds = KIND.get
        statuses = STATUS.get
        out = []
        new = []
        new_ids = []
        nbytes = 0
        for r in rows:
            mid, kind, content, sender, parent_id, reply_to_id, original_id, status, meta, suspect = r
            m = get(mid)
            if m is None:
                k = kinds(kind)
                st = statuses(status)
                if (
                    suspect
                    or meta != "{}"
                    or k is None
                    or st is None
                    or type(content) is not str
                    or type(sender) is not str
                    or not sender
                ):
                    m = self._build(r)
                    nbytes += len(meta)
                else:
                    m = rebuild(mid, k, content, sender, parent_id, reply_to_id, original_id, st, EMPTY, True)
                nbytes += len(content)
                new.append(m)
                new_ids.append(mid)
            out.append(m)
        self._remember_many(new_ids, new, nbytes)
        return out

    def get(self, message_id: str) -> Message | None:
        msg = self._local.get(message_id)
        if msg is not None:
            return msg
        rows = self._rows(f"{self._sel} WHERE m.id = ?", (message_id,))
        return self._decode(rows[0]) if rows else None

    def get_many(self, message_ids: list[str]) -> dict[str, Message]:
        """The stored messages among ``message_ids``, fetched in batches (one query per 500 ids)."""
        out = {}
        missing = []
        for mid in message_ids:
            msg = self._local.get(mid)
            if msg is not None:
                out[mid] = msg
            else:
                missing.append(mid)
        for i in range(0, len(missing), 500):
            chunk = missing[i : i + 500]
            rows = self._rows(f"{self._sel} WHERE m.id IN ({','.join('?' * len(chunk))})", chunk)
            for r in rows:
                out[r[0]] = self._decode(r)
        return out

    def __contains__(self, message_id: object) -> bool:
        if message_id in self._local:
            return True
        if type(message_id) is not str:
            return False
        return bool(self._query("SELECT 1 FROM messages WHERE id = ?", (message_id,)))

    def __len__(self) -> int:
        n: int = self._query("SELECT COUNT(*) FROM messages")[0][0]
        return n

    def _batches(self) -> Iterator[list[_Row]]:
        """Every row stored when the iteration started, in first-stored order, ``_BATCH`` rows per query (no
        query stays open between batches, so the caller may read and write the store meanwhile)."""
        top = self._query("SELECT max(seq) FROM messages")[0][0]
        return self._batches_up_to(top or 0)

    def _batches_up_to(self, top: int) -> Iterator[list[_Row]]:
        last = 0
        while last < top:
            rows = self._rows(self._sql_batch, (last, top))
            if not rows:
                return
            yield rows
            last = rows[-1][10]

    def __iter__(self) -> Iterator[Message]:
        """Every message in first-stored order. A row whose fields are valid but do not hash to its id is
        yielded as stored (``Message.verify()`` raises on it); a row that is no message raises IntegrityError."""
        batches = self._batches()
        return (self._decode(r, lenient=True) for rows in batches for r in rows)

    def scan(self) -> Iterator[tuple[str, Message | IntegrityError]]:
        """``(id, message)`` for every row in first-stored order, or ``(id, IntegrityError)`` for a row that is
        not a message matching its id: every row is re-hashed, and a bad row does not stop the scan."""
        for rows in self._batches():
            for r in rows:
                mid = r[0] if type(r[0]) is str else repr(r[0])
                try:
                    msg = self._build(r)
                    if not r[9]:  # a marked row was re-hashed by _build already
                        msg.verify()
                except IntegrityError as exc:
                    yield mid, exc
                    continue
                cached = self._local.get(mid)
                if cached is None:
                    self._remember(msg, len(msg.content) + len(r[8]))
                    cached = msg
                yield mid, cached

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` stored ids that start with ``prefix`` (a range scan of the id index)."""
        upper = prefix + "g"  # just above every hex continuation of the prefix
        rows = self._query(
            "SELECT id FROM messages WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", (prefix, upper, limit)
        )
        return [str(r[0]) for r in rows]

    def children(self, message_id: str) -> list[Message]:
        return [self._decode(r) for r in self._rows(f"{self._sel} WHERE m.parent_id = ? ORDER BY m.seq", (message_id,))]

    def roots(self) -> list[Message]:
        return [self._decode(r) for r in self._rows(f"{self._sel} WHERE m.parent_id IS NULL ORDER BY m.seq")]

    def history(self, message_id: str) -> list[Message] | None:
        out: list[Message] = []
        mid: str | None
        mid = message_id  # assigned apart from the declaration, so mypy sees a str at the loop's first get()
        local = self._local
        get = local.get
        append = out.append
        for _ in range(len(local) + 1):  # walk what this process already holds, then ask SQLite for the rest
            msg = get(mid)
            if msg is None:
                break
            append(msg)
            mid = msg.parent_id
            if mid is None:
                break
        else:  # more steps than cached messages: the cached messages' parents form a cycle
            raise IntegrityError(f"the branch of {message_id} has a parent cycle (through {mid})", expected=message_id)
        if mid is not None:
            rest = self._chain(mid, message_id)
            if rest is None:
                if not out:
                    return None
                raise KeyError(mid)
            out.extend(rest)
        out.reverse()
        return out

    def _chain(self, mid: str, start: str) -> list[Message] | None:
        """``mid`` and its ancestors, nearest first; None if ``mid`` is unknown; KeyError(missing ancestor)."""
        if self._edges:
            rows = self._rows(self._sql_chain, (mid,))
            if not rows:
                return None
            ids = [r[0] for r in rows]
            parents = [r[4] for r in rows]
            if ids[0] == mid and parents[-1] is None and parents[:-1] == ids[1:]:
                return self._decode_many(rows)
            # the edges disagree with the parent_id column (rows changed or deleted by hand): follow the text ids
        rows = self._rows(self._sql_chain_text, (mid,))
        by_id = {r[0]: r for r in rows}
        chain: list[_Row] = []
        seen: set[str] = set()
        cur: str | None = mid
        while cur is not None:
            r = by_id.get(cur)
            if r is None:
                if not chain:
                    return None
                raise KeyError(cur)
            if cur in seen:
                raise IntegrityError(
                    f"the branch of {start} has a parent cycle: {cur} is its own ancestor (the "
                    f"stored rows were changed)",
                    expected=start,
                )
            seen.add(cur)
            chain.append(r)
            cur = r[4]
        return self._decode_many(chain)

    # -- writing -------------------------------------------------------------------------------------------
    @staticmethod
    def _values(m: Message, annotations: Mapping[str, Any] | None = None) -> _Values:
        return (
            m.id,
            m.kind,
            m.content,
            m.sender,
            m.parent_id,
            m.reply_to_id,
            m.original_id,
            m.status,
            m.metadata_json(),
            _dump(annotations),
        )

    def _check_writable(self) -> sqlite3.Connection:
        """The open connection, when the store may be written; UsageError otherwise."""
        conn = self._check_open()
        if self.readonly:
            raise UsageError(
                f"the SQLite forum {str(self.path)!r} was opened read-only (readonly=True): it cannot be written"
            )
        return conn

    def add(self, message: Message, annotations: Mapping[str, Any] | None = None) -> Message:
        mid = message.id
        local = self._local
        existing = local.get(mid)
        if existing is not None:
            if annotations and more_than_created_at(annotations):
                self._merge_annotations(mid, annotations)
            return existing
        v: _Values = (
            mid,
            message.kind,
            message.content,
            message.sender,
            message.parent_id,
            message.reply_to_id,
            message.original_id,
            message.status,
            message.metadata_json(),
            _dump(annotations),
        )
        with self._lock:
            if self._conn is None or self.readonly:
                if self._conn is not None:  # read-only: a stored message needs no write
                    stored = self.get(mid)
                    if stored is not None:
                        return stored
                self._check_writable()
            try:
                cur = self._ins.execute(_INSERT, v)  # autocommit: its own committed transaction
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc
            if cur.rowcount == 1 and cur.lastrowid is not None:
                self._note_own(cur.lastrowid, cur.lastrowid)
            if cur.rowcount == 0:  # stored before (perhaps by another process): return the stored value
                stored = self._add_existing(message, v)
                if annotations and more_than_created_at(annotations):
                    self._merge_annotations(mid, annotations)
                return stored
            nbytes = len(v[2]) + len(v[8]) + _PER_MESSAGE  # _remember, inlined: this is the path of every post
            if nbytes <= self.cache_bytes:
                local[mid] = message
                self._order.append((mid, nbytes))
                self._cached_bytes += nbytes
                if self._cached_bytes > self.cache_bytes:
                    self._evict()
        return message

    def _add_existing(self, message: Message, v: _Values) -> Message:
        rows = self._rows(f"{self._sel} WHERE m.id = ?", (message.id,))
        if not rows:  # pragma: no cover - deleted by hand between the INSERT and this read
            raise IntegrityError(f"message {message.id} was stored and then removed from the file")
        if tuple(rows[0][:9]) != v[:9]:
            # the row was changed behind the store's back; this message (hashed or verified by the forum)
            # is what the id stands for: rewrite the row
            message.verify()
            log.warning("agentforum_nb: stored message %s… did not match its id; repaired", message.id[:12])
            self.repair(message)
        stored = rebuild(
            message.id,
            message.kind,
            message.content,
            message.sender,
            message.parent_id,
            message.reply_to_id,
            message.original_id,
            message.status,
            message.metadata,
        )
        self._local.pop(message.id, None)
        self._remember(stored, len(v[2]) + len(v[8]))
        return stored

    def repair(self, message: Message) -> None:
        with self._lock:
            c = self._check_writable()
            v = self._values(message)
            try:
                c.execute("BEGIN IMMEDIATE")
                try:
                    c.execute(
                        "UPDATE messages SET kind=?, content=?, sender=?, parent_id=?, reply_to_id=?, "
                        "original_id=?, status=?, metadata=? WHERE id=?",
                        v[1:9] + v[:1],
                    )
                    c.execute("DELETE FROM edges WHERE seq IN (SELECT seq FROM messages WHERE id = ?)", v[:1])
                    c.execute(
                        "INSERT OR REPLACE INTO edges (seq, parent_seq) SELECT m.seq, p.seq FROM messages m "
                        "JOIN messages p ON p.id = m.parent_id WHERE m.id = ?",
                        v[:1],
                    )
                    c.execute("DELETE FROM suspect WHERE seq IN (SELECT seq FROM messages WHERE id = ?)", v[:1])
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc
            self._local.pop(message.id, None)
            self._remember(message, len(v[2]) + len(v[8]))

    def add_many(self, messages: Sequence[Message], annotations: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        notes = annotations or {}
        with self._lock:
            c = self._check_writable()
            try:
                c.execute("BEGIN IMMEDIATE")
                try:
                    before = c.execute("SELECT coalesce(max(seq), 0) FROM messages").fetchone()[0]
                    c.executemany(_INSERT, [self._values(m, notes.get(m.id)) for m in messages])
                    after = c.execute("SELECT coalesce(max(seq), 0) FROM messages").fetchone()[0]
                    for m in messages:  # messages stored before: their annotations are merged
                        extra = notes.get(m.id)
                        if extra:
                            row = c.execute("SELECT annotations FROM messages WHERE id = ?", (m.id,)).fetchone()
                            if row is not None and row[0] != _dump(extra):
                                merged = merge_annotations(self._parse_annotations(m.id, row[0]), extra)
                                c.execute("UPDATE messages SET annotations = ? WHERE id = ?", (_dump(merged), m.id))
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc
            if after > before:  # the write lock was held: every row in between is this store's
                self._note_own(before + 1, after)

    # -- what others stored ----------------------------------------------------------------------------------
    def _note_own(self, first: int, last: int) -> None:
        with self._lock:
            own = self._own
            if own and own[-1][1] == first - 1:
                own[-1][1] = last
            else:
                own.append([first, last])

    def _is_own(self, seq: int) -> bool:
        return any(a <= seq <= b for a, b in self._own)

    def poll(self) -> list[Message]:
        """The messages that other writers (other processes, other store objects) stored since the last
        ``poll()``, or since this store was opened, in first-stored order; never what this store stored itself."""
        with self._lock:
            rows = self._rows(
                f"SELECT {_M_COLUMNS}, {self._susp}, m.seq FROM messages m WHERE m.seq > ? ORDER BY m.seq",
                (self._poll_seq,),
            )
            fresh = [self._decode(r) for r in rows if not self._is_own(r[10])]
            if rows:
                self._poll_seq = rows[-1][10]
            self._own = [r for r in self._own if r[1] > self._poll_seq]
            return fresh

    def has_changes(self) -> bool:
        """Whether ``poll()`` would return something: one read of the largest seq."""
        top = self._query("SELECT coalesce(max(seq), 0) FROM messages")[0][0]
        with self._lock:
            nxt = self._poll_seq + 1
            for a, b in self._own:  # the seqs after the last poll that this store wrote itself
                if a > nxt:
                    break
                nxt = max(nxt, b + 1)
            return bool(top >= nxt)

    # -- annotations -----------------------------------------------------------------------------------------
    def _parse_annotations(self, message_id: str, raw: object) -> dict[str, Any]:
        if raw is None:
            return {}
        try:
            value = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise IntegrityError(
                f"the annotations of stored message {message_id} are not a JSON object (the row was changed by hand)",
                expected=message_id,
            )
        return value

    def annotations(self, message_id: str) -> dict[str, Any]:
        if not self._annotated:
            return {}
        rows = self._query("SELECT annotations FROM messages WHERE id = ?", (message_id,))
        return self._parse_annotations(message_id, rows[0][0]) if rows else {}

    def annotations_many(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        if not self._annotated:
            return {}
        ids = list(message_ids)
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), _BATCH):
            chunk = ids[i : i + _BATCH]
            rows = self._query(
                f"SELECT id, annotations FROM messages WHERE annotations IS NOT NULL AND id IN "
                f"({','.join('?' * len(chunk))})",
                chunk,
            )
            for mid, raw in rows:
                out[mid] = self._parse_annotations(mid, raw)
        return out

    def all_annotations(self) -> dict[str, dict[str, Any]]:
        """Every message's annotations (the non-empty ones), by id."""
        if not self._annotated:
            return {}
        rows = self._query("SELECT id, annotations FROM messages WHERE annotations IS NOT NULL ORDER BY seq")
        return {mid: self._parse_annotations(mid, raw) for mid, raw in rows}

    def annotate(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self._merge_annotations(message_id, changes)

    def _merge_annotations(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Read, merge and write a message's annotations in one transaction (other processes may annotate too)."""
        with self._lock:
            c = self._check_writable()
            if not self._annotated:  # pragma: no cover - a file opened for writing is always upgraded
                raise UsageError(f"{str(self.path)!r} has no annotations (schema version {self._schema})")
            try:
                c.execute("BEGIN IMMEDIATE")
                try:
                    row = c.execute("SELECT annotations FROM messages WHERE id = ?", (message_id,)).fetchone()
                    if row is None:
                        raise KeyError(message_id)
                    current = self._parse_annotations(message_id, row[0])
                    merged = merge_annotations(current, changes)
                    if merged != current:
                        c.execute("UPDATE messages SET annotations = ? WHERE id = ?", (_dump(merged), message_id))
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc
            return merged

    # -- search --------------------------------------------------------------------------------------------
    def search(
        self, text: str = "", *, sender: str | None = None, kind: str | None = None, status: str | None = None
    ) -> Iterator[Message]:
        """Messages whose case-folded content contains ``text.casefold()`` with the given fields, in first-stored
        order. Three or more characters are looked up in the trigram index (brought up to date first: rows
        stored since the last search, by any process, are indexed then); shorter text scans the folded texts."""
        needle = text.casefold()
        where, args = [], []
        for column, value in (("sender", sender), ("kind", kind), ("status", status)):
            if value is not None:
                where.append(f"m.{column} = ?")
                args.append(value)
        if needle and (self.readonly or not self._annotated):  # no index to keep: scan and fold here
            for m in self._decode_many(
                self._rows(f"{self._sel}{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY m.seq", args)
            ):
                if needle in m.content.casefold():
                    yield m
            return
        if needle:
            self._index_search()
            indexed = needle.replace("\x00", _NUL_STAND_IN)  # as the index holds it (see _index_search)
            if len(needle) >= 3:
                where.insert(0, "s.folded MATCH ?")
                args.insert(0, '"' + indexed.replace('"', '""') + '"')
            else:
                where.insert(0, "instr(s.folded, ?) > 0")
                args.insert(0, indexed)
            sql = (
                f"SELECT {_M_COLUMNS}, {self._susp} FROM search_text s JOIN messages m ON m.seq = s.rowid "
                f"WHERE {' AND '.join(where)} ORDER BY m.seq"
            )
        else:
            sql = f"{self._sel}{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY m.seq"
        for m in self._decode_many(self._rows(sql, args)):
            if needle in m.content.casefold():  # the index only narrows the candidates; this decides
                yield m

    def _index_search(self) -> None:
        """Add the rows stored since the last search to the search index (one transaction). FTS5 reads text only
        up to a NUL character, so the index holds each NUL as a stand-in character (a needle is written the same
        way; a real stand-in character then only adds candidates, which search() checks). An index written
        before that rule (no ``search_format`` row) is rebuilt."""
        with self._lock:
            c = self._check_writable()
            done = c.execute("SELECT value FROM meta WHERE key = 'search_seq'").fetchone()
            last = int(done[0]) if done else 0
            fmt = c.execute("SELECT value FROM meta WHERE key = 'search_format'").fetchone()
            top = c.execute("SELECT max(seq) FROM messages").fetchone()[0] or 0
            if top <= last and fmt is not None and fmt[0] == _SEARCH_FORMAT:
                return
            try:
                c.execute("BEGIN IMMEDIATE")
                try:
                    fmt = c.execute("SELECT value FROM meta WHERE key = 'search_format'").fetchone()
                    if fmt is None or fmt[0] != _SEARCH_FORMAT:
                        c.execute("DELETE FROM search_text")
                        c.execute("DELETE FROM meta WHERE key = 'search_seq'")
                        c.execute(
                            "INSERT OR REPLACE INTO meta (key, value) VALUES ('search_format', ?)", (_SEARCH_FORMAT,)
                        )
                    done = c.execute("SELECT value FROM meta WHERE key = 'search_seq'").fetchone()
                    last = int(done[0]) if done else 0  # another process may have indexed meanwhile
                    rows = c.execute("SELECT seq, content FROM messages WHERE seq > ? AND seq <= ?", (last, top))
                    c.executemany(
                        "INSERT INTO search_text (rowid, folded) VALUES (?, ?)",
                        (
                            (seq, str(content).casefold().replace("\x00", _NUL_STAND_IN))
                            for seq, content in rows.fetchall()
                        ),
                    )
                    c.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('search_seq', ?)", (str(top),))
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc

    def _write(self, sql: str, args: Sequence[object] = ()) -> sqlite3.Cursor:
        with self._lock:
            conn = self._check_writable()
            try:
                return conn.execute(sql, args)
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc

    # -- cache ---------------------------------------------------------------------------------------------
    def cache_get(self, key: str) -> tuple[str, ...] | None:
        rows = self._query("SELECT response_ids FROM cache WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            ids = json.loads(rows[0][0])
        except (TypeError, ValueError):
            ids = None
        if not isinstance(ids, list):
            return ("<corrupt entry>",)  # the forum treats an unusable entry as a miss and repairs it
        return tuple(ids)

    def cache_put(self, key: str, response_ids: Iterable[str], *, agent: str = "") -> None:
        self._write(
            "INSERT OR REPLACE INTO cache (key, agent, response_ids) VALUES (?, ?, ?)",
            (key, agent, json.dumps(list(response_ids))),
        )

    def cache_delete(self, key: str) -> None:
        self._write("DELETE FROM cache WHERE key = ?", (key,))

    def cache_clear(self) -> int:
        return self._write("DELETE FROM cache").rowcount

    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]:
        out = []
        for key, agent, ids in self._query("SELECT key, agent, response_ids FROM cache ORDER BY rowid"):
            try:
                out.append((key, agent, tuple(json.loads(ids))))
            except (TypeError, ValueError):
                out.append((key, agent, ()))
        return out

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
