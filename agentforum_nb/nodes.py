"""Stored messages as the views draw them: the node format of the widget protocol (docs/widget_protocol.md),
shared by the live widgets and the HTML export."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._canonical import thaw
from .messages import Message
from .palette import sender_colour

__all__ = ["ROW_FIELDS", "SHOWN_NOTES", "SNIPPET", "full_message", "node_of", "node_rows", "notes_of", "stored_node"]

SNIPPET = 200


def node_of(m: Message, full_text: bool = False, author: str | None = None) -> dict[str, Any]:
    """A stored message as the widgets draw it (``author``: for a forward, who wrote the original)."""
    node: dict[str, Any] = {
        "id": m.id,
        "parent": m.parent_id,
        "sender": m.sender,
        "colour": sender_colour(m.sender),
        "kind": m.kind,
        "status": m.status,
        "snippet": m.content[:SNIPPET],
        "n_chars": len(m.content),
        "reply_to": m.reply_to_id,
        "original": m.original_id,
    }
    if author is not None:
        node["author"] = author
    choices = m.metadata.get("choices")
    if isinstance(choices, tuple) and all(isinstance(c, str) for c in choices):
        node["choices"] = list(choices)  # a question asked with choices (ctx.ask)
    calls = m.metadata.get("tool_calls")
    if isinstance(calls, tuple) and calls:  # a model message that asks for tools
        node["tool_calls"] = [_call_of(c) for c in calls[:MAX_CALLS] if isinstance(c, Mapping)]
    call_id = m.metadata.get("tool_call_id")
    if isinstance(call_id, str):  # a tool's result
        error = m.metadata.get("tool_error")
        node["tool_result"] = {"call_id": call_id, **({"error": error} if isinstance(error, str) else {})}
    if full_text:
        node["text"] = m.content
    return node


MAX_CALLS = 20  # tool calls a node lists
ARGS_CHARS = 120  # of a tool call's arguments, as JSON, on a node


def _call_of(call: Mapping[str, Any]) -> dict[str, Any]:
    """A tool call as a node shows it: its name and the start of its arguments as compact JSON."""
    args = call.get("arguments")
    try:
        text = json.dumps(thaw(args), ensure_ascii=False, separators=(", ", ": ")) if args is not None else ""
    except (TypeError, ValueError):
        text = str(args)
    if len(text) > ARGS_CHARS:
        text = text[: ARGS_CHARS - 1] + "…"
    return {"id": str(call.get("id", "")), "name": str(call.get("name", "")), "arguments": text}


#: the annotations a node carries to the browser (badges, the details pane's editable fields, questions)
SHOWN_NOTES = (
    "duration_s",
    "ttft_s",
    "tokens",
    "model",
    "usage",
    "sample",
    "label",
    "bookmark",
    "note",
    "score",
    "awaiting",
    "edited_from",
    "created_at",
)


_ORDER = {k: i for i, k in enumerate(SHOWN_NOTES)}
_PLAIN = (str, int, float, bool)


def notes_of(annotations: Mapping[str, Any]) -> dict[str, Any]:
    """What of a message's annotations the widgets show (plain JSON values), in ``SHOWN_NOTES``' order."""
    keys = [k for k in annotations if k in _ORDER]  # a message has a few annotations: look at those
    if len(keys) > 1:
        keys.sort(key=_ORDER.__getitem__)
    out = {}
    for k in keys:
        v = annotations[k]
        out[k] = v if isinstance(v, _PLAIN) else thaw(v)
    return out


#: the fields of a node that have a place of their own in a compact row (the rest of the node is its ``extra``)
ROW_FIELDS = ("id", "parent", "sender", "colour", "kind", "status", "snippet", "n_chars", "reply_to", "original")


def node_rows(
    messages: list[Message],
    annotations: Mapping[str, Mapping[str, Any]],
    *,
    authors: Mapping[str, str] | None = None,
    extras: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The nodes of ``messages`` (:func:`stored_node` with their annotations) as compact rows, for a snapshot of a
    large tree: ``{"senders": [names], "colours": [each sender's colour], "rows": [row, ...]}``, one row per
    message, in the layout of ``forum.to_html``'s data (format 2, see ``_html.py``) with the snippet in the content's
    place::

        [id, parent, sender, kind, status, snippet, n_chars, extra, cut, reply_to, original]

    ``parent``, ``reply_to`` and ``original`` are the index of that message's row, or its id when it is not among
    ``messages``; ``sender`` indexes ``senders``; ``extra`` holds the rest of the node (``author``, ``choices``,
    ``tool_calls``, ``tool_result``, ``notes``, and ``extras[id]``); ``cut`` is always null; trailing nulls are
    left out. ``authors``: the sender of each original that a forward passes on (by the original's id)."""
    index = {m.id: i for i, m in enumerate(messages)}
    senders: dict[str, int] = {}
    rows: list[list[Any]] = []
    who = authors or {}
    more = extras or {}
    no_notes: Mapping[str, Any] = {}
    for m in messages:  # the hot loop of a large snapshot: plain messages take the short way
        mid, sender, kind, content = m.id, m.sender, m.kind, m.content
        s = senders.get(sender)
        if s is None:
            s = senders[sender] = len(senders)
        pid = m.parent_id
        row: list[Any] = [
            mid,
            None if pid is None else index.get(pid, pid),
            s,
            kind,
            m.status,
            content[:SNIPPET],
            len(content),
        ]
        extra: dict[str, Any] = {}
        original = m.original_id
        author = who.get(original) if kind == "forward" and original is not None else None
        if m.metadata or author is not None:  # choices, tool calls and results, a forward's author
            for k, v in node_of(m, False, author).items():
                if k not in ROW_FIELDS:
                    extra[k] = v
        notes = notes_of(annotations.get(mid, no_notes))
        if notes:
            extra["notes"] = notes
        if more:
            added = more.get(mid)
            if added:
                extra.update(added)
        reply = m.reply_to_id
        if original is not None:
            row += [
                extra or None,
                None,
                None if reply is None else index.get(reply, reply),
                index.get(original, original),
            ]
        elif reply is not None:
            row += [extra or None, None, index.get(reply, reply)]
        elif extra:
            row.append(extra)
        rows.append(row)
    names = list(senders)
    return {"senders": names, "colours": [sender_colour(n) for n in names], "rows": rows}


def stored_node(
    m: Message, annotations: Mapping[str, Any], *, author: str | None = None, full_text: bool = False
) -> dict[str, Any]:
    """:func:`node_of` with the annotations the views show (``notes``, when there are any): a stored message as a
    snapshot carries it, in the live widgets and in ``forum.to_html``'s file alike."""
    node = node_of(m, full_text, author)
    shown = notes_of(annotations)
    if shown:
        node["notes"] = shown
    return node


def full_message(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "parent_id": m.parent_id,
        "reply_to_id": m.reply_to_id,
        "original_id": m.original_id,
        "kind": m.kind,
        "sender": m.sender,
        "status": m.status,
        "content": m.content,
        "metadata": m.fields()["metadata"],
    }
