"""Browser messages delivered on another thread (ipykernel 7 hands widget comms to a subshell thread) are
handled on the kernel's event loop, where the forum, the calls and the widgets' timers live."""

from __future__ import annotations

import asyncio
import threading

import agentforum_nb as af
from agentforum_nb.notebook import StreamView, TreeView

from .test_widgets import frontend, record


def asking_agent():
    @af.agent
    async def planner(ctx):
        answer = await ctx.ask("Book the flight?", choices=["yes", "no"])
        ctx.respond(f"booked: {answer.content}")

    return planner


async def wait_for_question(forum, seq):
    question = await (await anext(aiter(seq)))  # the first response is the question, stored before it waits
    assert forum.questions() == [question]
    return question


def from_a_thread(fn) -> None:
    worker = threading.Thread(target=fn, name="subshell-test")
    worker.start()
    worker.join()


async def test_an_answer_from_another_thread_wakes_the_agent(forum):
    seq = asking_agent().quick_call("go", forum=forum)
    question = await wait_for_question(forum, seq)
    tv = TreeView(forum)
    record(tv)
    seen = []
    original = tv._dispatch  # every browser message goes through it, on the loop's thread
    tv._dispatch = lambda content: (seen.append(threading.current_thread().name), original(content))
    from_a_thread(lambda: frontend(tv, {"kind": "answer", "id": question.id, "text": "yes"}))
    assert seen == []  # not handled on the delivering thread: handed to the loop
    answers = await asyncio.wait_for(seq, 30)  # a deadlock guard, not a timing assertion
    assert [m.content for m in answers] == ["Book the flight?", "booked: yes"]
    assert seen == [threading.current_thread().name]
    assert tv.error == ""
    tv.close()


async def test_a_stream_views_answer_from_another_thread_wakes_the_agent(forum):
    seq = asking_agent().quick_call("go", forum=forum)
    question = await wait_for_question(forum, seq)
    view = StreamView(seq)
    from_a_thread(lambda: frontend(view, {"kind": "answer", "id": question.id, "text": "no"}))
    answers = await asyncio.wait_for(seq, 30)
    assert answers[-1].content == "booked: no"
    view.close()


async def test_trait_updates_from_another_thread_are_applied_on_the_loop(forum):
    a = forum.post("a")
    tv = TreeView(forum)
    record(tv)
    applied = asyncio.Event()
    where = []
    tv.observe(lambda change: (where.append(threading.current_thread().name), applied.set()), names="selected_id")
    from_a_thread(lambda: tv.set_state({"selected_id": a.id}))
    await asyncio.wait_for(applied.wait(), 30)
    assert tv.selected_id == a.id and where == [threading.current_thread().name]
    from_a_thread(lambda: tv.set_state({"selected_id": "not-an-id"}))
    await asyncio.sleep(0)  # one loop turn: the handed-over callback runs (ordering, not timing)
    assert tv.selected_id == a.id and "not a message id" in tv.error
    tv.close()


def test_without_a_running_loop_messages_are_handled_at_once():
    forum = af.Forum()
    a = forum.post("a")
    tv = TreeView(forum)
    record(tv)
    frontend(tv, {"kind": "select", "id": a.id})
    assert tv.selected_id == a.id
    tv.close()
