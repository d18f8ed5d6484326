from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..errors import IntegrityError, UsageError
from ..messages import Message, with_attachment_source
from ._base import check_search, merge_annotations, missing_bytes, more_than_created_at, usable_key, walk_history
from ._experiments import MemoryExperiments


class MemoryStore(MemoryExperiments):
    """Everything in process memory (the default store). Not shared between processes."""

    def __init__(self) -> None:
        MemoryExperiments.__init__(self)
        self._messages: dict[str, Message] = {}
        self._children: dict[str | None, list[Message]] = {None: []}
        self._cache: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._annotations: dict[str, dict[str, Any]] = {}
        self._folded: list[tuple[Message, str]] = []  # every message with its case-folded text, for search
        self._blobs: dict[str, tuple[str, bytes]] = {}  # attachments: sha256 -> (media type, bytes)

    def get(self, message_id: str) -> Message | None:
        return self._messages.get(message_id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._messages

    def __len__(self) -> int:
        return len(self._messages)

    def __iter__(self) -> Iterator[Message]:
        return iter(list(self._messages.values()))

    def add(self, message: Message, annotations: Mapping[str, Any] | None = None) -> Message:
        mid = message.id
        existing = self._messages.get(mid)
        if existing is not None:
            if annotations and more_than_created_at(annotations):
                self._annotations[mid] = merge_annotations(self._annotations.get(mid), annotations)
            return existing
        kept = message if not message.attachments else self._attached(message)
        self._messages[mid] = kept
        if annotations:
            self._annotations[mid] = dict(annotations)
        siblings = self._children.get(message.parent_id)
        if siblings is None:
            self._children[message.parent_id] = [kept]
        else:
            siblings.append(kept)
        self._folded.append((kept, message.content.casefold()))
        return message

    def _attached(self, message: Message) -> Message:
        """A new message with attachments: their bytes are stored first (when they are not at hand this raises
        and nothing is stored); the message kept is the same value, its descriptors reading from here."""
        blobs = self._blobs
        if any(a.sha256 not in blobs for a in message.attachments):
            blobs.update(missing_bytes((message,), self.has_attachments))
        return with_attachment_source(message, self)

    # -- attachments ---------------------------------------------------------------------------------------------
    def read_attachment(self, sha256: str) -> bytes | None:
        blob = self._blobs.get(sha256)
        return None if blob is None else blob[1]

    def has_attachments(self, hashes: Iterable[str]) -> set[str]:
        return {h for h in hashes if h in self._blobs}

    def scan_attachments(self) -> Iterator[tuple[str, bytes | IntegrityError]]:
        return iter([(sha, data) for sha, (_, data) in self._blobs.items()])

    # -- annotations -----------------------------------------------------------------------------------------
    def annotations(self, message_id: str) -> dict[str, Any]:
        return dict(self._annotations.get(message_id, ()))

    def annotations_many(self, message_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = self._annotations
        return {mid: dict(table[mid]) for mid in message_ids if mid in table}

    def annotate(self, message_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        merged = merge_annotations(self._annotations.get(message_id), changes)
        if merged:
            self._annotations[message_id] = merged
        else:
            self._annotations.pop(message_id, None)
        return dict(merged)

    def search(
        self, text: str = "", *, sender: str | None = None, kind: str | None = None, status: str | None = None
    ) -> Iterator[Message]:
        """Messages whose case-folded content contains ``text`` case-folded, with the given fields, in
        first-stored order."""
        check_search(text, sender, kind, status)
        return self._search(text.casefold(), sender, kind, status)

    def _search(self, needle: str, sender: str | None, kind: str | None, status: str | None) -> Iterator[Message]:
        for m, folded in list(self._folded):
            if (
                needle in folded
                and (sender is None or m.sender == sender)
                and (kind is None or m.kind == kind)
                and (status is None or m.status == status)
            ):
                yield m

    def repair(self, message: Message) -> None:
        old = self._messages.get(message.id)
        self._messages[message.id] = message
        siblings = self._children.get(message.parent_id, [])
        for i, m in enumerate(siblings):
            if m is old:
                siblings[i] = message

    def add_many(self, messages: Sequence[Message], annotations: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        # the attachments' bytes first: after them nothing can fail (the forum validated the messages)
        self._blobs.update(missing_bytes((m for m in messages if m.id not in self._messages), self.has_attachments))
        for m in messages:
            self.add(m, None if annotations is None else annotations.get(m.id))

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` stored ids that start with ``prefix``."""
        out = []
        for mid in self._messages:
            if mid.startswith(prefix):
                out.append(mid)
                if len(out) >= limit:
                    break
        return out

    def children(self, message_id: str) -> list[Message]:
        return list(self._children.get(message_id, ()))

    def roots(self) -> list[Message]:
        return list(self._children[None])

    def history(self, message_id: str) -> list[Message] | None:
        return walk_history(self._messages.get, message_id, len(self._messages))

    def scan(self) -> Iterator[tuple[str, Message | IntegrityError]]:
        """``(id, message)`` for every message in first-stored order, re-hashed; ``(id, IntegrityError)`` for a
        message whose fields do not hash to its id (only possible for a Message built without hashing)."""
        for mid, msg in list(self._messages.items()):
            try:
                msg.verify()
            except IntegrityError as exc:
                yield mid, exc
            else:
                yield mid, msg

    # -- cache ---------------------------------------------------------------------------------------------
    def cache_get(self, key: str) -> tuple[str, ...] | None:
        entry = self._cache.get(key)
        return None if entry is None else entry[1]

    def cache_put(self, key: str, response_ids: Iterable[str], *, agent: str = "") -> None:
        if not usable_key(key):  # as in the SQL stores: a key no database could hold
            raise UsageError(f"a cache key must be a str of UTF-8 text without U+0000, not {key!r:.80}")
        self._cache[key] = (agent, tuple(response_ids))

    def cache_delete(self, key: str) -> None:
        self._cache.pop(key, None)

    def cache_clear(self) -> int:
        n = len(self._cache)
        self._cache.clear()
        return n

    def cache_entries(self) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(k, agent, ids) for k, (agent, ids) in self._cache.items()]

    def close(self) -> None:
        pass
