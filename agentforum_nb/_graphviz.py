"""Static export of a tree as a Graphviz DOT graph (the ``graphviz`` Python package; no binary needed)."""

from __future__ import annotations

import hashlib

import graphviz

from .messages import Message

_PALETTE = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1", "#fee2e2", "#f3e8ff",
            "#ecfccb", "#ffedd5")


def sender_colour(sender: str) -> str:
    if sender == "user":
        return "#f1f5f9"
    return _PALETTE[hashlib.sha256(sender.encode("utf-8")).digest()[0] % len(_PALETTE)]


def _snippet(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def build_digraph(messages: list[Message], *, max_chars: int = 40) -> graphviz.Digraph:
    g = graphviz.Digraph("forum", graph_attr={"rankdir": "TB"},
                         node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                    "fontsize": "10"})
    ids = {m.id for m in messages}
    for m in messages:
        label = graphviz.escape(m.sender) + "\\n" + graphviz.escape(_snippet(m.content, max_chars))
        attrs = {"fillcolor": sender_colour(m.sender), "tooltip": m.id}
        if m.kind == "error":
            attrs.update(color="#dc2626", penwidth="2")
        elif m.status == "cancelled":
            attrs.update(style="rounded,filled,dashed", color="#6b7280")
        elif m.status == "failed":
            attrs.update(color="#ea580c", penwidth="2")
        if m.kind == "forward":
            label = "↪ " + label
        g.node(m.id[:12], graphviz.nohtml(label), **attrs)  # never an HTML-like label, even for "<b>..."
    for m in messages:
        if m.parent_id in ids:
            g.edge(m.parent_id[:12], m.id[:12])
        if m.original_id in ids:
            g.edge(m.original_id[:12], m.id[:12], style="dashed", color="#94a3b8", constraint="false")
        if m.reply_to_id in ids:
            g.edge(m.id[:12], m.reply_to_id[:12], style="dotted", color="#64748b", constraint="false",
                   arrowhead="open")
    return g
