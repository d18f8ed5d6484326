"""A marimo app: the TreeView and a linked ChatView over a forum of scripted agents that call each other.

Run it as an app (`marimo run notebooks/marimo_tree.py`) or edit it (`marimo edit notebooks/marimo_tree.py`).
Click a node, type a question and press "branch": the lead agent asks a researcher, a critic and a summarizer in
turn, and their answers stream into the tree and the chat. Offline: the agents are scripted.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="full")


@app.cell
def _():
    import marimo as mo

    import agentforum_nb as af

    return af, mo


@app.cell
def _(mo):
    mo.md("""
    # agentforum_nb in marimo

    Click a node to see it in the details pane, type a question and press **branch** to ask the lead agent
    (it asks a researcher, a critic and a summarizer in turn: nested calls, streamed live), **check out** a
    node to move the head. The chat on the right shows the head's branch and follows the tree.
    """)
    return


@app.cell
def _(af):
    researcher = af.scripted_agent(
        "researcher",
        ["Facts: the sky looks blue because air scatters short blue wavelengths far more than red ones."],
        delay=0.03,
        cycle=True,
    )
    critic = af.scripted_agent(
        "critic",
        ["Critique: right about Rayleigh scattering, but it leaves out why the sky is not violet."],
        delay=0.03,
        cycle=True,
    )
    summarizer = af.scripted_agent(
        "summarizer",
        ["Summary: scattering makes the sky blue; our eyes explain why it is not violet."],
        delay=0.03,
        cycle=True,
    )

    @af.agent
    async def lead(ctx):
        research = researcher.quick_call(ctx.requests)
        ctx.respond(research)  # forwarded: streams through while the researcher writes
        review = critic.quick_call(research)
        ctx.respond(review)
        ctx.respond(summarizer.quick_call(review))  # the summarizer sees the question, the facts and the critique

    forum = af.Forum()
    root = forum.post("Questions about the sky")
    first = forum.post("Why is the sky blue?", parent=root)
    return first, forum, lead, researcher


@app.cell
async def _(first, forum, lead):
    # one conversation to start from: the lead's answers to the first question
    answers = await lead.quick_call(first, forum=forum)
    return (answers,)


@app.cell
def _(af, answers, forum, lead, mo, researcher):
    # the widgets are wrapped in mo.ui.anywidget; the ChatView follows the TreeView itself (head=tree)
    tree = af.TreeView(forum, agents=[lead, researcher], head=answers[-1], layout={"height": "560px"})
    chat = af.ChatView(forum, head=tree)
    chat.layout.height = "560px"
    tree_ui = mo.ui.anywidget(tree)
    chat_ui = mo.ui.anywidget(chat)
    mo.hstack([tree_ui, chat_ui], widths=[3, 2], align="start", gap=1)
    return


@app.cell
def _(mo):
    mo.md("""
    The widgets talk to Python through marimo's widget channel: `tree.head_id`, `tree.selected_id`,
    `tree.branch(...)` and `chat.switch(...)` work from later cells as in Jupyter.
    """)
    return


if __name__ == "__main__":
    app.run()
