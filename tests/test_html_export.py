"""forum.to_html (API.md section 9): one self-contained file, the embedded data inert inside its element."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

import agentforum_nb as af

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
    assert rows[1][8]["label"] == "</script>" and "created_at" in rows[1][8]


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
    assert rows[a.id][9] == {"k": [1, 2]}
    assert rows[fwd.id][3] == "forward" and rows[fwd.id][7] == 1  # the original as an index


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
