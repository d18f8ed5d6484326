"""Stored messages as the views draw them: the node format of the widget protocol (docs/widget_protocol.md),
shared by the live widgets and the HTML export."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._canonical import thaw
from .messages import Message
from .palette import sender_colour

__all__ = [
    "BULK_NOTES",
    "ROW_FIELDS",
    "SHOWN_NOTES",
    "SNIPPET",
    "full_message",
    "node_columns",
    "node_of",
    "notes_of",
    "stored_node",
]

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
    if m.attachments:  # descriptors only: a view asks for the bytes it shows (get-attachment)
        node["attachments"] = [a.to_dict() for a in m.attachments]
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
    "cost_usd",
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
#: the notes a large tree's snapshot carries (node_columns): those the TreeView draws or edits; the details pane
#: gets the rest (when it was made, time to first token, usage) with the message
BULK_NOTES = tuple(k for k in SHOWN_NOTES if k not in ("created_at", "ttft_s", "usage"))
_BULK_ORDER = {k: i for i, k in enumerate(BULK_NOTES)}


def notes_of(annotations: Mapping[str, Any], shown: Mapping[str, int] = _ORDER) -> dict[str, Any]:
    """What of a message's annotations the widgets show (plain JSON values), in ``SHOWN_NOTES``' order (``shown``:
    another selection, name -> rank)."""
    keys = [k for k in annotations if k in shown]  # a message has a few annotations: look at those
    if len(keys) > 1:
        keys.sort(key=shown.__getitem__)
    out = {}
    for k in keys:
        v = annotations[k]
        out[k] = v if isinstance(v, _PLAIN) else thaw(v)
    return out


#: the fields of a node that have a place of their own in a compact row (the rest of the node is its ``extra``)
ROW_FIELDS = ("id", "parent", "sender", "colour", "kind", "status", "snippet", "n_chars", "reply_to", "original")


def stored_node(
    m: Message, annotations: Mapping[str, Any], *, author: str | None = None, full_text: bool = False
) -> dict[str, Any]:
    """:func:`node_of` with the annotations the views show (``notes``, when there are any): a stored message as a
    snapshot carries it, in the live widgets and in ``forum.to_html``'s file alike."""
    node = node_of(m, full_text, author)
    shown = notes_of(annotations)
    if shown:
        node["notes"] = shown
    if full_text:  # a transcript shows a model's reasoning (folded); the tree's details pane asks for it
        reasoning = annotations.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            node["reasoning"] = reasoning
    return node


def full_message(m: Message) -> dict[str, Any]:
    """A whole message as the details pane gets it (``attachments``, descriptor dicts, only when it has any)."""
    out = {
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
    if m.attachments:
        out["attachments"] = [a.to_dict() for a in m.attachments]
    return out


def node_columns(
    messages: list[Message],
    annotations: Mapping[str, Mapping[str, Any]],
    *,
    authors: Mapping[str, str] | None = None,
    extras: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any] | None:
    """The nodes of ``messages`` (:func:`stored_node` with their annotations; of those only ``BULK_NOTES``) as
    columns, the quickest to make and to read for a large tree's snapshot (js/src/rows.js ``nodesOfColumns``), or
    None when an id is not a message id (64 characters)::

        {"n", "ids": all the ids in one string, "parent": [row index, -1 for none, or an id not among them],
         "sender" / "kind" / "status": [index into "senders" / "kinds" / "statuses"], "colours": each sender's,
         "snippet": [text], "n_chars": [int], "reply_to" / "original": [[row, row index or id], ...] (only those
         that have one), "extra": [[row, {the node's other fields}], ...] (only those that have some)}

    ``authors``: the sender of each original that a forward passes on (by the original's id); ``extras``: more
    fields of some nodes (by id)."""
    ids = [m.id for m in messages]
    if any(len(i) != 64 for i in ids):
        return None
    index = {mid: i for i, mid in enumerate(ids)}
    codes: dict[str, dict[str, int]] = {"sender": {}, "kind": {}, "status": {}}

    def coded(name: str, values: list[str]) -> list[int]:
        table = codes[name]
        return [table.setdefault(v, len(table)) for v in values]

    who = authors or {}
    more = extras or {}
    extra: list[list[Any]] = []
    for i, m in enumerate(messages):
        original = m.original_id
        author = who.get(original) if m.kind == "forward" and original is not None else None
        fields: dict[str, Any] = {}
        if m.metadata or m.attachments or author is not None:  # choices, tools, attachments, a forward's author
            for k, v in node_of(m, False, author).items():
                if k not in ROW_FIELDS:
                    fields[k] = v
        notes = annotations.get(m.id)
        if notes:
            shown = notes_of(notes, _BULK_ORDER)
            if shown:
                fields["notes"] = shown
        added = more.get(m.id)
        if added:
            fields.update(added)
        if fields:
            extra.append([i, fields])
    senders = coded("sender", [m.sender for m in messages])
    return {
        "n": len(messages),
        "ids": "".join(ids),
        "parent": [-1 if m.parent_id is None else index.get(m.parent_id, m.parent_id) for m in messages],
        "sender": senders,
        "senders": list(codes["sender"]),
        "colours": [sender_colour(n) for n in codes["sender"]],
        "kind": coded("kind", [m.kind for m in messages]),
        "kinds": list(codes["kind"]),
        "status": coded("status", [m.status for m in messages]),
        "statuses": list(codes["status"]),
        "snippet": [m.content[:SNIPPET] for m in messages],
        "n_chars": [len(m.content) for m in messages],
        "reply_to": [[i, index.get(m.reply_to_id, m.reply_to_id)] for i, m in enumerate(messages) if m.reply_to_id],
        "original": [[i, index.get(m.original_id, m.original_id)] for i, m in enumerate(messages) if m.original_id],
        "extra": extra,
    }
