"""A forum's response cache: keys, lookups, entries, in-flight sharing, replayed chunks and statistics.

The entries live in the forum's store (``cache_get``/``cache_put``: a key -> the ids of the responses), so a SQLite
forum's cache survives a restart. This object adds what belongs to one process: the table of runs in flight (an
identical call made while the first runs shares it), the token chunks of cached streamed responses (a hit in the
same process replays the same tokens; after a restart each message replays as one chunk), and the counters of
``forum.cache_info()``. It knows nothing of agents or event loops: a run in flight is an opaque object here.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from ._canonical import FrozenDict, freeze_metadata, metadata_json
from .errors import IntegrityError
from .messages import Message, is_message_id
from .store import ByteLRU, Store, SupportsGetMany

__all__ = ["CHUNK_BYTES", "ResponseCache", "cache_key"]

log = logging.getLogger("agentforum_nb")
_encode_str = json.encoder.encode_basestring
#: at most this many bytes of token chunks are kept for in-process replay (least recently used dropped first)
CHUNK_BYTES = 32 * 1024 * 1024


def cache_key(agent_name: str, version: str, last_id: str | None, kwargs: FrozenDict | None, sample: int = 0) -> str:
    """The cache key of a call: ``sha256("agentforum-cache 1\\n" + JSON [agent, version, last id, kwargs])``
    with the kwargs in the canonical (RFC 8785) form of message metadata; a sample other than 0 is a fifth member
    (so sample 0 keys exactly as calls did before samples existed)."""
    if kwargs:
        kw = metadata_json(kwargs, freeze_metadata(kwargs)[1])
    else:
        kw = "{}"
    body = "".join(
        (
            "agentforum-cache 1\n[",
            _encode_str(agent_name),
            ",",
            _encode_str(version),
            ",",
            "null" if last_id is None else '"' + last_id + '"',
            ",",
            kw,
            "]" if not sample else f",{sample}]",
        )
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class ResponseCache:
    """The response cache of one forum (``forum.response_cache``)."""

    __slots__ = (
        "store",
        "enabled",
        "hits",
        "misses",
        "stores",
        "repairs",
        "shared",
        "_inflight",
        "_chunks",
    )

    def __init__(self, store: Store, *, enabled: bool = True, chunk_limit: int = CHUNK_BYTES) -> None:
        self.store = store
        self.enabled = enabled
        self.hits = self.misses = self.stores = self.repairs = 0
        self.shared = 0  # calls that joined an identical call's live run
        self._inflight: dict[str, Any] = {}
        self._chunks: ByteLRU[str, tuple[str, ...]] = ByteLRU(chunk_limit)  # message id -> its tokens

    # -- entries ----------------------------------------------------------------------------------------------
    def lookup(self, key: str, parent_id: str | None) -> list[tuple[Message, tuple[str, ...] | None]] | None:
        """The cached responses of ``key`` with their replay chunks, or ``None`` (a miss). An entry that is
        unusable (a message missing, not verifying, or not continuing the branch from ``parent_id``) is a miss,
        and is deleted."""
        store = self.store
        ids = store.cache_get(key)
        if ids is None:
            self.misses += 1
            return None
        out: list[tuple[Message, tuple[str, ...] | None]] = []
        expected_parent = parent_id
        batch = None
        if len(ids) > 8 and isinstance(store, SupportsGetMany):
            batch = store.get_many([i for i in ids if is_message_id(i)])
        try:
            for mid in ids:
                if batch is not None:
                    msg = batch.get(mid)
                else:
                    msg = store.get(mid) if is_message_id(mid) else None
                if msg is None:
                    raise IntegrityError(f"cached response {mid!r} is missing")
                msg.verify()
                if msg.parent_id != expected_parent or msg.status != "complete" or msg.kind == "error":
                    raise IntegrityError(f"cached response {mid[:12]} does not continue the branch")
                expected_parent = msg.id
                chunks = self._chunks.get(mid)
                out.append((msg, chunks))
        except IntegrityError as exc:
            log.warning("agentforum_nb: cache entry %s… is unusable (%s); treating it as a miss", key[:12], exc)
            store.cache_delete(key)
            self.repairs += 1
            self.misses += 1
            return None
        self.hits += 1
        return out

    def put(
        self, key: str, agent: str, messages: Sequence[Message], chunks: Sequence[tuple[str, ...] | None] = ()
    ) -> None:
        """Record the responses of a completed run; ``chunks[i]`` are message i's tokens when it streamed."""
        self.store.cache_put(key, [m.id for m in messages], agent=agent)
        self.stores += 1
        for m, c in zip(messages, chunks, strict=False):  # chunks may be shorter (none given)
            if c is not None and len(c) > 1:
                self._remember(m.id, c)

    def _remember(self, message_id: str, chunks: tuple[str, ...]) -> None:
        self._chunks.put(message_id, chunks, sum(len(c) for c in chunks) + 8 * len(chunks))

    @property
    def chunk_bytes(self) -> int:
        """Bytes of token chunks kept for replay (bounded by ``chunk_limit``)."""
        return self._chunks.bytes

    @property
    def chunk_limit(self) -> int:
        """At most this many bytes of token chunks are kept (the least recently used are dropped first)."""
        return self._chunks.limit

    @chunk_limit.setter
    def chunk_limit(self, limit: int) -> None:
        self._chunks.limit = limit

    def clear(self) -> int:
        """Forget every entry (the messages stay in the tree); returns how many were removed."""
        self._chunks.clear()
        return self.store.cache_clear()

    def info(self) -> dict[str, Any]:
        return {
            "entries": len(self.store.cache_entries()),
            "hits": self.hits,
            "misses": self.misses,
            "stores": self.stores,
            "repairs": self.repairs,
            "shared": self.shared,
            "inflight": len(self._inflight),
            "chunk_bytes": self._chunks.bytes,
            "chunks_evicted": self._chunks.evicted,
        }

    def entries(self) -> list[dict[str, Any]]:
        return [{"key": k, "agent": a, "response_ids": list(ids)} for k, a, ids in self.store.cache_entries()]

    # -- runs in flight ---------------------------------------------------------------------------------------
    def running(self, key: str) -> Any:
        """The run in flight for ``key``, if any."""
        return self._inflight.get(key)

    def start(self, key: str, run: Any) -> None:
        self._inflight[key] = run

    def end(self, key: str, run: Any) -> None:
        if self._inflight.get(key) is run:
            del self._inflight[key]
