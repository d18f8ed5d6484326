"""A model's reasoning, live and stored: ``af.Reasoning`` items of a FunctionModel, the widgets' deltas that carry
the reasoning of a streaming answer, transcripts' nodes with the stored reasoning, and ``cost_usd`` among the
notes the widgets show."""

from __future__ import annotations

import asyncio
import json

import pytest

import agentforum_nb as af
from agentforum_nb.notebook import ChatView, TreeView

from .test_widgets import frontend, record

# the scripted thinkers close over asyncio events (no stable fingerprint; cache=False, so nothing is shared)
pytestmark = pytest.mark.filterwarnings("ignore::agentforum_nb.fingerprint.VersionWarning")


def thinker(gate: asyncio.Event, thought_given: asyncio.Event):
    async def fn(messages):
        yield af.Reasoning("First, the motion. ")
        yield af.Reasoning("Then the rebuttal.")
        thought_given.set()
        await gate.wait()
        yield "The answer"
        yield " is 42."

    return af.function_agent("thinker", fn, cache=False, version="1")


async def test_reasoning_items_are_the_annotation_not_the_content(forum):
    free = asyncio.Event()
    free.set()
    q = forum.post("why?")
    answer = await thinker(free, asyncio.Event()).quick_call(q, forum=forum).last()
    assert answer.content == "The answer is 42."
    assert forum.annotations(answer)["reasoning"] == "First, the motion. Then the rebuttal."
    # the id does not depend on the reasoning: the same answer without it has the same id
    other = af.Forum()
    same = af.function_agent("thinker", lambda messages: ["The answer", " is 42."], cache=False)
    plain = await same.quick_call(other.post("why?"), forum=other).last()
    assert plain.id == answer.id
    assert "reasoning" not in other.annotations(plain)
    await other.aclose()


def test_reasoning_must_be_text():
    with pytest.raises(af.UsageError, match="Reasoning needs a str"):
        af.Reasoning(b"bytes")  # type: ignore[arg-type]


async def test_a_chat_view_gets_the_reasoning_live_then_stored(forum):
    gate, thought = asyncio.Event(), asyncio.Event()
    agent = thinker(gate, thought)
    q = forum.post("why?")
    seq = agent.quick_call(q, forum=forum)
    chat = ChatView(forum, head=q)
    sent = record(chat)
    frontend(chat, {"kind": "ready"})
    await thought.wait()
    chat.flush()
    streams = [s for m in sent for s in m.get("streams", ())]
    assert streams, sent
    key = streams[0]["key"]
    live = streams[0].get("reasoning", "") + "".join(m.get("reasoning", {}).get(key, "") for m in sent)
    assert live == "First, the motion. Then the rebuttal."
    gate.set()
    answer = await seq.last()
    chat.head_id = answer.id
    chat.flush()
    nodes = [n for m in sent for n in m.get("nodes", ()) if n.get("id") == answer.id]
    assert nodes and nodes[-1]["reasoning"] == "First, the motion. Then the rebuttal."
    assert nodes[-1]["text"] == "The answer is 42."
    chat.close()


async def test_a_tree_view_sends_reasoning_deltas_only_while_it_grows(forum):
    gate, thought = asyncio.Event(), asyncio.Event()
    agent = thinker(gate, thought)
    tree = TreeView(forum, agents=[agent])
    sent = record(tree)
    frontend(tree, {"kind": "ready"})
    seq = tree.branch("why?")
    await thought.wait()
    tree.flush()
    tree.flush()  # nothing new: no second reasoning delta
    with_reasoning = [m for m in sent if m.get("reasoning")]
    streamed = [s for m in sent for s in m.get("streams", ())]
    key = streamed[0]["key"]
    pieces = [streamed[0].get("reasoning", "")] + [m["reasoning"][key] for m in with_reasoning]
    assert "".join(pieces) == "First, the motion. Then the rebuttal."
    assert len(with_reasoning) <= 1
    gate.set()
    answer = await seq.last()
    tree.flush()
    # the tree's nodes stay small: the details pane asks for the reasoning with the message
    assert all("reasoning" not in n for m in sent for n in m.get("nodes", ()))
    frontend(tree, {"kind": "get-message", "id": answer.id, "request_id": 7})
    (reply,) = [m for m in sent if m["kind"] == "message"]
    assert reply["annotations"]["reasoning"] == "First, the motion. Then the rebuttal."
    tree.close()


def priced(forum, tmp_path, content: str, cost: float):
    """A model answer's message with its cost, as a JSONL file from a run brings it in (cost_usd is written by
    the library: a user cannot annotate it)."""
    source = af.Forum()
    m = source.post(content)
    path = tmp_path / "priced.jsonl"
    source.export_jsonl(path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for line in lines:
        if line.get("id") == m.id:
            line["annotations"]["cost_usd"] = cost
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    forum.import_jsonl(path)
    return forum.get(m.id)


async def test_cost_is_among_the_notes_the_widgets_show(forum, tmp_path):
    m = priced(forum, tmp_path, "priced", 0.0125)
    tree = TreeView(forum)
    sent = record(tree)
    frontend(tree, {"kind": "ready"})
    (node,) = [n for n in sent[0]["nodes"] if n["id"] == m.id]
    assert node["notes"]["cost_usd"] == 0.0125
    tree.close()
