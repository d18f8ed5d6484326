"""The TreeView at scale, without a browser: a large tree's snapshot goes as compact rows in one binary buffer and
gives the browser the same nodes as the snapshot of node objects (tests/test_browser_scale.py draws them)."""

from __future__ import annotations

import json

import agentforum_nb as af
from agentforum_nb.notebook import TreeView, _tracker

from .debates import add_debates


def decode(content, buffers):
    """The nodes of a compact snapshot, as js/src/rows.js reads them."""
    rows = json.loads(bytes(buffers[content["rows"]["buffer"]]).decode())

    def ref(r):
        return rows[r][0] if isinstance(r, int) else r

    nodes = []
    for row in rows:
        row = row + [None] * (11 - len(row))
        mid, parent, s, kind, status, content_, n_chars, extra, cut, reply_to, original = row
        node = {
            "id": mid,
            "parent": ref(parent),
            "sender": content["senders"][s],
            "colour": content["colours"][s],
            "kind": kind,
            "status": status,
            "snippet": content_ if cut is None else content_[:cut],
            "n_chars": n_chars,
            "reply_to": ref(reply_to),
            "original": ref(original),
        }
        node.update(extra or {})
        nodes.append(node)
    return nodes


async def test_compact_snapshot_gives_the_same_nodes(forum):
    await add_debates(forum, 4)  # forwards, samples, edits, the runtime's annotations
    q = forum.post("Pick one", sender="bot", metadata={"choices": ["a", "b"]})
    forum.annotate(q, label="question", bookmark=True, score=3)
    forum.post("x" * 500, parent=q, sender="user")  # a long text: its snippet is cut
    tracker = _tracker.TreeTracker(forum)
    tracker.cached.add(q.id)
    tracker.runs[q.id] = "run-1"
    messages = list(forum)
    expected = tracker.snapshot(messages)["nodes"]
    content, buffers = tracker.snapshot_rows(messages)
    assert content["kind"] == "snapshot" and "nodes" not in content and content["streams"] == []
    assert decode(content, buffers) == expected
    # smaller than the node objects' JSON (ids, senders, colours and empty fields not repeated)
    assert len(buffers[0]) < 0.7 * len(json.dumps(expected, separators=(",", ":")))


async def test_a_large_tree_view_sends_its_snapshot_in_a_buffer(forum, monkeypatch):
    monkeypatch.setattr(_tracker, "COMPACT_ABOVE", 20)
    await add_debates(forum, 2)
    sent = []
    w = TreeView(forum)
    w.send = lambda content, buffers=None: sent.append((content, buffers))
    w.comm.handle_msg({"content": {"data": {"method": "custom", "content": {"kind": "ready"}}}, "buffers": []})
    ((content, buffers),) = sent
    assert content["rows"] == {"buffer": 0} and len(buffers) == 1
    assert [n["id"] for n in decode(content, buffers)] == [m.id for m in forum]
    # a small one still sends node objects
    small = af.Forum()
    small.post("hi")
    w2 = TreeView(small)
    sent2 = []
    w2.send = lambda content, buffers=None: sent2.append((content, buffers))
    w2.comm.handle_msg({"content": {"data": {"method": "custom", "content": {"kind": "ready"}}}, "buffers": []})
    assert sent2[0][0]["nodes"][0]["snippet"] == "hi" and not sent2[0][1]
