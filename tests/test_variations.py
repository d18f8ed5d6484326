"""Variations (API.md section 10): samples and edits; asking the user (section 11)."""

from __future__ import annotations

import asyncio

import pytest

import agentforum_nb as af
from agentforum_nb.cache import cache_key


# -- samples ---------------------------------------------------------------------------------------------------
async def test_samples_are_other_cache_entries_and_sample_0_keys_as_before(forum):
    seen = []

    @af.agent
    async def writer(ctx, style: str = "plain"):
        seen.append(ctx.sample)
        ctx.respond(f"answer {ctx.sample} ({style})")

    root = forum.post("q")
    (a0,) = await writer.quick_call(root, forum=forum)
    (a1,) = await writer.quick_call(root, forum=forum, sample=1)
    (a2,) = await writer.quick_call(root, forum=forum, sample=2, style="plain")
    assert [a0.content, a1.content, a2.content] == ["answer 0 (plain)", "answer 1 (plain)", "answer 2 (plain)"]
    assert a0.parent_id == a1.parent_id == a2.parent_id == root.id  # several answers on the same branch
    keys = {e["key"] for e in forum.cache_entries()}
    assert cache_key("writer", writer.version, root.id, None) in keys  # sample 0: the key calls had before
    assert len(keys) == 3
    again = [await writer.quick_call(root, forum=forum, sample=k) for k in range(2)]
    again.append(await writer.quick_call(root, forum=forum, sample=2, style="plain"))
    assert [m for (m,) in again] == [a0, a1, a2] and seen == [0, 1, 2]  # a re-run reproduces every sample
    with pytest.raises(af.UsageError, match="sample"):
        writer.quick_call(root, forum=forum, sample=-1)


async def test_samples_start_at_once_share_their_placed_requests_and_stream_concurrently(forum):
    release = asyncio.Event()
    started = []

    @af.agent(version="test")  # it captures an asyncio.Event
    async def slow(ctx):
        started.append(ctx.sample)

        async def tokens():
            yield f"sample {ctx.sample} "
            await release.wait()
            yield "done"

        ctx.respond(tokens())

    seqs = slow.samples("the question", n=3, forum=forum)
    assert len(seqs) == 3 and started == []  # the agent runs at the next task switch, not inside samples()
    firsts = [await anext(aiter(s)) for s in seqs]
    assert sorted(started) == [0, 1, 2] and not any(s.done() for s in seqs)  # all started, none finished
    assert [await anext(aiter(p)) for p in firsts] == ["sample 0 ", "sample 1 ", "sample 2 "]  # streaming
    release.set()
    answers = [await s for s in seqs]
    questions = [m for m in forum if m.content == "the question"]
    assert len(questions) == 1  # placed once, shared
    assert {ans[0].parent_id for ans in answers} == {questions[0].id}
    assert [forum.annotations(ans[0]).get("agent") for ans in answers] == ["slow"] * 3


async def test_model_agents_make_samples_differ_and_record_the_sample(forum):
    bot = af.scripted_agent("bot", ["first", "second", "third"])
    seqs = bot.samples("q", n=3, forum=forum)
    answers = [(await s)[0] for s in seqs]
    assert sorted(m.content for m in answers) == ["first", "second", "third"]
    assert sorted(forum.annotations(m)["sample"] for m in answers) == [0, 1, 2]

    def by_sample(messages, sample):
        return f"variant {sample}"

    fn = af.function_agent("fn", by_sample)
    answers = [(await s)[0].content for s in fn.samples("q", n=2, forum=forum)]
    assert answers == ["variant 0", "variant 1"]


# -- edits -------------------------------------------------------------------------------------------------------
def test_edit_makes_a_sibling_with_the_new_text():
    f = af.Forum()
    root = f.post("root")
    target = f.post("summarise this", parent=root, reply_to=root, metadata={"topic": "x"})
    edited = f.edit(target, "summarise this briefly")
    assert edited.parent_id == target.parent_id and edited.sender == target.sender
    assert edited.reply_to_id == target.reply_to_id and edited.metadata == target.metadata
    assert edited.kind == "message" and edited.original_id is None and edited.content == "summarise this briefly"
    assert f.annotations(edited)["edited_from"] == target.id
    assert f.children(root) == [target, edited]
    assert f.edit(target, "summarise this") == target  # the same content: the message itself
    assert f.edit(target.id[:8], "summarise this briefly") == edited  # the same edit: the same message
    with pytest.raises(af.InvalidMessageError):
        f.edit(target, 42)  # type: ignore[arg-type]


# -- asking the user ---------------------------------------------------------------------------------------------
async def test_ask_waits_for_the_users_answer_and_goes_on_under_it(forum):
    asked = asyncio.Event()

    @af.agent
    async def planner(ctx):
        ctx.respond("Here is the plan.")
        answer = await ctx.ask("Shall I go ahead?", choices=["yes", "no"])
        ctx.respond(f"You said {answer.content}: going ahead.")

    seq = planner.quick_call("plan my trip", forum=forum)
    it = aiter(seq)
    plan, question_p = await anext(it), await anext(it)
    question = await question_p  # a complete promise already
    assert question.metadata["choices"] == ("yes", "no") and question.parent_id == (await plan).id
    assert forum.questions() == [question] and forum.annotations(question)["awaiting"] == "user"
    assert not seq.done()
    answer = forum.post("yes", parent=question)  # answered from code, as from the widget's input box
    *_, last = await seq
    assert forum.history(last)[-3:] == [question, answer, last] and last.content == "You said yes: going ahead."
    assert forum.questions() == [] and "awaiting" not in forum.annotations(question)
    assert forum.cache_info()["entries"] == 0  # a run that asked is not cached
    del asked


async def test_a_rerun_replays_the_latest_answer(forum):
    @af.agent
    async def planner(ctx):
        answer = await ctx.ask("Which colour?")
        ctx.respond(f"{answer.content} it is")

    seq = planner.quick_call("paint", forum=forum)
    question = await anext(aiter(seq))
    question = await question
    forum.post("blue", parent=question)
    assert (await seq)[-1].content == "blue it is"
    again = await planner.quick_call("paint", forum=forum)  # not cached: it runs, and asks the same question
    assert again[-1].content == "blue it is" and forum.questions() == []
    forum.post("red", parent=question)  # another answer changes what the next run gets
    assert (await planner.quick_call("paint", forum=forum))[-1].content == "red it is"


async def test_cancelling_a_call_ends_the_wait(forum):
    @af.agent
    async def asker(ctx):
        await ctx.ask("Anyone there?")
        ctx.respond("never")

    seq = asker.quick_call("hello", forum=forum)
    question = await (await anext(aiter(seq)))
    assert forum.questions() == [question]
    seq.cancel()
    with pytest.raises(af.CallCancelled):
        await seq
    await forum.aclose()  # the waiting function has ended
    assert "never" not in [m.content for m in forum.store]


async def test_ask_checks_its_arguments(forum):
    @af.agent
    async def bad(ctx):
        await ctx.ask("pick", choices=["a", 2])

    with pytest.raises(af.AgentError, match="choices"):
        await bad.quick_call("q", forum=forum)
