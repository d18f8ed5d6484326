"""An embedded SQLite store (stdlib ``sqlite3``, WAL mode).

Every ``add`` is its own committed transaction, so a message is in the file once ``add`` returns: a process
killed afterwards loses nothing of it (WAL with ``synchronous=NORMAL``: durable against process crashes, not
against power loss). Several processes may open the same file; lookups by id see what another process stored.
Messages are immutable, so the in-process object cache can never go stale.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from .._canonical import freeze_trusted
from ..errors import IntegrityError, UsageError
from ..messages import Message, rebuild

SCHEMA_VERSION = 1
_APP_ID = "agentforum_nb"
_COLUMNS = "id, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    sender TEXT NOT NULL,
    parent_id TEXT,
    reply_to_id TEXT,
    original_id TEXT,
    status TEXT NOT NULL,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_parent ON messages (parent_id, seq);
CREATE TABLE IF NOT EXISTS cache (
    key TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    response_ids TEXT NOT NULL
);
"""
# `seq` is a plain INTEGER PRIMARY KEY (rowid): messages are never deleted, so max(seq)+1 keeps first-stored order,
# and each commit writes one page fewer than with AUTOINCREMENT (its sqlite_sequence row): ~15% more posts/s.
# Files created with AUTOINCREMENT (earlier development versions) work the same.
_LOCAL_LIMIT = 500_000


class SQLiteStore:
    """Messages and the response cache in one SQLite file."""

    def __init__(self, path: str | os.PathLike, *, synchronous: str = "NORMAL") -> None:
        """``synchronous="NORMAL"`` (default) survives process crashes and keeps the file consistent on power
        loss; ``"OFF"`` is about twice as fast to write and still survives process crashes, but a power loss
        or OS crash can corrupt the file (see SQLite's PRAGMA synchronous)."""
        if synchronous not in ("NORMAL", "FULL", "OFF"):
            raise UsageError(f"synchronous must be 'NORMAL', 'FULL' or 'OFF', not {synchronous!r}")
        self.synchronous = synchronous
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=30.0)
        except sqlite3.Error as exc:
            raise UsageError(f"cannot open SQLite forum file {str(self.path)!r}: {exc}") from exc
        self._conn = conn
        try:
            self._init_schema()
        except BaseException:
            conn.close()
            raise
        self._local: dict[str, Message] = {}

    def _init_schema(self) -> None:
        c = self._conn
        try:
            c.execute("PRAGMA busy_timeout = 30000")
            tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise IntegrityError(f"{str(self.path)!r} is not a SQLite database: {exc}") from exc
        if tables and "meta" not in tables:
            raise IntegrityError(f"{str(self.path)!r} is a SQLite database but not an agentforum_nb forum "
                                 f"(it has tables {sorted(tables)}); open a new file instead")
        mode = c.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":  # pragma: no cover - e.g. some network filesystems
            raise UsageError(f"SQLite could not switch {str(self.path)!r} to WAL mode (got {mode!r})")
        c.execute(f"PRAGMA synchronous={self.synchronous}")
        c.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    c.execute(stmt)
            row = dict(c.execute("SELECT key, value FROM meta").fetchall())
            if not row:
                c.execute("INSERT INTO meta VALUES ('application', ?), ('schema_version', ?), ('message_format', ?)",
                          (_APP_ID, str(SCHEMA_VERSION), "agentforum-message 1"))
            else:
                if row.get("application") != _APP_ID:
                    raise IntegrityError(f"{str(self.path)!r} is not an agentforum_nb forum file")
                version = row.get("schema_version")
                if version != str(SCHEMA_VERSION):
                    raise IntegrityError(f"{str(self.path)!r} has schema version {version}; this agentforum_nb "
                                         f"reads version {SCHEMA_VERSION} (upgrade agentforum_nb to open it)")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    # -- reading -------------------------------------------------------------------------------------------
    def _row(self, row) -> Message:
        mid = row[0]
        msg = self._local.get(mid)
        if msg is None:
            try:
                metadata = freeze_trusted(json.loads(row[8])) if row[8] != "{}" else freeze_trusted({})
            except (TypeError, ValueError) as exc:
                raise IntegrityError(f"stored message {mid} has corrupt metadata ({exc})", expected=mid) from None
            msg = rebuild(mid, row[1], row[2], row[3], row[4], row[5], row[6], row[7], metadata)
            self._remember(msg)
        return msg

    def _remember(self, msg: Message) -> None:
        if len(self._local) >= _LOCAL_LIMIT:
            self._local.clear()
        self._local[msg.id] = msg

    def _query(self, sql: str, args=()) -> list:
        with self._lock:
            self._check_open()
            return self._conn.execute(sql, args).fetchall()

    def _check_open(self) -> None:
        if self._conn is None:
            raise UsageError("this SQLite store is closed")

    def get(self, message_id: str) -> Message | None:
        msg = self._local.get(message_id)
        if msg is not None:
            return msg
        rows = self._query(f"SELECT {_COLUMNS} FROM messages WHERE id = ?", (message_id,))
        return self._row(rows[0]) if rows else None

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
            chunk = missing[i:i + 500]
            rows = self._query(f"SELECT {_COLUMNS} FROM messages WHERE id IN ({','.join('?' * len(chunk))})",
                               chunk)
            for r in rows:
                out[r[0]] = self._row(r)
        return out

    def __contains__(self, message_id: object) -> bool:
        if message_id in self._local:
            return True
        if type(message_id) is not str:
            return False
        return bool(self._query("SELECT 1 FROM messages WHERE id = ?", (message_id,)))

    def __len__(self) -> int:
        return self._query("SELECT COUNT(*) FROM messages")[0][0]

    def __iter__(self) -> Iterator[Message]:
        return iter([self._row(r) for r in self._query(f"SELECT {_COLUMNS} FROM messages ORDER BY seq")])

    def children(self, message_id: str) -> list[Message]:
        return [self._row(r) for r in
                self._query(f"SELECT {_COLUMNS} FROM messages WHERE parent_id = ? ORDER BY seq", (message_id,))]

    def roots(self) -> list[Message]:
        return [self._row(r) for r in
                self._query(f"SELECT {_COLUMNS} FROM messages WHERE parent_id IS NULL ORDER BY seq")]

    def history(self, message_id: str) -> list[Message] | None:
        out = []
        mid: str | None = message_id
        local = self._local
        while mid is not None:  # walk what this process already holds, then ask SQLite for the rest at once
            msg = local.get(mid)
            if msg is None:
                break
            out.append(msg)
            mid = msg.parent_id
        if mid is not None:
            rows = self._query(
                f"""WITH RECURSIVE chain(id, depth) AS (
                        SELECT ?, 0
                        UNION ALL
                        SELECT m.parent_id, chain.depth + 1 FROM messages m JOIN chain ON m.id = chain.id
                        WHERE m.parent_id IS NOT NULL)
                    SELECT {', '.join('m.' + c.strip() for c in _COLUMNS.split(','))}
                    FROM chain JOIN messages m ON m.id = chain.id ORDER BY chain.depth""", (mid,))
            if not rows:
                if not out:
                    return None
                raise KeyError(mid)
            out.extend(self._row(r) for r in rows)
            if out[-1].parent_id is not None:
                raise KeyError(out[-1].parent_id)
        out.reverse()
        return out

    # -- writing -------------------------------------------------------------------------------------------
    @staticmethod
    def _values(m: Message) -> tuple:
        return (m.id, m.kind, m.content, m.sender, m.parent_id, m.reply_to_id, m.original_id, m.status,
                m.metadata_json())

    def add(self, message: Message) -> Message:
        existing = self._local.get(message.id)
        if existing is not None:
            return existing
        with self._lock:
            self._check_open()
            cur = self._conn.execute(f"INSERT OR IGNORE INTO messages ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                                     self._values(message))
        if cur.rowcount == 0:  # stored before (perhaps by another process): return the stored value
            stored = self.get(message.id)
            if stored is not None:
                return stored
        self._remember(message)
        return message

    def repair(self, message: Message) -> None:
        with self._lock:
            self._check_open()
            v = self._values(message)
            self._conn.execute("UPDATE messages SET kind=?, content=?, sender=?, parent_id=?, reply_to_id=?, "
                               "original_id=?, status=?, metadata=? WHERE id=?", v[1:] + v[:1])
        self._local[message.id] = message

    def add_many(self, messages: Sequence[Message]) -> None:
        with self._lock:
            self._check_open()
            c = self._conn
            c.execute("BEGIN IMMEDIATE")
            try:
                c.executemany(f"INSERT OR IGNORE INTO messages ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",
                              [self._values(m) for m in messages])
                c.execute("COMMIT")
            except BaseException:
                c.execute("ROLLBACK")
                raise

    # -- cache ---------------------------------------------------------------------------------------------
    def cache_get(self, key: str) -> tuple[str, ...] | None:
        rows = self._query("SELECT response_ids FROM cache WHERE key = ?", (key,))
        if not rows:
            return None
        try:
            ids = json.loads(rows[0][0])
        except ValueError:
            ids = None
        if not isinstance(ids, list):
            return ("<corrupt entry>",)  # the forum treats an unusable entry as a miss and repairs it
        return tuple(ids)

    def cache_put(self, key: str, response_ids: Iterable[str], *, agent: str = "") -> None:
        with self._lock:
            self._check_open()
            self._conn.execute("INSERT OR REPLACE INTO cache (key, agent, response_ids) VALUES (?, ?, ?)",
                               (key, agent, json.dumps(list(response_ids))))

    def cache_delete(self, key: str) -> None:
        with self._lock:
            self._check_open()
            self._conn.execute("DELETE FROM cache WHERE key = ?", (key,))

    def cache_clear(self) -> int:
        with self._lock:
            self._check_open()
            return self._conn.execute("DELETE FROM cache").rowcount

    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]:
        out = []
        for key, agent, ids in self._query("SELECT key, agent, response_ids FROM cache ORDER BY rowid"):
            try:
                out.append((key, agent, tuple(json.loads(ids))))
            except ValueError:
                out.append((key, agent, ()))
        return out

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
