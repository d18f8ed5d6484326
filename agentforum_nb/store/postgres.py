"""A PostgreSQL store (psycopg 3, no ORM): one forum shared by any number of processes and machines.

``af.Forum("postgresql://user@host:5432/db")`` (also ``postgres://``) opens it; the tables are created on first
use. Every ``add`` is its own committed transaction (``INSERT ... ON CONFLICT (id) DO NOTHING``): a message is
on the server once ``add`` returns, and any number of writers may store the same message at once (messages are
content-addressed, so the second insert is a no-op and returns the stored value).

Tables, in the connection's current schema (``public``) or in ``schema=`` (also ``?schema=`` in the URL):

* ``meta (key, value)``: ``application = 'agentforum_nb'``, ``schema_version = '1'``, ``message_format``,
  ``store = 'postgresql'``; a database whose schema holds other tables, or a forum of another version, is
  refused with :class:`~agentforum_nb.errors.IntegrityError`.
* ``messages``: ``seq`` (bigserial: first-stored order), ``id`` (unique), the eight canonical fields (metadata
  as its canonical JSON text), ``annotations`` (JSON text, outside the id), and bookkeeping columns: ``folded``
  (the content case-folded by Python's ``str.casefold()`` for search, trigram-indexed when the ``pg_trgm``
  extension can be created), ``nul_text`` (PostgreSQL text cannot hold U+0000: a message whose content or
  sender does keeps them exactly here, as JSON, and U+FFFD in their columns), ``writer`` (a random number per
  open store, so ``poll()`` can leave out what this store wrote), ``xact`` (the inserting transaction's id,
  for ``poll()``) and ``suspect`` (set by a trigger when a canonical column is updated behind the store's back:
  such rows are re-hashed when read).
* ``cache (key, agent, response_ids, seq)``: the response cache; ``cache_put`` is an upsert.

``poll()`` (behind ``forum.refresh()``) finds what other writers stored since the last poll by transaction id,
not by ``seq``: a ``seq`` is drawn when an insert starts, so a concurrent insert can commit a lower ``seq``
after a higher one was already seen. Rows are asked for from the oldest transaction still running at the
previous poll (``pg_snapshot_xmin``) on, and the few rows seen since then are remembered, so nothing is missed
or returned twice, without locks.

A lost connection (server restarted, network cut) is reopened once by the next operation, which then runs
again: every operation is safe to repeat (inserts are idempotent, merges of annotations too, transactions are
all or nothing). If the server cannot be reached again, :class:`~agentforum_nb.errors.UsageError` names it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

try:
    import psycopg
    from psycopg import errors as pg_errors
    from psycopg.conninfo import conninfo_to_dict
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the PostgreSQL store needs psycopg 3: pip install 'agentforum_nb[postgres]' (or 'psycopg[binary]')"
    ) from exc

from .._canonical import EMPTY
from ..errors import IntegrityError, UsageError
from ..messages import Message, rebuild
from ._base import merge_annotations
from ._rows import KIND, STATUS, decode_metadata, message_from_fields, more_than_created_at

__all__ = ["DEFAULT_CACHE_BYTES", "SCHEMA_VERSION", "PostgresStore", "copy_forum"]

log = logging.getLogger("agentforum_nb")

SCHEMA_VERSION = 1
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024
CONNECT_TIMEOUT = 5  # seconds, unless the URL says connect_timeout=
_APP_ID = "agentforum_nb"
_MIN_SERVER = 130000  # xid8 and pg_current_xact_id(): PostgreSQL 13
_PER_MESSAGE = 600  # approximate bytes of a cached Message beyond its content and metadata
_BATCH = 500  # rows per query when iterating
_CHUNK = 2000  # ids per statement in batch lookups
_COPY_ABOVE = 200  # add_many of more messages than this goes through COPY
_NUL = "\x00"
_NUL_SUBSTITUTE = "\ufffd"
_CANONICAL = ("id", "kind", "content", "sender", "parent_id", "reply_to_id", "original_id", "status", "metadata")
_COLUMNS = ", ".join(_CANONICAL) + ", nul_text"
_M_COLUMNS = ", ".join("m." + c for c in (*_CANONICAL, "nul_text"))
_LOST = ("08", "57P")  # SQLSTATE classes of a connection that is gone (connection exception, operator intervention)

_T = TypeVar("_T")
_Row = tuple[Any, ...]
_Cursor = psycopg.Cursor[_Row]
_Connection = psycopg.Connection[_Row]
# the ten stored columns of a message (_COLUMNS), then annotations and folded
_Values = tuple[str, str, str, str, str | None, str | None, str | None, str, str, str | None, str | None, str]


def _dump(annotations: Mapping[str, Any] | None) -> str | None:
    """Annotations as stored: compact JSON (U+0000 escaped, as JSON does), or NULL when there are none."""
    if not annotations:
        return None
    if len(annotations) == 1:
        stamp = annotations.get("created_at")
        if type(stamp) is str and stamp.isascii() and '"' not in stamp and "\\" not in stamp and stamp.isprintable():
            return '{"created_at":"' + stamp + '"}'
    return json.dumps(annotations, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _text(value: str) -> str:
    """``value`` as PostgreSQL text can hold it (U+0000 becomes U+FFFD; search and filters re-check exactly)."""
    return value.replace(_NUL, _NUL_SUBSTITUTE) if _NUL in value else value


def _values(m: Message, annotations: Mapping[str, Any] | None = None) -> _Values:
    content, sender = m.content, m.sender
    nul = None
    if _NUL in content or _NUL in sender:
        nul = json.dumps({"content": content, "sender": sender}, ensure_ascii=False, separators=(",", ":"))
        content, sender = _text(content), _text(sender)
    return (
        m.id,
        m.kind,
        content,
        sender,
        m.parent_id,
        m.reply_to_id,
        m.original_id,
        m.status,
        m.metadata_json(),
        nul,
        _dump(annotations),
        _text(m.content.casefold()),
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _redact(url: str) -> str:
    """The URL without its password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a PostgreSQL URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit((parts.scheme, f"{user}:***@{netloc[1]}", parts.path, parts.query, parts.fragment))


def _reason(exc: BaseException) -> str:
    """The server's or libpq's message, on one line."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


class PostgresStore:
    """Messages, annotations and the response cache in a PostgreSQL database, shared by many processes."""

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
        if type(cache_bytes) is not int or cache_bytes < 0:
            raise UsageError(f"cache_bytes must be an int >= 0 (bytes of messages kept in memory), not {cache_bytes!r}")
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
        self.cache_bytes = cache_bytes
        host = str(params.get("host") or params.get("hostaddr") or "localhost (Unix socket)")
        port = str(params.get("port") or os.environ.get("PGPORT") or "5432")
        self._dbname = str(params.get("dbname") or os.environ.get("PGDATABASE") or "(the role's name)")
        self._user = str(params.get("user") or os.environ.get("PGUSER") or "(the OS user)")
        #: the server, for messages: "host:port/database" (never the password)
        self.where = f"{host}:{port}/{self._dbname}"
        self._conninfo = conninfo
        self._connect_timeout = max(1, round(connect_timeout))
        self._lock = threading.RLock()
        self._conn: _Connection | None = None
        self._cur: _Cursor | None = None
        self._pid = os.getpid()
        self._inherited: list[_Connection] = []  # connections of a parent process, never used or closed here
        self._closed = False
        self._local: OrderedDict[str, tuple[Message, int]] = OrderedDict()  # id -> (message, bytes), oldest first
        self._cached_bytes = 0
        self._writer = secrets.randbits(62) + 1  # tells this store's inserts from everybody else's (poll)
        self._horizon = 0  # poll(): every transaction with a lower id had finished when it was last asked
        self._seen: dict[int, int] = {}  # poll(): seq -> xact of the rows at or above the horizon seen already
        conn = self._connect()
        try:
            self._init_schema(conn, schema)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self._cur = conn.cursor()
        try:
            self._start_polling()
        except BaseException:
            self.close()
            raise

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
        if not schemas:
            return url, None
        if len(schemas) > 1:
            raise UsageError(f"the URL gives ?schema= {len(schemas)} times ({_redact(url)}); give it once")
        rest = urlencode([(k, v) for k, v in query if k != "schema"])
        return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, parts.fragment)), schemas[0]

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
            if conn.info.server_version < _MIN_SERVER:
                raise UsageError(
                    f"the PostgreSQL server at {self.where} is version {conn.info.server_version // 10000}; "
                    f"agentforum_nb needs PostgreSQL 13 or newer"
                )
            encoding = conn.execute("SHOW server_encoding").fetchone()
            if encoding is None or str(encoding[0]).upper() not in ("UTF8", "UTF-8"):
                raise UsageError(
                    f"the database {self.where} has encoding {encoding[0] if encoding else '?'}; a forum needs "
                    f"a UTF8 database (createdb --encoding=UTF8 --template=template0 NAME)"
                )
        except BaseException:
            conn.close()
            raise
        self._pid = os.getpid()
        return conn

    def _init_schema(self, conn: _Connection, schema: str | None) -> None:
        """Check an existing forum's meta table, or create the forum (under an advisory lock, so that processes
        opening a new database at once create it once)."""
        try:
            with conn.transaction():
                if schema is None:
                    row = conn.execute("SELECT current_schema()").fetchone()
                    if row is None or row[0] is None:
                        raise UsageError(
                            f"the connection to {self.where} has no current schema (its search_path names no "
                            f"existing schema); give one with ?schema=NAME"
                        )
                    schema = str(row[0])
                self.schema = schema
                self._s = _quote(schema)
                conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("agentforum_nb " + schema,))
                tables = {
                    str(r[0])
                    for r in conn.execute(
                        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
                        (schema,),
                    )
                }
                if "meta" in tables and self._check_meta(conn):
                    self._init_existing(conn)
                    return
                if tables - {"meta"}:
                    raise IntegrityError(
                        f"schema {schema!r} of the PostgreSQL database {self.where} is not an agentforum_nb "
                        f"forum (it has tables {sorted(tables)[:8]}); use another database, or give the forum a "
                        f"schema of its own with ?schema=NAME"
                    )
                self._create(conn)
        except psycopg.Error as exc:
            raise self._error(exc, "open the forum") from None

    def _check_meta(self, conn: _Connection) -> bool:
        """False for an empty meta table (an interrupted creation); IntegrityError for another application."""
        try:
            with conn.transaction():
                rows: dict[Any, Any] = dict(conn.execute(f"SELECT key, value FROM {self._s}.meta").fetchall())
        except (pg_errors.UndefinedColumn, pg_errors.DatatypeMismatch, ValueError, TypeError):
            raise IntegrityError(
                f"schema {self.schema!r} of the PostgreSQL database {self.where} is not an agentforum_nb forum "
                f"(its meta table is not one of a forum)"
            ) from None
        if not rows:
            return False
        if rows.get("application") != _APP_ID:
            raise IntegrityError(
                f"schema {self.schema!r} of the PostgreSQL database {self.where} is not an agentforum_nb forum "
                f"(its meta table says application={rows.get('application')!r})"
            )
        version = rows.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise IntegrityError(
                f"the forum in schema {self.schema!r} of {self.where} has schema version {version}; this "
                f"agentforum_nb reads version {SCHEMA_VERSION} (upgrade agentforum_nb to open it)"
            )
        return True

    def _create(self, conn: _Connection) -> None:
        s = self._s
        if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone() is None:
            conn.execute(f"CREATE SCHEMA {s}")  # only when missing: CREATE SCHEMA asks for CREATE on the database
        conn.execute(f"CREATE TABLE IF NOT EXISTS {s}.meta (key text PRIMARY KEY, value text NOT NULL)")
        conn.execute(
            f"""CREATE TABLE {s}.messages (
    seq bigserial PRIMARY KEY,
    id text COLLATE "C" NOT NULL UNIQUE,
    kind text NOT NULL,
    content text NOT NULL,
    sender text NOT NULL,
    parent_id text COLLATE "C",
    reply_to_id text COLLATE "C",
    original_id text COLLATE "C",
    status text NOT NULL,
    metadata text NOT NULL,
    annotations text,
    nul_text text,
    folded text NOT NULL,
    writer bigint NOT NULL DEFAULT 0,
    xact xid8 NOT NULL DEFAULT pg_current_xact_id(),
    suspect boolean NOT NULL DEFAULT false
)"""
        )
        conn.execute(f"CREATE INDEX messages_by_parent ON {s}.messages (parent_id, seq)")
        conn.execute(f"CREATE INDEX messages_by_xact ON {s}.messages (xact)")
        conn.execute(
            f"""CREATE TABLE {s}.cache (
    key text COLLATE "C" PRIMARY KEY,
    agent text NOT NULL,
    response_ids text NOT NULL,
    seq bigserial NOT NULL
)"""
        )
        conn.execute(
            f"CREATE FUNCTION {s}.agentforum_mark_suspect() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN NEW.suspect := true; RETURN NEW; END $$"
        )
        old = ", ".join(f"OLD.{c}" for c in (*_CANONICAL, "nul_text"))
        new = ", ".join(f"NEW.{c}" for c in (*_CANONICAL, "nul_text"))
        conn.execute(
            f"CREATE TRIGGER messages_suspect BEFORE UPDATE ON {s}.messages FOR EACH ROW "
            f"WHEN (({old}) IS DISTINCT FROM ({new})) EXECUTE FUNCTION {s}.agentforum_mark_suspect()"
        )
        self._trigram = self._create_trigram_index(conn)
        conn.execute(
            f"INSERT INTO {s}.meta (key, value) VALUES ('application', %s), ('schema_version', %s), "
            f"('message_format', 'agentforum-message 1'), ('store', 'postgresql') "
            f"ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (_APP_ID, str(SCHEMA_VERSION)),
        )
        self._susp = "m.suspect"

    def _create_trigram_index(self, conn: _Connection) -> bool:
        """A trigram GIN index on ``folded`` when pg_trgm is (or can be) installed; else search scans."""
        try:
            with conn.transaction():  # a savepoint: a refusal leaves the creation going on
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except psycopg.Error as exc:
            log.info("agentforum_nb: pg_trgm is not available in %s (%s); search scans", self.where, _reason(exc))
        row = conn.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        ).fetchone()
        if row is None:
            return False
        conn.execute(
            f"CREATE INDEX messages_folded_trgm ON {self._s}.messages USING gin (folded {_quote(row[0])}.gin_trgm_ops)"
        )
        return True

    def _init_existing(self, conn: _Connection) -> None:
        indexes = {
            str(r[0])
            for r in conn.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind = 'i'",
                (self.schema,),
            )
        }
        self._trigram = "messages_folded_trgm" in indexes
        trigger = conn.execute(
            "SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'messages_suspect' "
            "AND tgenabled <> 'D'",
            (f"{self._s}.messages",),
        ).fetchone()
        if trigger is None:  # dropped or disabled: no row can be trusted without re-hashing
            log.warning("agentforum_nb: %s has no messages_suspect trigger; every row read is re-hashed", self.where)
        self._susp = "m.suspect" if trigger is not None else "true"

    # -- running statements --------------------------------------------------------------------------------
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
        conn = self._conn
        self._conn = self._cur = None
        if conn is not None and self._pid == os.getpid():
            try:
                conn.close()
            except psycopg.Error:  # pragma: no cover - already broken
                pass

    def _lost(self, exc: psycopg.Error) -> bool:
        conn = self._conn
        if conn is None or conn.closed or conn.broken:
            return True
        state = exc.sqlstate or ""
        return state.startswith(_LOST) and isinstance(exc, psycopg.OperationalError)

    def _run(self, op: Callable[[_Cursor], _T], what: str) -> _T:
        """``op(cursor)``; a lost connection is reopened once and ``op`` runs again (every op may be repeated)."""
        with self._lock:
            cur = self._cursor()
            try:
                return op(cur)
            except psycopg.Error as exc:
                if not self._lost(exc):
                    raise self._error(exc, what) from exc
                lost = _reason(exc)
            log.warning("agentforum_nb: lost the connection to %s (%s); reconnecting", self.where, lost)
            self._drop()
            try:
                cur = self._cursor()
            except UsageError as exc:
                raise UsageError(
                    f"lost the connection to the PostgreSQL server at {self.where} ({lost}) and could not reconnect "
                    f"to {what}: {exc}. What this call was storing was committed whole or not at all; repeating "
                    f"it is safe"
                ) from None
            try:
                return op(cur)
            except psycopg.Error as exc:
                if self._lost(exc):
                    self._drop()
                raise self._error(exc, what) from exc

    def _error(self, exc: psycopg.Error, what: str) -> Exception:
        role = self._user
        if isinstance(exc, pg_errors.InsufficientPrivilege):
            return UsageError(
                f"the PostgreSQL role {role!r} may not {what} in schema {getattr(self, 'schema', '?')!r} of "
                f"{self.where}: {_reason(exc)} (see docs/stores.md for the privileges a forum needs)"
            )
        if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
            return UsageError(f"the PostgreSQL server at {self.where} is read-only (a standby?); cannot {what}")
        if isinstance(exc, (pg_errors.UndefinedTable, pg_errors.UndefinedFunction)):
            return IntegrityError(
                f"the forum's tables in schema {getattr(self, 'schema', '?')!r} of {self.where} were changed or "
                f"dropped behind the store's back: {_reason(exc)}"
            )
        if isinstance(exc, (pg_errors.ProgramLimitExceeded, pg_errors.OutOfMemory)):
            return UsageError(f"PostgreSQL at {self.where} cannot {what}: {_reason(exc)}; nothing was stored")
        if isinstance(exc, psycopg.OperationalError):
            return UsageError(f"PostgreSQL at {self.where} failed to {what}: {_reason(exc)}")
        return exc

    def _rows(
        self, query: str, args: Sequence[Any] | Mapping[str, Any] = (), what: str = "read messages"
    ) -> list[_Row]:
        return self._run(lambda c: c.execute(query, args).fetchall(), what)

    # -- the message cache ---------------------------------------------------------------------------------
    def _remember(self, msg: Message, nbytes: int) -> None:
        self._remember_many([(msg, nbytes)])

    def _remember_many(self, entries: list[tuple[Message, int]]) -> None:
        """Keep messages (with their content + metadata bytes) in the in-process cache, newest last."""
        limit = self.cache_bytes
        if not entries or not limit:
            return
        with self._lock:
            local = self._local
            total = self._cached_bytes
            for msg, nbytes in entries:
                nbytes += _PER_MESSAGE
                if nbytes > limit:
                    continue
                old = local.pop(msg.id, None)
                if old is not None:
                    total -= old[1]
                local[msg.id] = (msg, nbytes)
                total += nbytes
            while total > limit and local:
                _, (_, n) = local.popitem(last=False)
                total -= n
            self._cached_bytes = total

    def _cached(self, message_id: str) -> Message | None:
        entry = self._local.get(message_id)
        return None if entry is None else entry[0]

    def message_cache_info(self) -> dict[str, int]:
        """The in-process message cache: ``messages`` held, their approximate ``bytes`` and the ``limit``."""
        with self._lock:
            return {"messages": len(self._local), "bytes": self._cached_bytes, "limit": self.cache_bytes}

    # -- decoding ------------------------------------------------------------------------------------------
    @property
    def _sel(self) -> str:
        return f"SELECT {_M_COLUMNS}, {self._susp} FROM {self._s}.messages m"

    @property
    def _sel_seq(self) -> str:
        return f"SELECT {_M_COLUMNS}, {self._susp}, m.seq FROM {self._s}.messages m"

    def _build(self, row: _Row) -> Message:
        """A message from a row; IntegrityError naming the row when it cannot be one (``message_from_fields``)."""
        mid, kind, content, sender, parent_id, reply_to_id, original_id, status, meta, nul, suspect = row[:11]
        name = str(mid)
        if nul is not None:
            try:
                exact = json.loads(nul)
                content, sender = exact["content"], exact["sender"]
            except (ValueError, TypeError, KeyError):
                raise IntegrityError(
                    f"stored message {name} is corrupt: its nul_text column is not the JSON of its content and sender",
                    expected=name,
                ) from None
        metadata = decode_metadata(name, meta)
        return message_from_fields(
            name, mid, kind, content, sender, parent_id, reply_to_id, original_id, status, metadata, suspect
        )

    def _decode(self, row: _Row, lenient: bool = False) -> Message:
        """``_build`` through the cache. ``lenient``: a row whose fields are valid but hash to another id is
        returned as stored (not cached), for a caller that re-hashes what it reads (``forum.verify()``)."""
        msg = self._cached(row[0])
        if msg is not None:
            return msg
        try:
            msg = self._build(row)
        except IntegrityError as exc:
            if not lenient or exc.actual is None:
                raise
            content, sender = row[2], row[3]
            if row[9] is not None:
                exact = json.loads(row[9])
                content, sender = exact["content"], exact["sender"]
            return rebuild(
                row[0], row[1], content, sender, row[4], row[5], row[6], row[7], decode_metadata(row[0], row[8])
            )
        self._remember(msg, len(msg.content) + len(row[8]))
        return msg

    def _decode_many(self, rows: Iterable[_Row]) -> list[Message]:
        """Messages from rows, through the cache (the hot path of history(), children(), search(): no method
        call per row for an ordinary row)."""
        local = self._local.get
        kinds = KIND.get
        statuses = STATUS.get
        out: list[Message] = []
        new: list[tuple[Message, int]] = []
        for r in rows:
            entry = local(r[0])
            if entry is not None:
                out.append(entry[0])
                continue
            mid, kind, content, sender, parent_id, reply_to_id, original_id, status, meta, nul, suspect = r[:11]
            k = kinds(kind)
            st = statuses(status)
            if suspect or nul is not None or meta != "{}" or k is None or st is None or not sender:
                m = self._build(r)
            else:
                m = rebuild(mid, k, content, sender, parent_id, reply_to_id, original_id, st, EMPTY, True)
            out.append(m)
            new.append((m, len(content) + len(meta)))
        self._remember_many(new)
        return out

    # -- reading -------------------------------------------------------------------------------------------
    def get(self, message_id: str) -> Message | None:
        msg = self._cached(message_id) if type(message_id) is str else None
        if msg is not None:
            return msg
        if type(message_id) is not str or _NUL in message_id:
            return None
        rows = self._rows(f"{self._sel} WHERE m.id = %s", (message_id,))
        return self._decode(rows[0]) if rows else None

    def get_many(self, message_ids: Iterable[str]) -> dict[str, Message]:
        """The stored messages among ``message_ids`` (one query per 2,000 ids not cached here)."""
        out: dict[str, Message] = {}
        missing = []
        for mid in message_ids:
            msg = self._cached(mid) if type(mid) is str else None
            if msg is not None:
                out[mid] = msg
            elif type(mid) is str and _NUL not in mid:
                missing.append(mid)
        for i in range(0, len(missing), _CHUNK):
            chunk = missing[i : i + _CHUNK]
            for m in self._decode_many(self._rows(f"{self._sel} WHERE m.id = ANY(%s)", (chunk,))):
                out[m.id] = m
        return out

    def __contains__(self, message_id: object) -> bool:
        if type(message_id) is not str:
            return False
        if message_id in self._local:
            return True
        if _NUL in message_id:
            return False
        return bool(self._rows(f"SELECT 1 FROM {self._s}.messages WHERE id = %s", (message_id,)))

    def __len__(self) -> int:
        return int(self._rows(f"SELECT count(*) FROM {self._s}.messages")[0][0])

    def _batches(self, grow: bool = False) -> Iterator[list[_Row]]:
        """Rows in first-stored order, up to the last one stored when the iteration began, one query per batch
        (no query stays open between batches, so the caller may read and write the store meanwhile). ``grow``
        doubles the batch size each time (for searches: the first results come quickly)."""
        top = self._rows(f"SELECT coalesce(max(seq), 0) FROM {self._s}.messages")[0][0]
        last, size = 0, _BATCH
        while last < top:
            rows = self._rows(
                f"{self._sel_seq} WHERE m.seq > %s AND m.seq <= %s ORDER BY m.seq LIMIT {size}", (last, top)
            )
            if rows:
                yield rows
            if len(rows) < size:
                return
            last = rows[-1][-1]
            if grow:
                size = min(size * 2, 64 * _BATCH)

    def _rows_by_seq(self, seqs: list[int]) -> Iterator[list[_Row]]:
        """The rows of these seqs (ascending), in first-stored order: batches of 500, doubling up to 32,000."""
        i, size = 0, _BATCH
        while i < len(seqs):
            chunk = seqs[i : i + size]
            yield self._rows(f"{self._sel} WHERE m.seq = ANY(%s) ORDER BY m.seq", (chunk,), "search")
            i += size
            size = min(size * 2, 64 * _BATCH)

    def __iter__(self) -> Iterator[Message]:
        """Every message in first-stored order. A row whose fields are valid but do not hash to its id is
        yielded as stored (``Message.verify()`` raises on it); a row that is no message raises IntegrityError."""
        return (self._decode(r, lenient=True) for rows in self._batches() for r in rows)

    def scan(self) -> Iterator[tuple[str, Message | IntegrityError]]:
        """``(id, message)`` for every row in first-stored order, or ``(id, IntegrityError)`` for a row that is
        not a message matching its id: every row is re-hashed, and a bad row does not stop the scan."""
        for rows in self._batches():
            for r in rows:
                mid = str(r[0])
                try:
                    msg = self._build(r)
                    if not r[10]:  # a marked row was re-hashed by _build already
                        msg.verify()
                except IntegrityError as exc:
                    yield mid, exc
                    continue
                cached = self._cached(mid)
                if cached is None:
                    self._remember(msg, len(msg.content) + len(r[8]))
                    cached = msg
                yield mid, cached

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` stored ids that start with ``prefix`` (a range scan of the id index)."""
        if type(prefix) is not str or _NUL in prefix:
            return []
        rows = self._rows(
            f"SELECT id FROM {self._s}.messages WHERE id >= %s AND id < %s ORDER BY id LIMIT %s",
            (prefix, prefix + "g", limit),  # "g": just above every hex continuation of the prefix
        )
        return [str(r[0]) for r in rows if str(r[0]).startswith(prefix)]

    def children(self, message_id: str) -> list[Message]:
        if type(message_id) is not str or _NUL in message_id:
            return []
        return self._decode_many(self._rows(f"{self._sel} WHERE m.parent_id = %s ORDER BY m.seq", (message_id,)))

    def roots(self) -> list[Message]:
        return self._decode_many(self._rows(f"{self._sel} WHERE m.parent_id IS NULL ORDER BY m.seq"))

    def history(self, message_id: str) -> list[Message] | None:
        """Root..message: the part this process holds is walked here, the rest comes from one recursive query
        (``UNION`` ends at a repeated row, so a tampered parent cycle terminates and is reported)."""
        if type(message_id) is not str or _NUL in message_id:
            return None
        out: list[Message] = []
        mid: str | None = message_id
        seen: set[str] = set()
        while mid is not None:
            msg = self._cached(mid)
            if msg is None:
                break
            if mid in seen:
                raise self._cycle(message_id, mid)
            seen.add(mid)
            out.append(msg)
            mid = msg.parent_id
        if mid is not None:
            rest = self._chain(mid, message_id, seen)
            if rest is None:
                if not out:
                    return None
                raise KeyError(mid)
            out.extend(rest)
        out.reverse()
        return out

    @staticmethod
    def _cycle(start: str, at: str) -> IntegrityError:
        return IntegrityError(
            f"the branch of {start} has a parent cycle: {at} is its own ancestor (a message cannot be its own "
            f"ancestor; the stored rows were changed)",
            expected=start,
        )

    def _chain(self, mid: str, start: str, seen: set[str]) -> list[Message] | None:
        """``mid`` and its ancestors, nearest first; None if ``mid`` is unknown; KeyError(missing ancestor)."""
        cols = ", ".join((*_CANONICAL, "nul_text"))
        rows = self._rows(
            f"""WITH RECURSIVE chain({cols}, suspect) AS (
                    SELECT {_M_COLUMNS}, {self._susp} FROM {self._s}.messages m WHERE m.id = %s
                  UNION
                    SELECT {_M_COLUMNS}, {self._susp} FROM {self._s}.messages m JOIN chain c ON m.id = c.parent_id)
                SELECT {cols}, suspect FROM chain""",
            (mid,),
        )
        if not rows:
            return None
        by_id = {r[0]: r for r in rows}
        chain: list[_Row] = []
        cur: str | None = mid
        while cur is not None:
            r = by_id.get(cur)
            if r is None:
                raise KeyError(cur)
            if cur in seen:
                raise self._cycle(start, cur)
            seen.add(cur)
            chain.append(r)
            cur = r[4]
        return self._decode_many(chain)

    # -- writing -------------------------------------------------------------------------------------------
    def add(self, message: Message, annotations: Mapping[str, Any] | None = None) -> Message:
        mid = message.id
        existing = self._cached(mid)
        if existing is not None:
            if annotations and more_than_created_at(annotations):
                self._merge_annotations(mid, annotations)
            return existing
        v = _values(message, annotations)
        query = (
            f"INSERT INTO {self._s}.messages ({_COLUMNS}, annotations, folded, writer) "
            f"VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO NOTHING RETURNING seq"
        )
        rows = self._run(lambda c: c.execute(query, (*v, self._writer)).fetchall(), "store a message")
        if not rows:  # stored before (perhaps by another process): return the stored value
            stored = self._add_existing(message, v)
            if annotations and more_than_created_at(annotations):
                self._merge_annotations(mid, annotations)
            return stored
        self._remember(message, len(v[2]) + len(v[8]))
        return message

    def _add_existing(self, message: Message, v: _Values) -> Message:
        rows = self._rows(f"{self._sel} WHERE m.id = %s", (message.id,))
        if not rows:  # pragma: no cover - deleted by hand between the INSERT and this read
            raise IntegrityError(f"message {message.id} was stored and then removed from the database")
        if tuple(rows[0][:10]) != v[:10]:
            # the row was changed behind the store's back; this message (hashed or verified by the forum) is
            # what the id stands for: rewrite the row
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
        self._remember(stored, len(v[2]) + len(v[8]))
        return stored

    def repair(self, message: Message) -> None:
        v = _values(message)
        s = self._s

        def op(c: _Cursor) -> None:
            with c.connection.transaction():
                c.execute(
                    f"UPDATE {s}.messages SET kind=%s, content=%s, sender=%s, parent_id=%s, reply_to_id=%s, "
                    f"original_id=%s, status=%s, metadata=%s, nul_text=%s, folded=%s WHERE id=%s",
                    (*v[1:10], v[11], v[0]),
                )
                c.execute(f"UPDATE {s}.messages SET suspect = false WHERE id = %s", (v[0],))

        self._run(op, "repair a message")
        with self._lock:
            old = self._local.pop(message.id, None)
            if old is not None:
                self._cached_bytes -= old[1]
        self._remember(message, len(v[2]) + len(v[8]))

    def add_many(self, messages: Sequence[Message], annotations: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """All the messages in one transaction (in the given order), or none of them; the annotations of messages
        stored before are merged."""
        notes = annotations or {}
        values = [_values(m, notes.get(m.id)) for m in messages]
        s = self._s
        names = (*_CANONICAL, "nul_text", "annotations", "folded")
        picked = ", ".join("t." + n for n in names)
        # few messages: one INSERT of unnested arrays; many: COPY into a temporary table first (3x faster)
        arrays = (
            f"INSERT INTO {s}.messages ({', '.join(names)}, writer) SELECT {picked}, %s "
            f"FROM unnest({', '.join(['%s::text[]'] * len(names))}) WITH ORDINALITY AS t({', '.join(names)}, ord) "
            f"ORDER BY t.ord ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        staged = (
            f"INSERT INTO {s}.messages ({', '.join(names)}, writer) SELECT {picked}, %s "
            f"FROM agentforum_incoming t ORDER BY t.ord ON CONFLICT (id) DO NOTHING RETURNING id"
        )

        def op(c: _Cursor) -> None:
            inserted: set[str] = set()
            with c.connection.transaction():
                if len(values) <= _COPY_ABOVE:
                    columns = [list(col) for col in zip(*values, strict=True)] if values else []
                    if values:
                        inserted.update(r[0] for r in c.execute(arrays, (self._writer, *columns)).fetchall())
                else:
                    c.execute(
                        f"CREATE TEMPORARY TABLE IF NOT EXISTS agentforum_incoming (ord bigint, "
                        f"{', '.join(n + ' text' for n in names)}) ON COMMIT DELETE ROWS"
                    )
                    with c.copy(f"COPY agentforum_incoming (ord, {', '.join(names)}) FROM STDIN") as copy:
                        for i, v in enumerate(values):
                            copy.write_row((i, *v))
                    inserted.update(r[0] for r in c.execute(staged, (self._writer,)).fetchall())
                known = [m.id for m in messages if notes.get(m.id) and m.id not in inserted]
                for i in range(0, len(known), _CHUNK):
                    rows = c.execute(
                        f"SELECT id, annotations FROM {s}.messages WHERE id = ANY(%s) FOR UPDATE",
                        (known[i : i + _CHUNK],),
                    ).fetchall()
                    updates = []
                    for mid, raw in rows:
                        current = self._parse_annotations(mid, raw)
                        merged = merge_annotations(current, notes[mid])
                        if merged != current:
                            updates.append((_dump(merged), mid))
                    if updates:
                        c.executemany(f"UPDATE {s}.messages SET annotations = %s WHERE id = %s", updates)

        self._run(op, "store messages")

    # -- annotations -----------------------------------------------------------------------------------------
    @staticmethod
    def _parse_annotations(message_id: str, raw: object) -> dict[str, Any]:
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
        if type(message_id) is not str or _NUL in message_id:
            return {}
        rows = self._rows(f"SELECT annotations FROM {self._s}.messages WHERE id = %s", (message_id,))
        return self._parse_annotations(message_id, rows[0][0]) if rows else {}

    def annotations_many(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = [i for i in message_ids if type(i) is str and _NUL not in i]
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), _CHUNK):
            rows = self._rows(
                f"SELECT id, annotations FROM {self._s}.messages WHERE annotations IS NOT NULL AND id = ANY(%s)",
                (ids[i : i + _CHUNK],),
            )
            for mid, raw in rows:
                out[mid] = self._parse_annotations(mid, raw)
        return out

    def annotate(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        return self._merge_annotations(message_id, changes)

    def _merge_annotations(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Read, merge and write a message's annotations in one transaction, the row locked (other processes
        may annotate it at the same moment: no change is lost)."""
        s = self._s

        def op(c: _Cursor) -> dict[str, Any]:
            with c.connection.transaction():
                row = c.execute(
                    f"SELECT annotations FROM {s}.messages WHERE id = %s FOR UPDATE", (message_id,)
                ).fetchone()
                if row is None:
                    raise KeyError(message_id)
                current = self._parse_annotations(message_id, row[0])
                merged = merge_annotations(current, changes)
                if merged != current:
                    c.execute(f"UPDATE {s}.messages SET annotations = %s WHERE id = %s", (_dump(merged), message_id))
                return merged

        if type(message_id) is not str or _NUL in message_id:
            raise KeyError(message_id)
        return self._run(op, "annotate a message")

    # -- search --------------------------------------------------------------------------------------------
    def search(
        self, text: str = "", *, sender: str | None = None, kind: str | None = None, status: str | None = None
    ) -> Iterator[Message]:
        """Messages whose case-folded content contains ``text.casefold()`` with the given fields, in first-stored
        order. The server narrows the candidates on the ``folded`` column (the trigram index for 3 or more
        characters, when there is one; else ``strpos``); the match is decided here, exactly as in memory."""
        needle = text.casefold()
        where, args = [], []
        for column, value in (("sender", sender), ("kind", kind), ("status", status)):
            if value is not None:
                where.append(f"m.{column} = %s")
                args.append(_text(value))
        if needle:
            folded = _text(needle)
            if self._trigram and len(folded) >= 3:
                where.append("m.folded LIKE %s")
                args.append("%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
            else:
                where.append("strpos(m.folded, %s) > 0")
                args.append(folded)
        if where:  # the matching seqs first (the server picks the index), then their rows in growing batches
            query = f"SELECT m.seq FROM {self._s}.messages m WHERE {' AND '.join(where)} ORDER BY m.seq"
            seqs = [r[0] for r in self._rows(query, args, "search")]
            batches: Iterator[list[_Row]] = self._rows_by_seq(seqs)
        else:
            batches = self._batches(grow=True)
        for rows in batches:
            for m in self._decode_many(rows):
                if (
                    needle in m.content.casefold()
                    and (sender is None or m.sender == sender)
                    and (kind is None or m.kind == kind)
                    and (status is None or m.status == status)
                ):
                    yield m

    # -- what others stored ----------------------------------------------------------------------------------
    def _start_polling(self) -> None:
        """Note what is stored now: ``poll()`` returns what is stored after."""
        s = self._s

        def op(c: _Cursor) -> list[_Row]:
            return c.execute(
                f"WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h) "
                f"SELECT snap.h::text, m.seq, m.xact::text FROM snap LEFT JOIN {s}.messages m ON m.xact >= snap.h",
            ).fetchall()

        rows = self._run(op, "read the forum")
        with self._lock:
            self._horizon = int(rows[0][0])
            self._seen = {int(r[1]): int(r[2]) for r in rows if r[1] is not None}

    def poll(self) -> list[Message]:
        """The messages that other writers (other processes, other store objects) stored since the last
        ``poll()``, or since this store was opened, in first-stored order; never what this store stored itself,
        never one twice."""
        s = self._s
        with self._lock:
            self._cursor()  # (re)connects first: a forked child draws its own writer number there
            horizon = self._horizon
            rows = self._rows(
                f"WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h) "
                f"SELECT snap.h::text, m.seq, m.xact::text, {_M_COLUMNS}, {self._susp} FROM snap "
                f"LEFT JOIN {s}.messages m ON m.xact >= %s::xid8 AND m.writer <> %s ORDER BY m.seq",
                (str(horizon), self._writer),
                "read new messages",
            )
            new_horizon = max(horizon, int(rows[0][0]))
            seen = self._seen
            fresh: list[Message] = []
            for r in rows:
                if r[1] is None:
                    continue
                seq, xact = int(r[1]), int(r[2])
                if seq not in seen:
                    fresh.append(self._decode(r[3:]))
                    seen[seq] = xact
            self._seen = {q: x for q, x in seen.items() if x >= new_horizon}
            self._horizon = new_horizon
            return fresh

    def has_changes(self) -> bool:
        """Whether ``poll()`` would return something (one cheap query: a count over the newest rows)."""
        s = self._s
        with self._lock:
            self._cursor()
            rows = self._rows(
                f"WITH snap AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h) "
                f"SELECT snap.h::text, count(m.seq) FROM snap LEFT JOIN {s}.messages m "
                f"ON m.xact >= %s::xid8 AND m.writer <> %s GROUP BY snap.h",
                (str(self._horizon), self._writer),
                "look for new messages",
            )
            h, count = int(rows[0][0]), int(rows[0][1])
            if count != len(self._seen):
                return True
            # every row at or above the horizon was seen: move it up (poll and this stay cheap)
            if h > self._horizon:
                self._horizon = h
                self._seen = {q: x for q, x in self._seen.items() if x >= h}
            return False

    # -- cache ---------------------------------------------------------------------------------------------
    def cache_get(self, key: str) -> tuple[str, ...] | None:
        if type(key) is not str or _NUL in key:
            return None
        rows = self._rows(f"SELECT response_ids FROM {self._s}.cache WHERE key = %s", (key,), "read the cache")
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
        """Record (or replace) an entry: an upsert, so processes storing the same key at once leave one entry."""
        if type(key) is not str or _NUL in key:
            raise UsageError(f"a cache key must be a str without U+0000, not {key!r}")
        ids = json.dumps(list(response_ids))
        query = (
            f"INSERT INTO {self._s}.cache (key, agent, response_ids) VALUES (%s, %s, %s) ON CONFLICT (key) "
            f"DO UPDATE SET agent = EXCLUDED.agent, response_ids = EXCLUDED.response_ids, seq = EXCLUDED.seq"
        )
        args = (key, _text(agent), ids)
        self._run(lambda c: c.execute(query, args), "write the cache")

    def cache_delete(self, key: str) -> None:
        if type(key) is not str or _NUL in key:
            return
        query = f"DELETE FROM {self._s}.cache WHERE key = %s"
        self._run(lambda c: c.execute(query, (key,)), "write the cache")

    def cache_clear(self) -> int:
        query = f"DELETE FROM {self._s}.cache"
        return self._run(lambda c: c.execute(query).rowcount, "clear the cache")

    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]:
        out = []
        for key, agent, ids in self._rows(
            f"SELECT key, agent, response_ids FROM {self._s}.cache ORDER BY seq", (), "read the cache"
        ):
            try:
                out.append((key, agent, tuple(json.loads(ids))))
            except (TypeError, ValueError):
                out.append((key, agent, ()))
        return out

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._drop()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<PostgresStore {self.where} schema={getattr(self, 'schema', '?')!r}{state}>"


def copy_forum(source: Any, target: Any) -> int:
    """Copy every message of ``source`` (a Forum or a Store, e.g. a SQLite forum) into ``target`` (e.g. a
    PostgreSQL forum), with their annotations and the response cache; returns how many messages were new there.

    The messages are re-hashed first (a bad one raises :class:`IntegrityError` and nothing is copied), then
    stored in one transaction of the target (``add_many``: all or nothing), in first-stored order. Annotations
    are merged (``created_at`` keeps the earlier time); cache entries are copied as they are."""
    src = getattr(source, "store", source)
    dst = getattr(target, "store", target)
    for name, store in (("source", src), ("target", dst)):
        if not callable(getattr(store, "add_many", None)) or not callable(getattr(store, "cache_entries", None)):
            raise UsageError(f"copy_forum: {name} must be a Forum or a Store, not {type(store).__name__}")
    messages = list(src)
    for m in messages:
        m.verify()
    notes = src.annotations_many([m.id for m in messages])
    before = len(dst)
    dst.add_many(messages, notes)
    for key, agent, ids in src.cache_entries():
        dst.cache_put(key, ids, agent=agent)
    return int(len(dst) - before)
