"""An embedded SQLite store (stdlib ``sqlite3``, WAL mode): the SQLite dialect, connection and search index of the
SQL store core (``_sql.py``). Every ``add`` is its own committed transaction (durable against process crashes);
several processes may open one file. Besides ``_sql.TABLES`` a file holds side tables that triggers keep right,
whoever writes it: ``edges`` (``history()`` walks integer keys), ``suspect`` (rows changed by an ``UPDATE``,
re-hashed when read) and ``search_text`` (FTS5 trigram index). ``PRAGMA user_version`` records this layout; older
files are upgraded in place when opened for writing. See docs/stores.md.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from ..attachments import attachments_json
from ..errors import IntegrityError, UsageError
from ..messages import Message
from ._base import encodable
from ._sql import CANONICAL, DEFAULT_CACHE_BYTES, SEQ, TABLES, Row, SQLStore, dump_annotations

__all__ = ["DEFAULT_CACHE_BYTES", "LAYOUT_VERSION", "SCHEMA_VERSION", "SQLiteStore"]

SCHEMA_VERSION = 2  # 2: messages.annotations and the search index (files of version 1 are upgraded in place)
# PRAGMA user_version: 0 = version-1 tables only, 1 = with edges and suspect, 2 = schema 2, 3 = the suspect trigger
# covers the attachments column
LAYOUT_VERSION = 3
_TIMEOUT = 30.0  # seconds a connection waits for another process's lock (busy timeout, and the WAL switch)
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
    # an UPDATE of a field the id covers (not of the annotations, which are outside the id) marks the row
    "messages_suspect": f"""CREATE TRIGGER IF NOT EXISTS messages_suspect AFTER UPDATE OF {", ".join(CANONICAL)},
    attachments ON messages BEGIN INSERT OR IGNORE INTO suspect (seq) VALUES (NEW.seq); END""",
    # case-folded text for substring search, filled lazily by search() (rowid = messages.seq); its trigram index
    # makes a search for 3 or more characters a lookup
    "search_text": "CREATE VIRTUAL TABLE IF NOT EXISTS search_text "
    "USING fts5(folded, tokenize='trigram case_sensitive 1')",
}
_FILL_EDGES = "INSERT OR REPLACE INTO edges SELECT c.seq, p.seq FROM messages c JOIN messages p ON p.id = c.parent_id"
_INSERT = (
    f"INSERT OR IGNORE INTO messages ({', '.join(CANONICAL)}, annotations, attachments) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)
_NUL_STAND_IN = "\uffff"  # what the search index holds for a NUL (a noncharacter: FTS5 stops reading at NUL)
_SEARCH_FORMAT = "2"  # meta 'search_format': the index's way of writing text (1, unmarked: NULs cut it short)
_BUSY = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (primary codes; extended codes add bits above 0xff)
_READONLY, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 8, 11, 13, 14, 26
_ERRORS = (sqlite3.Error, UnicodeDecodeError)  # what reading a damaged file raises (a name in its schema not UTF-8)
_T = TypeVar("_T")


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _damaged(exc: Exception) -> bool:
    """Whether ``exc`` says the file's pages or schema are not a forum's (corruption, or tables changed by hand)."""
    text = str(exc)
    return _code(exc) in (_CORRUPT, _NOTADB) or any(w in text for w in ("malformed", "no such", "decode", "utf-8"))


@contextmanager
def _immediate(c: sqlite3.Connection) -> Iterator[None]:
    """A write transaction: committed when the block ends, rolled back when it raises."""
    c.execute("BEGIN IMMEDIATE")
    try:
        yield
        c.execute("COMMIT")
    except BaseException:
        if c.in_transaction:
            c.execute("ROLLBACK")
        raise


def _shown(path: str) -> str:
    """A path for messages (a very long one shortened)."""
    return repr(path if len(path) <= 200 else path[:120] + "…" + path[-60:])


class SQLiteStore(SQLStore):
    """Messages and the response cache in one SQLite file."""

    _TYPES: ClassVar[dict[str, str]] = {
        "SEQ": "INTEGER",
        "ID": "TEXT",
        "INT": "INTEGER",
        "TEXT": "TEXT",
        "BLOB": "BLOB",
    }
    _AFTER: ClassVar[dict[str, tuple[str, ...]]] = {
        "messages": ("CREATE INDEX messages_by_parent ON messages (parent_id, seq)",)
    }
    _CACHE_PUT = "INSERT OR REPLACE INTO {cache} (key, agent, response_ids) VALUES (%s, %s, %s)"
    _CACHE_ORDER = "rowid"  # INSERT OR REPLACE gives a replaced entry a new rowid
    _EXPERIMENT_PUT = "INSERT OR REPLACE INTO {experiment_runs} (name, execution, run, data) VALUES (%s, %s, %s, %s)"
    _BLOB_PUT = "INSERT OR IGNORE INTO {attachments} (sha256, media_type, size, data) VALUES (%s, %s, %s, %s)"
    _VERSIONS = ("1", str(SCHEMA_VERSION))  # version 1 files are upgraded when opened for writing
    _ADVICE = "; open a new file instead"

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
        or OS crash can corrupt the file (see SQLite's PRAGMA synchronous). ``readonly=True`` opens an existing
        file for reading only (SQLite ``mode=ro``; also a file in a read-only directory): every write raises
        :class:`UsageError`. ``cache_bytes`` bounds the in-process message cache (approximately: content +
        metadata JSON + about 600 bytes per message); ``0`` turns it off."""
        if synchronous not in ("NORMAL", "FULL", "OFF"):
            raise UsageError(f"synchronous must be 'NORMAL', 'FULL' or 'OFF', not {synchronous!r}")
        if type(readonly) is not bool:
            raise UsageError(f"readonly must be True or False, not {readonly!r}")
        super().__init__(cache_bytes)
        self.path = Path(self._check_path(path))
        self._name = _shown(str(self.path))
        self.synchronous = synchronous
        self.readonly = readonly
        self._edges = False  # the side tables exist (always once opened for writing)
        self._indexed = -1  # the largest seq this store saw in the search index (-1: not looked yet)
        self._inserted: list[tuple[int, int]] = []  # the seqs a transaction inserted: this store's once committed
        self._conn: sqlite3.Connection | None = None
        try:
            self._conn = conn = self._open()
        except OSError as exc:  # the path itself (too long, a loop of links...)
            raise UsageError(f"cannot open SQLite forum file {self._name}: {exc.strerror or exc}") from None
        self._ins = conn.cursor()  # one cursor for every INSERT: saves creating one per post
        # poll(): rows above _poll_seq are new; _own holds [first, last] seq ranges this store inserted above it
        # (writers take SQLite's write lock one at a time, so seq order is commit order: nothing commits below)
        self._poll_seq = self._top()
        self._own: list[list[int]] = []

    # -- opening -------------------------------------------------------------------------------------------
    @staticmethod
    def _check_path(path: object) -> str:
        text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
        if type(text) is not str or not text.strip() or "\x00" in text or not encodable(text):
            what = f"{text!r:.100}" if isinstance(text, str) else f"a {type(text).__name__}"
            raise UsageError(f"a SQLite forum path must be a file name such as 'chat.sqlite' (UTF-8 text), not {what}")
        return text

    def _open(self) -> sqlite3.Connection:
        """A connection to the forum file (checked, created or upgraded), for writing or read-only (``mode=ro``; as
        immutable when SQLite cannot create the -shm index of a file in a read-only directory and no -wal file
        holds anything: nobody writes it)."""
        p, name, readonly = self.path, self._name, self.readonly
        if readonly and not p.is_file():
            why = "it is a directory, not a forum file" if p.is_dir() else "the file does not exist"
            raise UsageError(f"cannot open {name} read-only: {why} (readonly=True opens an existing forum file)")
        if not readonly and p.exists() and not os.access(p, os.W_OK):
            raise UsageError(
                f"the SQLite forum file {name} is read-only (no write permission); open it with "
                f"SQLiteStore(path, readonly=True) to read it, or make it writable"
            )
        target = p.absolute().as_uri() + "?mode=ro" if readonly else str(p)
        for immutable in ("", "&immutable=1"):
            conn = None
            try:  # timeout= sets SQLite's busy timeout as the connection opens, before any statement runs
                conn = c = sqlite3.connect(target + immutable, uri=readonly, check_same_thread=False, timeout=_TIMEOUT)
                c.isolation_level = None
                self._retry_busy(partial(self._init, c))
                return c
            except BaseException as exc:
                if conn is not None:
                    conn.close()
                if not isinstance(exc, _ERRORS):
                    raise
                retry = readonly and not immutable and _code(exc) in (_READONLY, _CANTOPEN)
                wal = p.with_name(p.name + "-wal")
                if not retry or (wal.exists() and wal.stat().st_size):
                    raise self._error(exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _readonly_reason(self) -> str | None:
        """Why this process cannot write the file, when permissions say so (root may write anything)."""
        p = self.path
        if p.exists() and not os.access(p, os.W_OK):
            return f"the file {self._name} is read-only"
        if p.parent.is_dir() and not os.access(p.parent, os.W_OK):
            what = "create the file" if not p.exists() else f"create {p.name}-wal and {p.name}-shm next to it"
            return f"its directory {_shown(str(p.parent))} is read-only (SQLite must {what})"
        side = [p.with_name(p.name + suffix) for suffix in ("-wal", "-shm")]
        return next((f"{_shown(str(q))} is read-only" for q in side if q.exists() and not os.access(q, os.W_OK)), None)

    @staticmethod
    def _retry_busy(fn: Callable[[], _T]) -> _T:
        """Run ``fn``, retrying while another process holds a lock SQLite does not wait for by itself
        (switching the journal mode to WAL takes an exclusive lock without calling the busy handler)."""
        deadline, delay = time.monotonic() + _TIMEOUT, 0.0005
        while True:
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if _code(exc) not in _BUSY or time.monotonic() >= deadline:
                    raise
            time.sleep(delay := min(delay * 2, 0.05))

    def _tables(self, c: sqlite3.Connection) -> tuple[set[str], set[str]]:
        rows = c.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')").fetchall()
        return {n for t, n in rows if t == "table"}, {n for t, n in rows if t == "trigger"}

    def _init(self, c: sqlite3.Connection) -> None:
        c.execute(f"PRAGMA busy_timeout = {int(_TIMEOUT * 1000)}")
        tables, _ = self._tables(c)
        existing = self._open_forum(c, tables, self._name, create=False)  # another file is refused unchanged
        if self.readonly:
            if not existing:
                raise UsageError(
                    f"cannot open {self._name} read-only: it is not an initialized forum file "
                    f"(open it for writing once to create the forum)"
                )
            self._edges = c.execute("PRAGMA user_version").fetchone()[0] >= 1 and {"edges", "suspect"} <= tables
            self._annotated = self._schema >= 2  # a version 1 file read-only: no annotations, search by scanning
            self._experiments = {"experiments", "experiment_runs"} <= tables
            self._attached = "attachments" in tables and "attachments" in self._columns_of(c, "messages")
            return
        if c.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]  # raises SQLITE_BUSY at once: retried
            if mode.lower() != "wal":  # pragma: no cover - e.g. some network filesystems
                raise UsageError(f"SQLite could not switch {self._name} to WAL mode (got {mode!r})")
        c.execute(f"PRAGMA synchronous={self.synchronous}")
        with _immediate(c):  # what is missing is created in one transaction: others see the file before or after
            tables, triggers = self._tables(c)
            self._open_forum(c, tables, self._name, create=True)
            version = c.execute("PRAGMA user_version").fetchone()[0]
            if version < 3:  # the suspect trigger of earlier layouts does not watch the attachments column
                c.execute("DROP TRIGGER IF EXISTS messages_suspect")
                triggers.discard("messages_suspect")
            if self._schema < SCHEMA_VERSION:
                c.execute("DROP TRIGGER IF EXISTS messages_suspect")  # version 1's fired on any update
                c.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
                triggers.discard("messages_suspect")
                self._schema = SCHEMA_VERSION
            if version < LAYOUT_VERSION or not set(_SIDE) <= tables | triggers:
                for stmt in _SIDE.values():
                    c.execute(stmt)
                if version < 1 or "edges" not in tables:
                    c.execute(_FILL_EDGES)
                c.execute(f"PRAGMA user_version = {LAYOUT_VERSION}")
        self._edges = True

    # -- running statements --------------------------------------------------------------------------------
    def _render(self, template: str) -> str:
        # without the suspect table (a read-only file of an old layout) every row is re-hashed
        suspect = "EXISTS (SELECT 1 FROM suspect s WHERE s.seq = m.seq)" if self._edges else "1"
        row = ", ".join("m." + c for c in CANONICAL) + ", NULL, " + suspect
        row += ", m.attachments" if self._attached else ", NULL"
        names = {**{t: t for t in TABLES}, "for_update": ""}
        sql = template.format(row=row, in_list="IN (SELECT value FROM json_each(%s))", **names)
        return sql.replace("%s", "?")

    def _list(self, ids: Sequence[Any]) -> Any:
        return json.dumps(ids)

    def _run(self, op: Callable[[Any], _T], what: str, write: bool = False) -> _T:
        with self._lock:
            conn = self._conn
            if conn is None:
                raise UsageError("this SQLite store is closed")
            if write and self.readonly:
                raise UsageError(
                    f"the SQLite forum {self._name} was opened read-only (readonly=True): it cannot be written"
                )
            try:
                return op(conn)
            except _ERRORS as exc:
                raise self._error(exc, what) from exc

    def _transaction(self, op: Callable[[Any], _T], what: str) -> _T:
        def tx(c: sqlite3.Connection) -> _T:
            self._inserted.clear()
            with _immediate(c):
                out = op(c)
            self._own.extend([first, last] for first, last in self._inserted)  # committed: those rows are ours
            return out

        return self._run(tx, what, write=True)

    def _error(self, exc: Exception, what: str = "open") -> Exception:
        """The error of ours that says what went wrong (``what``: the operation; "open" while opening)."""
        name, code, opening = self._name, _code(exc), what == "open"
        if code == _NOTADB:
            return IntegrityError(f"{name} is not a SQLite database: {exc}")
        if _damaged(exc):
            return IntegrityError(f"the SQLite forum file {name} is damaged ({exc}): cannot {what}; restore a backup")
        if code in _BUSY:
            return UsageError(f"cannot {what}: SQLite forum file {name} stayed locked by another process ({exc})")
        if code == _FULL:
            return UsageError(f"cannot {what}: the disk of SQLite forum file {name} is full; nothing was stored")
        if opening and self.readonly:
            return UsageError(f"cannot open SQLite forum file {name} read-only: {exc}")
        try:
            reason, parent_missing = self._readonly_reason(), not self.path.parent.is_dir()
        except OSError:
            reason, parent_missing = None, False
        if code == _READONLY or (opening and reason is not None):
            reason = reason or "SQLite cannot write it or create its -wal/-shm files (a read-only file or directory)"
            if opening:
                advice = "open it with SQLiteStore(path, readonly=True) to read it"
                return UsageError(f"cannot open SQLite forum file {name} for writing: {reason}; {advice}")
            return UsageError(f"cannot write to SQLite forum file {name}: {reason}; nothing was stored")
        if opening:
            why = "its directory does not exist" if parent_missing else exc
            return UsageError(f"cannot open SQLite forum file {name}: {why}")
        return exc

    def _rows(self, query: str, args: Any = (), what: str = "read messages") -> list[Row]:
        def op(c: sqlite3.Connection) -> list[Row]:
            try:
                return c.execute(query, args).fetchall()
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc):
                    raise
            # a tampered row holds bytes that are not UTF-8: read again, and mark such rows (their suspect column
            # names the columns) so that building them raises an IntegrityError naming the row
            c.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
            try:
                rows = c.execute(query, args).fetchall()
            finally:
                c.text_factory = str
            marked = ((r, [CANONICAL[i] for i in range(9) if type(r[i]) is str and not encodable(r[i])]) for r in rows)
            return [(*r[:10], ",".join(bad), *r[11:]) if bad else r for r, bad in marked]

        return self._run(op, what)

    # -- writing -------------------------------------------------------------------------------------------
    @staticmethod
    def _values(m: Message, annotations: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
        fields = (m.id, m.kind, m.content, m.sender, m.parent_id, m.reply_to_id, m.original_id, m.status)
        attached = attachments_json(m.attachments) if m.attachments else None
        return (*fields, m.metadata_json(), dump_annotations(annotations), attached)

    def _insert(self, values: tuple[Any, ...]) -> bool:
        with self._lock:
            if self._conn is None or self.readonly:  # read-only: a stored message needs no write, others raise
                return values[0] not in self and self._run(lambda c: False, "store a message", write=True)
            try:
                cur = self._ins.execute(_INSERT, values)  # autocommit: its own committed transaction
            except sqlite3.Error as exc:
                raise self._error(exc, "store a message") from exc
            if cur.rowcount != 1:
                return False
            own, seq = self._own, cur.lastrowid or 0  # the rows this store inserted, as ranges of seqs
            if own and own[-1][1] == seq - 1:
                own[-1][1] = seq
            else:
                own.append([seq, seq])
            return True

    def _insert_many(self, cursor: Any, values: list[tuple[Any, ...]]) -> set[str]:
        before = cursor.execute("SELECT coalesce(max(seq), 0) FROM messages").fetchone()[0]
        cursor.executemany(_INSERT, values)
        rows = cursor.execute("SELECT seq, id FROM messages WHERE seq > ? ORDER BY seq", (before,)).fetchall()
        if rows:  # the write lock is held: every row in between is this store's
            self._inserted.append((before + 1, rows[-1][0]))
        return {r[1] for r in rows}

    def _repair_row(self, cursor: Any, values: tuple[Any, ...]) -> None:
        cursor.execute(
            f"UPDATE messages SET {', '.join(c + ' = ?' for c in CANONICAL[1:])}, attachments = ? WHERE id = ?",
            (*values[1:9], values[10], values[0]),
        )
        cursor.execute("DELETE FROM edges WHERE seq = (SELECT seq FROM messages WHERE id = ?)", values[:1])
        cursor.execute(_FILL_EDGES + " WHERE c.id = ?", values[:1])
        cursor.execute("DELETE FROM suspect WHERE seq = (SELECT seq FROM messages WHERE id = ?)", values[:1])

    # -- reading -------------------------------------------------------------------------------------------
    def _chain_rows(self, message_id: str) -> list[Row]:
        if self._edges:  # over the integer keys of `edges`; LIMIT ends a cycle there
            query = """WITH RECURSIVE chain(seq) AS (SELECT seq FROM messages WHERE id = %s
                UNION ALL SELECT e.parent_seq FROM chain JOIN edges e ON e.seq = chain.seq
                LIMIT (SELECT max(seq) FROM messages) + 1)
                SELECT {row} FROM chain JOIN messages m ON m.seq = chain.seq"""
        else:  # by the text ids; UNION (not UNION ALL) ends at a repeated id, so a parent cycle terminates
            query = """WITH RECURSIVE chain(id) AS (SELECT %s
                UNION SELECT m.parent_id FROM messages m JOIN chain ON m.id = chain.id WHERE m.parent_id IS NOT NULL)
                SELECT {row} FROM chain JOIN messages m ON m.id = chain.id"""
        return self._rows(self._q(query), (message_id,))

    def _narrow(self, needle: str, where: list[str], args: list[Any]) -> str:
        """Three or more characters are looked up in the trigram index (brought up to date first), fewer scan it;
        a file opened read-only has no index to keep (the core decides on every row with the given fields)."""
        if not needle or self.readonly or not self._annotated:
            return "{messages} m"
        self._index_search()
        indexed = needle.replace("\x00", _NUL_STAND_IN)  # as the index holds it (see _index_search)
        where.insert(0, "s.folded MATCH %s" if len(needle) >= 3 else "instr(s.folded, %s) > 0")
        args.insert(0, '"' + indexed.replace('"', '""') + '"' if len(needle) >= 3 else indexed)
        return "search_text s JOIN {messages} m ON m.seq = s.rowid"

    def _search_rows(self, source: str, condition: str, args: list[Any]) -> Iterator[list[Row]]:
        yield self._rows(self._q(f"SELECT {{row}} FROM {source}{condition} ORDER BY m.seq"), args)  # one query: faster

    def _index_search(self) -> None:
        """Add the rows stored since the last search (by any process) to the search index, in one transaction.
        FTS5 reads text only up to a NUL character, so the index holds each NUL as a stand-in character (a needle
        is written the same way; a real stand-in then only adds candidates, which the core checks). An index
        written before that rule (no ``search_format`` row) is rebuilt."""

        def index(c: sqlite3.Connection) -> int:
            meta = dict(c.execute("SELECT key, value FROM meta WHERE key IN ('search_seq', 'search_format')"))
            last = int(meta.get("search_seq", 0)) if meta.get("search_format") == _SEARCH_FORMAT else 0
            if not last:
                c.execute("DELETE FROM search_text")
                c.execute("INSERT OR REPLACE INTO meta VALUES ('search_format', ?)", (_SEARCH_FORMAT,))
            rows = c.execute("SELECT seq, content FROM messages WHERE seq > ? ORDER BY seq", (last,)).fetchall()
            folded = ((seq, str(content).casefold().replace("\x00", _NUL_STAND_IN)) for seq, content in rows)
            c.executemany("INSERT INTO search_text (rowid, folded) VALUES (?, ?)", folded)
            top = rows[-1][0] if rows else last
            c.execute("INSERT OR REPLACE INTO meta VALUES ('search_seq', ?)", (str(top),))
            return int(top)

        if self._top() > self._indexed:  # (another process may have indexed them: the transaction reads again)
            self._indexed = self._transaction(index, "index messages for search")

    # -- what others stored ----------------------------------------------------------------------------------
    def poll(self) -> list[Message]:
        """``SharedStore.poll``: the rows above the last seq seen, but those this store inserted."""
        query = self._q("SELECT {row}, m.seq FROM {messages} m WHERE m.seq > %s ORDER BY m.seq")
        with self._lock:
            rows = self._rows(query, (self._poll_seq,))
            fresh = [self._decode(r) for r in rows if not any(a <= r[SEQ] <= b for a, b in self._own)]
            self._poll_seq = rows[-1][SEQ] if rows else self._poll_seq
            self._own = [r for r in self._own if r[1] > self._poll_seq]
            return fresh

    def has_changes(self) -> bool:
        """Whether ``poll()`` would return something: one read of the largest seq."""
        top = self._top()
        with self._lock:
            nxt = self._poll_seq + 1
            for a, b in self._own:  # the seqs after the last poll that this store wrote itself
                if a > nxt:
                    break
                nxt = max(nxt, b + 1)
            return top >= nxt

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()
