"""Sender colours: one function for every view of a tree (the TreeView and ChatView nodes, Graphviz export)."""

from __future__ import annotations

import hashlib

__all__ = ["PALETTE", "USER_COLOUR", "sender_colour"]

USER_COLOUR = "#f1f5f9"
PALETTE = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1", "#fee2e2", "#f3e8ff", "#ecfccb", "#ffedd5")


def sender_colour(sender: str) -> str:
    """A stable pastel fill for ``sender`` (``"user"`` is neutral): the same in every process and every view."""
    if sender == "user":
        return USER_COLOUR
    return PALETTE[hashlib.sha256(sender.encode("utf-8", "surrogatepass")).digest()[0] % len(PALETTE)]
