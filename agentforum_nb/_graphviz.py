"""Static export of a tree as a Graphviz DOT graph (the ``graphviz`` Python package; no binary needed)."""

from __future__ import annotations

import re

import graphviz

from .messages import Message
from .palette import sender_colour

# C0 controls and DEL (other than the whitespace that _snippet folds): not allowed in SVG/XML text, shown as the
# Unicode "control pictures" (ESC -> U+241B) so that the exported SVG stays well-formed
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _visible(text: str) -> str:
    return _CONTROLS.sub(lambda m: "\u2421" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)


def _snippet(text: str, n: int) -> str:
    text = " ".join(_visible(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def build_digraph(messages: list[Message], *, max_chars: int = 40) -> graphviz.Digraph:
    g = graphviz.Digraph(
        "forum",
        graph_attr={"rankdir": "TB"},
        node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": "10"},
    )
    ids = {m.id for m in messages}
    for m in messages:
        label = graphviz.escape(_visible(m.sender)) + "\\n" + graphviz.escape(_snippet(m.content, max_chars))
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
            g.edge(m.id[:12], m.reply_to_id[:12], style="dotted", color="#64748b", constraint="false", arrowhead="open")
    return g
