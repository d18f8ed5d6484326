"""Agents shared by the runtime tests."""

from __future__ import annotations

import agentforum_nb as af


class Boom(Exception):
    pass


@af.agent
async def echo(ctx: af.Context, **kwargs) -> None:
    async for request in ctx.requests:
        ctx.respond(f"You said: {await request}")


def passthrough(inner: af.Agent, name: str, **kw) -> af.Agent:
    async def fn(ctx):
        ctx.respond(inner.quick_call(ctx.requests))

    return af.Agent(fn, name=name, **kw)


def streaming_agent(name: str, source, **kw) -> af.Agent:
    """Responds with ``source()`` (a token stream); its version names it, as it captures a test gate."""

    async def fn(ctx):
        ctx.respond(source())

    kw.setdefault("version", f"test-{name}")
    return af.Agent(fn, name=name, **kw)
