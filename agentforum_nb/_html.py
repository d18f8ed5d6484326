"""``forum.to_html``: one self-contained HTML file with the interactive tree (no kernel, no network).

The page holds the messages as JSON in a ``<script type="application/json">`` element and the TreeView's own
front end (``static/standalone.js``: the same code as the widget, with a local stand-in for the kernel that
answers from the embedded data). ``<``, ``>`` and ``&`` are escaped inside the JSON, so no message text can end
the element; the text is only ever set as text by the front end. A Content-Security-Policy allows no network
request at all.

The file carries each message's node as ``agentforum_nb/nodes.py`` makes it for the live TreeView (so its
``n_chars``, snippet, choices, tool fields and notes are the widget's, never computed again in JavaScript), with
its whole text, metadata and annotations for the details pane, compactly (about 150 bytes per message besides its
text and annotations). Data format 2, ``{"format": 2, "title", "senders": [names], "colours": [each sender's
colour], "messages": [row, ...], "folded"?: {row index: casefolded text}}``, one row per message::

    [id, parent, sender, kind, status, content, n_chars, extra, cut, reply_to, original, more_notes, metadata]

``parent``, ``reply_to`` and ``original`` are the index of that message's row, or its id when it is not in the
file; ``sender`` is an index into ``senders`` (and ``colours``). The node is ``{id, parent, sender, colour, kind,
status, snippet, n_chars, reply_to, original, **extra}``: ``extra`` holds the rest of the node (``author``,
``choices``, ``tool_calls``, ``tool_result``, ``notes``, ``attachments``: whatever nodes.py gives), and ``snippet``
is the whole ``content``, or when ``cut`` is a number its first ``cut`` UTF-16 code units (the snippet nodes.py
cut, measured as the browser's strings count). ``more_notes``: the annotations the node does not show, for the
details pane. Trailing nulls are left out.

A file whose messages have attachments also holds their bytes, once per content: ``"attachments": {sha256:
[media_type, base64 data]}`` (absent when there are none). The page shows images from them as images (an ``<img>``
of a ``data:`` URL, which runs nothing, SVG included) and offers the others as downloads; no attachment is ever
inserted as HTML.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ._canonical import thaw
from .errors import UsageError
from .messages import Message
from .nodes import SHOWN_NOTES, stored_node
from .palette import sender_colour

__all__ = ["FORMAT", "embedded_data", "render_html"]

STATIC = Path(__file__).resolve().parent / "static"
FORMAT = 2  # the embedded data's layout (js/src/standalone.js reads it)
#: the fields of a node that have a place of their own in a row (the rest of the node is its `extra`)
_ROW_FIELDS = ("id", "parent", "sender", "colour", "kind", "status", "snippet", "n_chars", "reply_to", "original")

_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:;"
    " font-src data:; connect-src 'none'"
)


def _script_json(value: Any) -> str:
    """JSON that is inert inside a ``<script>`` element: ``<``, ``>`` and ``&`` as ``\\u`` escapes."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _script_code(code: str) -> str:
    """The bundle as an inline script: nothing in it may close the element or open an HTML comment."""
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT").replace("<!--", "<\\!--")


def _utf16_length(text: str) -> int:
    """How many UTF-16 code units ``text`` is (what a JavaScript string's length counts)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def embedded_data(
    messages: Iterable[Message],
    annotations: Mapping[str, Mapping[str, Any]],
    *,
    title: str,
    authors: Mapping[str, str] | None = None,
    attachments: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    """The compact data the standalone front end reads (``FORMAT`` 2, see the module's docstring). ``authors``:
    the sender of each original message that a forward in ``messages`` passes on (by the original's id);
    ``attachments``: the bytes of the messages' attachments, by sha256."""
    msgs = list(messages)
    index = {m.id: i for i, m in enumerate(msgs)}
    senders: dict[str, int] = {}
    rows: list[list[Any]] = []
    folded: dict[str, str] = {}  # row index -> content.casefold(), where that is not simply its lower case
    who = authors or {}

    def ref(mid: str | None) -> int | str | None:
        if mid is None:
            return None
        return index.get(mid, mid)

    for m in msgs:
        s = senders.setdefault(m.sender, len(senders))
        notes = annotations.get(m.id) or {}
        author = who.get(m.original_id) if m.kind == "forward" and m.original_id is not None else None
        node = stored_node(m, notes, author=author)
        extra = {k: v for k, v in node.items() if k not in _ROW_FIELDS} or None
        snippet = node["snippet"]
        cut = None if snippet == m.content else _utf16_length(snippet)
        more = {k: thaw(v) for k, v in notes.items() if k not in SHOWN_NOTES} or None
        metadata = m.fields()["metadata"] or None
        row: list[Any] = [m.id, ref(m.parent_id), s, m.kind, m.status, m.content, node["n_chars"]]
        tail = [extra, cut, ref(m.reply_to_id), ref(m.original_id), more, metadata]
        while tail and tail[-1] is None:
            tail.pop()
        rows.append(row + tail)
        fold = m.content.casefold()
        if fold != m.content.lower():  # e.g. "Straße" -> "strasse": the page searches what Python's search finds
            folded[str(len(rows) - 1)] = fold
    names = list(senders)
    data: dict[str, Any] = {
        "format": FORMAT,
        "title": title,
        "senders": names,
        "colours": [sender_colour(n) for n in names],
        "messages": rows,
    }
    if folded:
        data["folded"] = folded
    blobs = attachments or {}
    kinds = {a.sha256: a.media_type for m in msgs for a in m.attachments if a.sha256 in blobs}
    if kinds:
        data["attachments"] = {sha: [kind, base64.b64encode(blobs[sha]).decode("ascii")] for sha, kind in kinds.items()}
    return data


def render_html(
    messages: Iterable[Message],
    annotations: Mapping[str, Mapping[str, Any]],
    *,
    title: str = "agentforum tree",
    authors: Mapping[str, str] | None = None,
    attachments: Mapping[str, bytes] | None = None,
) -> str:
    """The whole page (``authors``, ``attachments``: see :func:`embedded_data`)."""
    bundle = STATIC / "standalone.js"
    if not bundle.exists():
        raise UsageError("the HTML export's front end is not installed (static/standalone.js is missing)")
    data = embedded_data(messages, annotations, title=title, authors=authors, attachments=attachments)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>html,body{margin:0;height:100%;font-family:system-ui,sans-serif}"
        "#af-tree{height:100vh}</style>\n"
        "</head>\n<body>\n"
        '<div id="af-tree"></div>\n'
        f'<script type="application/json" id="af-data">{_script_json(data)}</script>\n'
        f"<script>{_script_code(bundle.read_text(encoding='utf-8'))}</script>\n"
        "<script>agentforumStandalone.show(document.getElementById('af-tree'),"
        " JSON.parse(document.getElementById('af-data').textContent));</script>\n"
        "</body>\n</html>\n"
    )
