"""A PostgreSQL store (psycopg 3, no ORM): one forum shared by any number of processes and machines; the
PostgreSQL dialect, connection and search index of the SQL store core (``_sql.py``). Every ``add`` is one committed
``INSERT ... ON CONFLICT (id) DO NOTHING``. Besides ``_sql.TABLES`` the messages table holds ``nul_text`` (the exact
content and sender of a message holding U+0000, which PostgreSQL text cannot), ``folded`` (for search, trigram-
indexed when ``pg_trgm`` can be created), ``writer`` and ``xact`` (``poll()`` asks by transaction id) and
``suspect`` (set by a trigger). A lost connection is reopened once. See docs/stores.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the PostgreSQL store needs psycopg 3: pip install 'agentforum_nb[postgres]' (or 'psycopg[binary]')"
    ) from exc

from ..errors import IntegrityError, UsageError
from ..messages import Message
from ._sql import CANONICAL, DEFAULT_CACHE_BYTES, TABLES, Row, SQLStore, dump_annotations, dump_attachments
from .copy import copy_forum

__all__ = ["DEFAULT_CACHE_BYTES", "SCHEMA_VERSION", "PostgresStore", "copy_forum"]

log = logging.getLogger("agentforum_nb")

SCHEMA_VERSION = 1
CONNECT_TIMEOUT = 5  # seconds, unless the URL says connect_timeout=
_MIN_SERVER = 130000  # xid8 and pg_current_xact_id(): PostgreSQL 13
_NUL = "\x00"
_STORED = (*CANONICAL, "nul_text", "annotations", "folded", "attachments")  # the columns of `_values`, in order
_HASHED = (*_STORED[:10], "attachments")  # what the id covers (nul_text: the exact content and sender)
_LOST = ("08", "57P")  # SQLSTATE classes of a connection that is gone (connection exception, operator intervention)
# a column the id covers changed: the trigger that marks a row `suspect` fires
_CHANGED = "(({}) IS DISTINCT FROM ({}))".format(*(", ".join(f"{w}.{c}" for c in _HASHED) for w in ("OLD", "NEW")))
_SUSPECT_TRIGGER = (
    f"CREATE TRIGGER messages_suspect BEFORE UPDATE ON {{messages}} FOR EACH ROW WHEN {_CHANGED} "
    "EXECUTE FUNCTION {schema}.agentforum_mark_suspect()"
)
# what poll() and has_changes() ask from: the oldest transaction still running
_SNAPSHOT = "WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h) SELECT snap.h::text, "
_T = TypeVar("_T")
_Cursor = psycopg.Cursor[Row]
_Connection = psycopg.Connection[Row]


def _text(value: str) -> str:
    """``value`` as PostgreSQL text can hold it (U+0000 becomes U+FFFD; search and filters re-check exactly)."""
    return value.replace(_NUL, "\ufffd") if _NUL in value else value


def _redact(url: str) -> str:
    """The URL without its password."""
    return re.sub(r"^([a-z]+://[^:/@]*):[^/@]*@", r"\1:***@", url)


def _reason(exc: BaseException) -> str:
    """The server's or libpq's message, on one line."""
    return " ".join(str(exc).split()) or type(exc).__name__


class PostgresStore(SQLStore):
    """Messages, annotations and the response cache in a PostgreSQL database, shared by many processes."""

    _TYPES: ClassVar[dict[str, str]] = {
        "SEQ": "bigserial",
        "ID": 'text COLLATE "C"',
        "INT": "bigint",
        "TEXT": "text",
        "BLOB": "bytea",
    }
    _OWN_COLUMNS: ClassVar[dict[str, str]] = {
        "messages": "nul_text text, folded text NOT NULL, writer bigint NOT NULL DEFAULT 0, "
        "xact xid8 NOT NULL DEFAULT pg_current_xact_id(), suspect boolean NOT NULL DEFAULT false",
        "cache": "seq bigserial NOT NULL",
    }
    _AFTER: ClassVar[dict[str, tuple[str, ...]]] = {
        "messages": (
            "CREATE INDEX messages_by_parent ON {messages} (parent_id, seq)",
            "CREATE INDEX messages_by_xact ON {messages} (xact)",
            "CREATE FUNCTION {schema}.agentforum_mark_suspect() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN NEW.suspect := true; RETURN NEW; END $$",
            _SUSPECT_TRIGGER,
        )
    }
    # a forum written before attachments: its suspect trigger is made again to watch the new column too
    _COLUMN_ADDED: ClassVar[dict[tuple[str, str], tuple[str, ...]]] = {
        ("messages", "attachments"): ("DROP TRIGGER IF EXISTS messages_suspect ON {messages}", _SUSPECT_TRIGGER)
    }
    _BLOB_PUT = (
        "INSERT INTO {attachments} (sha256, media_type, size, data) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (sha256) DO NOTHING"
    )
    _VERSIONS = (str(SCHEMA_VERSION),)
    _META: ClassVar[dict[str, str]] = {"store": "postgresql"}
    _ADVICE = "; use another database, or give the forum a schema of its own with ?schema=NAME"
    _SAME = 10  # the canonical columns and nul_text
    _EXPERIMENT_PUT = (
        "INSERT INTO {experiment_runs} (name, execution, run, data) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (name, execution, run) DO UPDATE SET data = EXCLUDED.data"
    )
    _EXPERIMENT_LOCK = "LOCK TABLE {experiments} IN SHARE ROW EXCLUSIVE MODE"  # begins one at a time
    _CACHE_PUT = (
        "INSERT INTO {cache} (key, agent, response_ids) VALUES (%s, %s, %s) ON CONFLICT (key) "
        "DO UPDATE SET agent = EXCLUDED.agent, response_ids = EXCLUDED.response_ids, seq = EXCLUDED.seq"
    )
    _CACHE_ORDER = "seq"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        cache_bytes: int = DEFAULT_CACHE_BYTES,
        connect_timeout: float | None = None,
    ) -> None:
        """``url``: ``postgresql://user[:password]@host[:port]/database[?param=value...]`` (libpq's URL or
        ``key=value`` form; ``PGPASSWORD`` and ``~/.pgpass`` work as with ``psql``). ``schema`` (or
        ``?schema=name`` in the URL) keeps the forum's tables in that schema, created if missing; by default
        they go in the connection's current schema (normally ``public``). ``connect_timeout`` (seconds; default
        the URL's ``connect_timeout``, else 5) bounds each connection attempt. ``cache_bytes`` bounds the
        in-process message cache (``0``: off)."""
        if type(url) is not str or not url:
            raise UsageError(f"a PostgreSQL store needs a postgresql:// URL (a str), not {url!r}")
        super().__init__(cache_bytes)
        conninfo, url_schema = self._split_schema(url)
        if schema is not None and url_schema is not None and schema != url_schema:
            raise UsageError(f"schema={schema!r} and the URL's ?schema={url_schema!r} disagree; give one of them")
        schema = schema if schema is not None else url_schema
        if schema is not None and (type(schema) is not str or not schema or _NUL in schema or len(schema) > 63):
            raise UsageError(f"schema must be a non-empty name of at most 63 characters, not {schema!r}")
        try:
            params = conninfo_to_dict(conninfo)
        except psycopg.ProgrammingError as exc:
            raise UsageError(f"not a valid PostgreSQL URL ({_redact(url)}): {_reason(exc)}") from None
        if connect_timeout is None:
            given = params.get("connect_timeout")
            try:
                connect_timeout = float(given) if given is not None and str(given).strip() else CONNECT_TIMEOUT
            except ValueError:
                raise UsageError(f"the URL's connect_timeout must be a number of seconds, not {given!r}") from None
        if not isinstance(connect_timeout, (int, float)) or connect_timeout <= 0:
            raise UsageError(f"connect_timeout must be a number of seconds > 0, not {connect_timeout!r}")
        self.url = url
        host = str(params.get("host") or params.get("hostaddr") or "localhost (Unix socket)")
        port = str(params.get("port") or os.environ.get("PGPORT") or "5432")
        self._user = str(params.get("user") or os.environ.get("PGUSER") or "(the OS user)")
        #: the server, for messages: "host:port/database" (never the password)
        self.where = f"{host}:{port}/{params.get('dbname') or os.environ.get('PGDATABASE') or '(the role name)'}"
        self._conninfo = conninfo
        self._connect_timeout = max(1, round(connect_timeout))
        self._conn: _Connection | None = None
        self._cur: _Cursor | None = None
        self._pid = os.getpid()
        self._inherited: list[_Connection] = []  # connections of a parent process, never used or closed here
        self._closed = False
        self._writer = secrets.randbits(62) + 1  # tells this store's inserts from everybody else's (poll)
        self._horizon = 0  # poll(): every transaction with a lower id had finished when it was last asked
        self._seen: dict[int, int] = {}  # poll(): seq -> xact of the rows at or above the horizon seen already
        self._trigram = False
        self._row = ", ".join("m." + c for c in (*_STORED[:10], "suspect", "attachments"))
        conn = self._connect()
        try:
            self._init_schema(conn, schema)
        except BaseException:
            conn.close()
            raise
        self._conn, self._cur = conn, conn.cursor()
        try:
            rows = self._fetch(
                self._q(_SNAPSHOT + "m.seq, m.xact::text FROM snap LEFT JOIN {messages} m ON m.xact >= snap.h")
            )
        except BaseException:
            self.close()
            raise
        self._horizon = int(rows[0][0])  # poll() returns what is stored after now
        self._seen = {int(r[1]): int(r[2]) for r in rows if r[1] is not None}

    # -- opening -------------------------------------------------------------------------------------------
    @staticmethod
    def _split_schema(url: str) -> tuple[str, str | None]:
        """The URL without its ``schema`` query parameter (libpq does not know it), and that parameter."""
        if "://" not in url or "schema=" not in url:
            return url, None
        try:
            parts = urlsplit(url)
            query = parse_qsl(parts.query, keep_blank_values=True)
        except ValueError as exc:
            raise UsageError(f"not a valid PostgreSQL URL ({_redact(url)}): {exc}") from None
        schemas = [v for k, v in query if k == "schema"]
        if len(schemas) > 1:
            raise UsageError(f"the URL gives ?schema= {len(schemas)} times ({_redact(url)}); give it once")
        if not schemas:
            return url, None
        rest = urlencode([(k, v) for k, v in query if k != "schema"])
        return urlunsplit((*parts[:3], rest, parts.fragment)), schemas[0]

    def _connect(self) -> _Connection:
        try:
            conn = psycopg.connect(
                self._conninfo,
                autocommit=True,
                connect_timeout=self._connect_timeout,
                client_encoding="UTF8",
                application_name=os.environ.get("PGAPPNAME", "agentforum_nb"),
            )
        except psycopg.Error as exc:
            raise UsageError(
                f"cannot connect to the PostgreSQL server at {self.where} as role {self._user!r}: {_reason(exc)}"
            ) from None
        try:
            encoding, version = str((conn.execute("SHOW server_encoding").fetchone() or ("?",))[0]), conn.info
        except BaseException:
            conn.close()
            raise
        problem = f"is version {version.server_version // 10000}: agentforum_nb needs PostgreSQL 13 or newer"
        if version.server_version >= _MIN_SERVER:
            problem = f"has encoding {encoding}: a forum needs UTF8 (createdb --encoding=UTF8 --template=template0)"
        if version.server_version < _MIN_SERVER or encoding.upper() not in ("UTF8", "UTF-8"):
            conn.close()
            raise UsageError(f"the PostgreSQL database {self.where} {problem}")
        self._pid = os.getpid()
        return conn

    def _init_schema(self, conn: _Connection, schema: str | None) -> None:
        """Check an existing forum, or create one (under an advisory lock, so that processes opening a new
        database at once create it once)."""
        try:
            with conn.transaction():
                schema = schema or str((conn.execute("SELECT current_schema()").fetchone() or ("",))[0] or "")
                if not schema:
                    raise UsageError(
                        f"the connection to {self.where} has no current schema (its search_path names no "
                        f"existing schema); give one with ?schema=NAME"
                    )
                self.schema = schema
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("agentforum_nb " + schema,))
                names = (
                    "SELECT c.relname, c.relkind = 'i' FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                )
                names += "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'i')"
                relations = conn.execute(names, (schema,)).fetchall()
                tables = {str(name) for name, index in relations if not index}
                if not conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchall():
                    conn.execute(self._render("CREATE SCHEMA {schema}"))  # asks for CREATE on the database
                where = f"schema {schema!r} of the PostgreSQL database {self.where}"
                if self._open_forum(conn.cursor(), tables, where, create=True):
                    self._trigram = ("messages_folded_trgm", True) in relations
                    trigger = "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'messages_suspect' "
                    if not conn.execute(trigger + "AND tgenabled <> 'D'", (self._render("{messages}"),)).fetchall():
                        log.warning("agentforum_nb: %s has no messages_suspect trigger: rows are re-hashed", self.where)
                        # no row can be trusted
                        self._row = ", ".join("m." + c for c in _STORED[:10]) + ", true, m.attachments"
                else:
                    self._trigram = self._create_trigram_index(conn)
        except psycopg.Error as exc:
            raise self._error(exc, "open the forum") from None

    def _create_trigram_index(self, conn: _Connection) -> bool:
        """A trigram GIN index on ``folded`` when pg_trgm is (or can be) installed; else search scans."""
        try:
            with conn.transaction():  # a savepoint: a refusal leaves the creation going on
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg.Error as exc:
            log.info("agentforum_nb: pg_trgm is not available in %s (%s); search scans", self.where, _reason(exc))
        where = (
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = %s"
        )
        row = conn.execute(where, ("pg_trgm",)).fetchone()
        if row is not None:
            ops = sql.Identifier(row[0], "gin_trgm_ops").as_string(conn)
            conn.execute(self._render(f"CREATE INDEX messages_folded_trgm ON {{messages}} USING gin (folded {ops})"))
        return row is not None

    # -- running statements --------------------------------------------------------------------------------
    def _render(self, template: str) -> str:
        names = {t: sql.Identifier(self.schema, t) for t in TABLES}
        composed = sql.SQL(template).format(
            schema=sql.Identifier(self.schema),
            row=sql.SQL(self._row),
            in_list=sql.SQL("= ANY(%s)"),
            for_update=sql.SQL(" FOR UPDATE"),
            **names,
        )
        return composed.as_string(self._conn)

    def _text(self, value: str) -> str:
        return _text(value)

    def _cursor(self) -> _Cursor:
        if self._closed:
            raise UsageError("this PostgreSQL store is closed")
        if self._pid != os.getpid() and self._conn is not None:
            # a forked child: the parent's connection (its socket) is the parent's; keep it unused, open our own,
            # and write as another writer (the parent's poll() returns what the child stores)
            self._inherited.append(self._conn)
            self._conn = self._cur = None
            self._writer = secrets.randbits(62) + 1
        if self._conn is None or self._cur is None:
            self._conn = self._connect()
            self._cur = self._conn.cursor()
        return self._cur

    def _drop(self) -> None:
        conn, self._conn, self._cur = self._conn, None, None
        if conn is not None and self._pid == os.getpid():
            with contextlib.suppress(psycopg.Error):  # already broken
                conn.close()

    def _lost(self, exc: psycopg.Error) -> bool:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return True
        return (exc.sqlstate or "").startswith(_LOST) and isinstance(exc, psycopg.OperationalError)

    def _run(self, op: Callable[[Any], _T], what: str, write: bool = False) -> _T:
        """``op(cursor)``; a lost connection is reopened once and ``op`` runs again (every op may be repeated)."""
        with self._lock:
            lost = ""
            while True:
                try:
                    cur = self._cursor()
                except UsageError as exc:
                    if not lost:
                        raise
                    raise UsageError(
                        f"lost the connection to the PostgreSQL server at {self.where} ({lost}) and could not "
                        f"reconnect to {what}: {exc}. What this call was storing was committed whole or not at all; "
                        f"repeating it is safe"
                    ) from None
                try:
                    return op(cur)
                except psycopg.Error as exc:
                    if self._lost(exc):
                        self._drop()
                        if not lost:
                            lost = _reason(exc)
                            log.warning("agentforum_nb: lost the connection to %s (%s); reconnecting", self.where, lost)
                            continue
                    raise self._error(exc, what) from exc

    def _transaction(self, op: Callable[[Any], _T], what: str) -> _T:
        def tx(c: _Cursor) -> _T:
            with c.connection.transaction():
                return op(c)

        return self._run(tx, what)

    def _error(self, exc: psycopg.Error, what: str) -> Exception:
        schema, why = getattr(self, "schema", "?"), _reason(exc)
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            return UsageError(
                f"the PostgreSQL role {self._user!r} may not {what} in schema {schema!r} of {self.where}: {why} "
                f"(see docs/stores.md for the privileges a forum needs)"
            )
        if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
            return UsageError(f"the PostgreSQL server at {self.where} is read-only (a standby?); cannot {what}")
        if isinstance(exc, (pg_errors.UndefinedTable, pg_errors.UndefinedFunction, pg_errors.UndefinedColumn)):
            return IntegrityError(
                f"the forum's tables in schema {schema!r} of {self.where} were changed or dropped behind the "
                f"store's back: {why}"
            )
        if isinstance(exc, (pg_errors.ProgramLimitExceeded, pg_errors.OutOfMemory)):
            return UsageError(f"PostgreSQL at {self.where} cannot {what}: {why}; nothing was stored")
        if isinstance(exc, psycopg.OperationalError):
            return UsageError(f"PostgreSQL at {self.where} failed to {what}: {why}")
        return exc

    # -- writing -------------------------------------------------------------------------------------------
    @staticmethod
    def _values(m: Message, annotations: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
        """The stored columns of a message (``_STORED``)."""
        content, sender, nul = m.content, m.sender, None
        if _NUL in content or _NUL in sender:
            nul = json.dumps({"content": content, "sender": sender}, ensure_ascii=False, separators=(",", ":"))
            content, sender = _text(content), _text(sender)
        fields = (m.id, m.kind, content, sender, m.parent_id, m.reply_to_id, m.original_id, m.status, m.metadata_json())
        return (*fields, nul, dump_annotations(annotations), _text(m.content.casefold()), dump_attachments(m))

    def _insert(self, values: tuple[Any, ...]) -> bool:
        query = self._q(
            f"INSERT INTO {{messages}} ({', '.join(_STORED)}, writer) VALUES ({', '.join(['%s'] * (len(_STORED) + 1))})"
            " "
            f"ON CONFLICT (id) DO NOTHING RETURNING seq"
        )
        return bool(self._run(lambda c: c.execute(query, (*values, self._writer)).fetchall(), "store a message"))

    def _insert_many(self, cursor: Any, values: list[tuple[Any, ...]]) -> set[str]:
        """COPY into a temporary table, then one INSERT from it (3x faster than row by row)."""
        columns, text = ", ".join(_STORED), ", ".join(n + " text" for n in _STORED)
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS agentforum_incoming (ord bigint, {text}) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY agentforum_incoming (ord, {columns}) FROM STDIN") as copy:
            for i, v in enumerate(values):
                copy.write_row((i, *v))
        query = self._q(
            f"INSERT INTO {{messages}} ({columns}, writer) SELECT {', '.join('t.' + n for n in _STORED)}, %s FROM "
            "agentforum_incoming t ORDER BY t.ord ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        return {r[0] for r in cursor.execute(query, (self._writer,)).fetchall()}

    def _repair_row(self, cursor: Any, values: tuple[Any, ...]) -> None:
        sets = ", ".join(f"{c} = %s" for c in (*_STORED[1:10], "folded", "attachments"))
        cursor.execute(
            self._q(f"UPDATE {{messages}} SET {sets} WHERE id = %s"), (*values[1:10], values[11], values[12], values[0])
        )
        cursor.execute(self._q("UPDATE {messages} SET suspect = false WHERE id = %s"), values[:1])

    # -- reading -------------------------------------------------------------------------------------------
    def _chain_rows(self, message_id: str) -> list[Row]:
        """One recursive query (``UNION`` ends at a repeated row, so a tampered parent cycle terminates)."""
        cols = ", ".join((*_STORED[:10], "suspect", "attachments"))
        query = self._q(
            f"WITH RECURSIVE chain({cols}) AS (SELECT {{row}} FROM {{messages}} m WHERE m.id = %s "
            f"UNION SELECT {{row}} FROM {{messages}} m JOIN chain c ON m.id = c.parent_id) SELECT {cols} FROM chain"
        )
        return self._rows(query, (message_id,))

    def _narrow(self, needle: str, where: list[str], args: list[Any]) -> str:
        """The ``folded`` column: through the trigram index for 3 or more characters (when there is one), else a
        ``strpos`` scan."""
        if needle and self._trigram and len(folded := _text(needle)) >= 3:
            where.append("m.folded LIKE %s")
            args.append("%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        elif needle:
            where.append("strpos(m.folded, %s) > 0")
            args.append(_text(needle))
        return "{messages} m"

    # -- what others stored ----------------------------------------------------------------------------------
    def poll(self) -> list[Message]:
        """``SharedStore.poll``: the rows of transactions at or above the horizon, but those seen already."""
        query = self._q(
            _SNAPSHOT + "m.seq, m.xact::text, {row} FROM snap "
            "LEFT JOIN {messages} m ON m.xact >= %s::xid8 AND m.writer <> %s ORDER BY m.seq"
        )
        with self._lock:
            self._cursor()  # (re)connects first: a forked child draws its own writer number there
            rows = self._rows(query, (str(self._horizon), self._writer), "read new messages")
            seen, fresh = self._seen, []
            for r in rows:
                if r[1] is not None and int(r[1]) not in seen:
                    fresh.append(self._decode(r[3:]))
                    seen[int(r[1])] = int(r[2])
            self._horizon = max(self._horizon, int(rows[0][0]))
            self._seen = {q: x for q, x in seen.items() if x >= self._horizon}
            return fresh

    def has_changes(self) -> bool:
        """Whether ``poll()`` would return something (one cheap query: a count over the newest rows)."""
        query = self._q(
            _SNAPSHOT + "count(m.seq) FROM snap LEFT JOIN {messages} m "
            "ON m.xact >= %s::xid8 AND m.writer <> %s GROUP BY snap.h"
        )
        with self._lock:
            self._cursor()
            rows = self._fetch(query, (str(self._horizon), self._writer), "look for new messages")
            h, count = int(rows[0][0]), int(rows[0][1])
            if count != len(self._seen):
                return True
            if h > self._horizon:  # every row at or above the horizon was seen: move it up (poll stays cheap)
                self._horizon = h
                self._seen = {q: x for q, x in self._seen.items() if x >= h}
            return False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<PostgresStore {self.where} schema={getattr(self, 'schema', '?')!r}{state}>"


_values = PostgresStore._values  # the stored columns of a message, for benchmarks and tests
