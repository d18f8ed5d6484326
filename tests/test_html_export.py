"""forum.to_html (API.md section 9): one self-contained file, the embedded data inert inside its element."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import TreeView

NASTY = [
    "</script><script>alert(1)</script>",
    "</SCRIPT >",
    "<!-- <script>",
    "<img src=x onerror=alert(2)> & &amp; >",
    "\u2028 line separators \u2029 and \x00 nul",
    "ünïcødé 日本語 😀",
]


class Scripts(HTMLParser):
    """Collects each <script> element's type and text, as a browser's HTML parser splits them."""

    def __init__(self):
        super().__init__()
        self.scripts = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = [dict(attrs), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.scripts.append(tuple(self._open))
            self._open = None


def parse(path):
    p = Scripts()
    p.feed(path.read_text(encoding="utf-8"))
    return p.scripts


def test_embedded_data_survives_any_message_text(forum, tmp_path):
    root = forum.post(NASTY[0])
    kids = [forum.post(t, parent=root, sender="bot<b>") for t in NASTY[1:]]
    forum.annotate(kids[0], label="</script>", note="<b>&</b>")
    path = forum.to_html(tmp_path / "tree.html")
    scripts = parse(path)
    assert len(scripts) == 3  # data, bundle, the call: nothing in a message ended an element early
    (attrs, text) = scripts[0]
    assert attrs == {"type": "application/json", "id": "af-data"}
    assert not re.search(r"[<>&]", text)
    data = json.loads(text)
    rows = data["messages"]
    assert [r[0] for r in rows] == [root.id] + [k.id for k in kids]
    assert [r[5] for r in rows] == NASTY
    assert data["senders"] == ["user", "bot<b>"]
    assert rows[1][1] == 0  # the parent as an index into the list
    notes = rows[1][7]["notes"]  # the node's notes, as the widget's node has them
    assert notes["label"] == "</script>" and notes["note"] == "<b>&</b>" and "created_at" in notes


def test_the_page_allows_no_network_and_escapes_its_title(forum, tmp_path):
    forum.post("hi")
    path = forum.to_html(tmp_path / "t.html", title="<b>mine</b>")
    page = path.read_text(encoding="utf-8")
    assert "<title>&lt;b&gt;mine&lt;/b&gt;</title>" in page
    assert "default-src 'none'" in page and "connect-src 'none'" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_root_exports_the_subtree_only(forum, tmp_path):
    a = forum.post("a")
    b = forum.post("b", parent=a, sender="bot")
    c = forum.post("c", parent=b)
    forum.post("other tree")
    data = json.loads(parse(forum.to_html(tmp_path / "s.html", root=b))[0][1])
    rows = data["messages"]
    assert [r[0] for r in rows] == [b.id, c.id]
    assert rows[0][1] == a.id  # a parent outside the file stays an id
    assert rows[1][1] == 0


def test_texts_whose_casefold_is_not_their_lower_case_carry_it(forum, tmp_path):
    plain = forum.post("Plain Text")
    street = forum.post("Große STRAẞE", parent=plain)
    data = json.loads(parse(forum.to_html(tmp_path / "c.html"))[0][1])
    index = {r[0]: i for i, r in enumerate(data["messages"])}
    assert data["folded"] == {str(index[street.id]): "grosse strasse"}  # the page searches what forum.search finds
    assert forum.search("strasse") == [street]


def test_forwards_keep_their_original_and_metadata(forum, tmp_path):
    q = forum.post("q")
    a = forum.post("answer", parent=q, sender="researcher", metadata={"k": [1, 2]})
    fwd = forum.forward(a, to=q)
    data = json.loads(parse(forum.to_html(tmp_path / "f.html"))[0][1])
    rows = {r[0]: r for r in data["messages"]}
    assert rows[a.id][12] == {"k": [1, 2]}
    assert rows[fwd.id][3] == "forward" and rows[fwd.id][10] == 1  # the original as an index
    assert rows[fwd.id][7]["author"] == "researcher"  # the node's author, as the widget's node has it


def test_size_is_about_the_bundle_plus_a_few_hundred_bytes_a_message(tmp_path):
    f = af.Forum()
    parent = None
    for i in range(2000):
        parent = f.post(f"message number {i}", parent=parent if i % 3 else None, sender=f"agent{i % 4}")
    empty = af.Forum()
    empty.post("x")
    base = empty.to_html(tmp_path / "e.html").stat().st_size
    size = f.to_html(tmp_path / "big.html").stat().st_size
    per_message = (size - base) / 1999
    assert per_message < 300, per_message


def test_bad_arguments(forum, tmp_path):
    forum.post("x")
    with pytest.raises(af.MessageNotFound):
        forum.to_html(tmp_path / "x.html", root="ab" * 32)
    assert not (tmp_path / "x.html").exists()
    with pytest.raises(af.UsageError, match=r"missing-dir.* does not exist"):  # named, before anything is written
        forum.to_html(tmp_path / "missing-dir" / "x.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


#: runs the exported page's own bundle (static/standalone.js) on a file's data in Node, without a browser: the
#: snapshot its stand-in kernel gives the tree, and its answers to get-message for the ids given
PAGE_IN_NODE = """
const fs = require("fs"), vm = require("vm");
const [bundle, dataPath, ids] = process.argv.slice(1);
const ctx = vm.createContext({ queueMicrotask });
vm.runInContext(fs.readFileSync(bundle, "utf8"), ctx);
const page = vm.runInContext("agentforumStandalone", ctx);
const model = page.localModel(JSON.parse(fs.readFileSync(dataPath, "utf8")));
const out = { messages: [] };
const wanted = ids.split(",");
model.on("msg:custom", (m) => {
  if (m.kind === "snapshot") out.nodes = m.nodes || page.nodesOfRows(m); // the rows, as a large snapshot has them
  if (m.kind === "message") out.messages.push(m);
  if (out.nodes && out.messages.length === wanted.length) process.stdout.write(JSON.stringify(out));
});
model.send({ kind: "ready" });
wanted.forEach((id, i) => model.send({ kind: "get-message", id, request_id: i }));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the page's bundle in Node")
def test_the_file_shows_the_nodes_and_messages_the_widget_shows(forum, tmp_path):
    """An emoji is one character in Python and two UTF-16 units in JavaScript: the file's nodes are the ones
    nodes.py makes for the TreeView (n_chars, the snippet cut at 200 characters, a forward's author, choices, tool
    fields, notes), never computed again by the page (before: the page counted UTF-16 units)."""
    root = forum.post("Plan a weekend 😀 in Lisbon 🇵🇹")
    long = forum.post("🚀" * 150 + "x" * 100, parent=root, sender="bot")  # the snippet ends among emoji
    asks = forum.post("Which city? 🤔", parent=long, sender="planner", metadata={"choices": ["Paris 🗼", "Rome"]})
    calls = forum.post(
        "",
        parent=asks,
        sender="model",
        metadata={"tool_calls": [{"id": "c1", "name": "weather", "arguments": {"city": "Lisboa ☀️" * 30}}]},
    )
    result = forum.post("22 °C ☀️", parent=calls, sender="weather", metadata={"tool_call_id": "c1"})
    fwd = forum.forward(long, to=result)
    forum.annotate(long, label="rocket 🚀", score=3, note="n", custom={"k": "v"})
    outside = forum.post("elsewhere", parent=root, sender="critic")
    forum.forward(outside, to=asks)
    tree = TreeView(forum)
    sent = []
    tree.send = lambda content, buffers=None: sent.append(content)
    tree.comm.handle_msg({"content": {"data": {"method": "custom", "content": {"kind": "ready"}}}, "buffers": []})
    widget_nodes = sent[-1]["nodes"]
    ids = [root.id, long.id, fwd.id]
    widget_messages = []
    for i, mid in enumerate(ids):
        get = {"kind": "get-message", "id": mid, "request_id": i}
        tree.comm.handle_msg({"content": {"data": {"method": "custom", "content": get}}, "buffers": []})
        widget_messages.append(sent[-1])
    tree.close()

    path = forum.to_html(tmp_path / "emoji.html")
    data_path = tmp_path / "data.json"
    data_path.write_text(parse(path)[0][1], encoding="utf-8")
    bundle = Path(af.__file__).parent / "static" / "standalone.js"
    run = subprocess.run(
        ["node", "-e", PAGE_IN_NODE, str(bundle), str(data_path), ",".join(ids)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    page = json.loads(run.stdout)
    by_id = {n["id"]: n for n in page["nodes"]}
    assert by_id[root.id]["n_chars"] == len(root.content) == 29  # code points (JavaScript counts 32 UTF-16 units)
    assert by_id[long.id]["snippet"] == long.content[:200] and by_id[long.id]["n_chars"] == 250
    assert page["nodes"] == widget_nodes  # every node the same, in the same order
    assert page["messages"] == widget_messages  # and the details pane's whole messages and annotations
