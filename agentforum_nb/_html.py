"""``forum.to_html``: one self-contained HTML file with the interactive tree (no kernel, no network).

The page holds the messages as JSON in a ``<script type="application/json">`` element and the TreeView's own
front end (``static/standalone.js``: the same code as the widget, with a local stand-in for the kernel that
answers from the embedded data). ``<``, ``>`` and ``&`` are escaped inside the JSON, so no message text can end
the element; the text is only ever set as text by the front end. A Content-Security-Policy allows no network
request at all.

The data is compact (about 150 bytes per message besides its text and annotations): senders are listed once,
parents and other references are indexes into the message list when the message is in the file.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .errors import UsageError
from .messages import Message
from .palette import sender_colour

__all__ = ["FORMAT", "render_html"]

STATIC = Path(__file__).resolve().parent / "static"
FORMAT = 1  # the embedded data's layout (js/src/standalone.js reads it)

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


def embedded_data(
    messages: Iterable[Message], annotations: Mapping[str, Mapping[str, Any]], *, title: str
) -> dict[str, Any]:
    """The compact data the standalone front end reads (``FORMAT`` 1)."""
    msgs = list(messages)
    index = {m.id: i for i, m in enumerate(msgs)}
    senders: dict[str, int] = {}
    rows: list[list[Any]] = []
    folded: dict[str, str] = {}  # row index -> content.casefold(), where that is not simply its lower case

    def ref(mid: str | None) -> int | str | None:
        if mid is None:
            return None
        return index.get(mid, mid)

    for m in msgs:
        s = senders.setdefault(m.sender, len(senders))
        notes = annotations.get(m.id) or None
        metadata = m.fields()["metadata"] or None
        row: list[Any] = [m.id, ref(m.parent_id), s, m.kind, m.status, m.content]
        extra = [ref(m.reply_to_id), ref(m.original_id), notes, metadata]
        while extra and extra[-1] is None:
            extra.pop()
        rows.append(row + extra)
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
    return data


def render_html(
    messages: Iterable[Message], annotations: Mapping[str, Mapping[str, Any]], *, title: str = "agentforum tree"
) -> str:
    """The whole page."""
    bundle = STATIC / "standalone.js"
    if not bundle.exists():
        raise UsageError("the HTML export's front end is not installed (static/standalone.js is missing)")
    data = embedded_data(messages, annotations, title=title)
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
