"""The TreeView at scale, without a browser: a large tree's snapshot goes as columns in one binary buffer and gives
the browser the same nodes as the snapshot of node objects, with the notes it draws (tests/test_browser_scale.py
draws them)."""

from __future__ import annotations

import json

import agentforum_nb as af
from agentforum_nb.nodes import BULK_NOTES
from agentforum_nb.notebook import TreeView, _tracker

from .debates import add_debates


def decode(content, buffers):
    """The nodes of a compact snapshot, as js/src/rows.js reads its columns."""
    c = json.loads(bytes(buffers[content["columns"]["buffer"]]).decode())
    ids = [c["ids"][64 * i : 64 * i + 64] for i in range(c["n"])]

    def ref(r):
        return ids[r] if isinstance(r, int) else r

    nodes = [
        {
            "id": ids[i],
            "parent": None if c["parent"][i] == -1 else ref(c["parent"][i]),
            "sender": c["senders"][c["sender"][i]],
            "colour": c["colours"][c["sender"][i]],
            "kind": c["kinds"][c["kind"][i]],
            "status": c["statuses"][c["status"][i]],
            "snippet": c["snippet"][i],
            "n_chars": c["n_chars"][i],
            "reply_to": None,
            "original": None,
        }
        for i in range(c["n"])
    ]
    for i, r in c["reply_to"]:
        nodes[i]["reply_to"] = ref(r)
    for i, r in c["original"]:
        nodes[i]["original"] = ref(r)
    for i, extra in c["extra"]:
        nodes[i].update(extra)
    return nodes


def bulk(node):
    """A node as a large snapshot carries it: only the notes the TreeView draws or edits (nodes.py BULK_NOTES)."""
    notes = {k: v for k, v in node.get("notes", {}).items() if k in BULK_NOTES}
    out = {k: v for k, v in node.items() if k != "notes"}
    return {**out, "notes": notes} if notes else out


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
    content, buffers = tracker.snapshot_columns(messages)
    assert content["kind"] == "snapshot" and "nodes" not in content and content["streams"] == []
    assert decode(content, buffers) == [bulk(n) for n in expected]
    assert any("duration_s" in n.get("notes", {}) for n in decode(content, buffers))  # the badges' notes are there
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
    assert content["columns"] == {"buffer": 0} and len(buffers) == 1
    assert [n["id"] for n in decode(content, buffers)] == [m.id for m in forum]
    # a small one still sends node objects
    small = af.Forum()
    small.post("hi")
    w2 = TreeView(small)
    sent2 = []
    w2.send = lambda content, buffers=None: sent2.append((content, buffers))
    w2.comm.handle_msg({"content": {"data": {"method": "custom", "content": {"kind": "ready"}}}, "buffers": []})
    assert sent2[0][0]["nodes"][0]["snippet"] == "hi" and not sent2[0][1]
