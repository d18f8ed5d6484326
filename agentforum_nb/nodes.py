"""Stored messages as the views draw them: the node format of the widget protocol (docs/widget_protocol.md),
shared by the live widgets and the HTML export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._canonical import thaw
from .messages import Message
from .palette import sender_colour

__all__ = ["SHOWN_NOTES", "SNIPPET", "full_message", "node_of", "notes_of"]

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
    if full_text:
        node["text"] = m.content
    return node


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


def notes_of(annotations: Mapping[str, Any]) -> dict[str, Any]:
    """What of a message's annotations the widgets show (plain JSON values)."""
    return {k: thaw(annotations[k]) for k in SHOWN_NOTES if k in annotations}


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
