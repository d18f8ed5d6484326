"""The default agent.version (agentforum_nb.fingerprint, docs/agent-versions.md): code, constants, names, nested
functions, closure values and defaults by value, the same in every process."""

from __future__ import annotations
import __future__

import collections
import enum
import functools
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

import agentforum_nb as af
from agentforum_nb import fingerprint
from agentforum_nb.errors import UsageError
from agentforum_nb.fingerprint import VersionWarning, code_fingerprint

# a VersionWarning nobody expects fails the test; pytest.warns(VersionWarning) still catches the expected ones
pytestmark = pytest.mark.filterwarnings("error::agentforum_nb.fingerprint.VersionWarning")


@pytest.fixture(autouse=True)
def fresh_warning_registry(monkeypatch):
    """Each test starts with no (function, variable) warned about yet."""
    monkeypatch.setattr(fingerprint, "_warned", set())


def fp(fn):
    return code_fingerprint(fn)


def make(style):
    async def fn(ctx):
        ctx.respond(style)

    return fn


def using(helper):
    async def fn(ctx):
        ctx.respond(helper("x"))

    return fn


class StandInAgent:
    def __init__(self, name, version):
        self.name, self.version = name, version


class Model:
    def __init__(self, fingerprint):
        self._fp = fingerprint

    @property
    def fingerprint(self):
        return self._fp


class Opaque:
    def __init__(self, x):
        self.x = x


class Color(enum.Enum):
    RED = 1
    BLUE = 2


# -- the code -------------------------------------------------------------------------------------------------


def test_shape_and_callables_without_code():
    async def fn(ctx):
        ctx.respond("hi")

    assert re.fullmatch(r"code:[0-9a-f]{16}", fp(fn))
    assert fp(fn) == fp(fn)
    for not_a_function in (len, Opaque(1), 42):
        with pytest.raises(UsageError, match="pass version="):
            fp(not_a_function)


def test_version_covers_constants_names_and_nested_functions():
    def build(const, helper_name, body="helper()"):
        src = f"""
async def agent_fn(ctx):
    def helper():
        return {const!r}
    ctx.respond({helper_name}() if False else {body})
"""
        ns = {}
        exec(src, ns)
        return ns["agent_fn"]

    base = fp(build("a", "h1"))
    assert fp(build("a", "h1")) == base
    assert fp(build("b", "h1")) != base  # a nested function's constant
    assert fp(build("a", "h2")) != base  # a name
    assert fp(build("a", "h1", "helper() + ''")) != base  # the bytecode
    assert fp(build(1, "h1")) != fp(build(1.0, "h1")) != fp(build(True, "h1"))  # constants by type too


def test_argument_layout_counts():
    # same bytecode, names and flags: only the argument counts tell these apart
    async def positional(ctx, a):
        ctx.respond(a)

    async def keyword_only(ctx, *, a):
        ctx.respond(a)

    assert positional.__code__.co_code == keyword_only.__code__.co_code
    assert fp(positional) != fp(keyword_only)


def test_line_numbers_file_names_and_future_flags_do_not_count():
    src = "async def fn(ctx):\n    ctx.respond('x')\n"
    ns1, ns2, ns3 = {}, {}, {}
    exec(compile(src, "/tmp/ipykernel_1/cell-1.py", "exec", dont_inherit=True), ns1)
    exec(compile("\n\n\n" + src, "/tmp/ipykernel_2/cell-7.py", "exec", dont_inherit=True), ns2)
    # IPython carries `from __future__ import annotations` over to later cells: the flag alone must not count
    exec(compile(src, "<cell>", "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True), ns3)
    assert ns3["fn"].__code__.co_flags != ns1["fn"].__code__.co_flags
    assert fp(ns1["fn"]) == fp(ns2["fn"]) == fp(ns3["fn"])


def test_specialisation_does_not_change_the_fingerprint():
    def helper(n):
        total = 0
        for i in range(n):
            total += i * 2
        return total

    before, agent_before = fp(helper), fp(using(helper))
    for _ in range(3000):  # let the adaptive interpreter quicken it
        helper(20)
    assert fp(helper) == before and fp(using(helper)) == agent_before


# -- closure values and defaults by value -------------------------------------------------------------------


def test_factory_settings_are_covered():
    assert fp(make("formal")) == fp(make("formal"))
    assert fp(make("formal")) != fp(make("casual"))
    settings = {"tone": "formal", "limits": [1, 2.5, None, True], "nested": {"a": ("x", "y")}}
    same = {"nested": {"a": ("x", "y")}, "limits": [1, 2.5, None, True], "tone": "formal"}  # other key order
    assert fp(make(settings)) == fp(make(same))
    assert fp(make(settings)) != fp(make({**settings, "tone": "casual"}))
    assert fp(make(settings)) != fp(make({**settings, "limits": [1, 2.5, None, False]}))


def test_values_are_told_apart_by_type():
    values = [
        None,
        True,
        1,
        1.0,
        "1",
        b"1",
        [1],
        (1,),
        {1},
        frozenset({1}),
        {"1": 1},
        {1: 1},
        -0.0,
        0.0,
        1j,
        2**20000,
    ]  # (an int too long for str() in 3.11)
    versions = {fp(make(v)) for v in values}
    assert len(versions) == len(values)


def test_defaults_by_value_and_stable():
    def with_defaults(tags, opts, limit):
        async def fn(ctx, tags=tags, *, opts=opts, limit=limit):
            ctx.respond(f"{sorted(tags)} {opts} {limit}")

        return fn

    base = fp(with_defaults({"a", "b", "c"}, {"x": 1, "y": [1, 2]}, [3]))
    # a set built in another order, a dict with its keys in another order: the same values
    assert fp(with_defaults({"c", "b", "a"}, {"y": [1, 2], "x": 1}, [3])) == base
    assert fp(with_defaults({"a", "b", "d"}, {"x": 1, "y": [1, 2]}, [3])) != base  # a positional default
    assert fp(with_defaults({"a", "b", "c"}, {"x": 2, "y": [1, 2]}, [3])) != base  # a keyword-only default
    assert fp(with_defaults({"a", "b", "c"}, {"x": 1, "y": [1, 2]}, [4])) != base
    mixed = {1, "a", 2.5, None, (1, "b"), frozenset({"z"})}
    assert fp(with_defaults(mixed, {}, [])) == fp(with_defaults(set(reversed(list(mixed))), {}, []))


def test_stdlib_value_types_by_value():
    assert fp(make(Color.RED)) == fp(make(Color.RED)) != fp(make(Color.BLUE))
    assert fp(make(re.compile("a+"))) == fp(make(re.compile("a+"))) != fp(make(re.compile("a+", re.I)))
    Point = collections.namedtuple("Point", "x y")
    assert fp(make(Point(1, 2))) == fp(make(Point(1, 2))) != fp(make(Point(1, 3)))
    assert fp(make(Point(1, 2))) != fp(make((1, 2)))
    assert fp(make(collections.OrderedDict(a=1))) != fp(make(collections.OrderedDict(a=2)))


def test_another_agent_counts_by_name_and_version():
    def delegating(helper):
        async def fn(ctx):
            ctx.respond(helper.quick_call(ctx.requests))

        return fn

    base = fp(delegating(StandInAgent("helper", "1")))
    assert fp(delegating(StandInAgent("helper", "1"))) == base
    assert fp(delegating(StandInAgent("helper", "2"))) != base
    assert fp(delegating(StandInAgent("other", "1"))) != base

    async def helper_fn(ctx):
        ctx.respond("hi")

    real = [af.Agent(helper_fn, name="helper", version=v) for v in ("1", "1", "2")]
    assert fp(delegating(real[0])) == fp(delegating(real[1])) != fp(delegating(real[2]))


def test_captured_functions_count_by_their_own_fingerprint():
    assert fp(using(lambda s: s.upper())) == fp(using(lambda s: s.upper()))
    assert fp(using(lambda s: s.upper())) != fp(using(lambda s: s.lower()))

    def prefixer(p):
        return lambda s: p + s

    assert fp(using(prefixer("a"))) == fp(using(prefixer("a"))) != fp(using(prefixer("b")))  # its closure too
    assert fp(using(functools.partial(str.replace, "x"))) != fp(using(functools.partial(str.replace, "y")))


def test_recursive_closures():
    def make_recursive(k):
        async def fn(ctx, n=3):  # captures itself
            if n:
                await fn(ctx, n - 1)
            ctx.respond(k)

        return fn

    assert fp(make_recursive("a")) == fp(make_recursive("a")) != fp(make_recursive("b"))

    def make_mutual(k):
        def even(n):
            return k if n == 0 else odd(n - 1)

        def odd(n):
            return not k if n == 0 else even(n - 1)

        return using(even)

    assert fp(make_mutual(True)) == fp(make_mutual(True)) != fp(make_mutual(False))


def test_modules_classes_and_fingerprinted_objects():
    assert fp(make(json)) == fp(make(json)) != fp(make(re))
    assert fp(make(Opaque)) == fp(make(Opaque)) != fp(make(Model))  # a class, not an instance: no warning
    assert fp(make(Model("scripted:1"))) == fp(make(Model("scripted:1"))) != fp(make(Model("scripted:2")))
    assert fp(make(len)) != fp(make(print))  # builtins by name
    assert fp(make([1].append)) != fp(make([2].append))  # a bound builtin method by its object


def test_stateless_sentinels_and_cached_helpers():
    class Sentinel:
        pass

    async def with_sentinels(ctx, missing=object(), unset=Sentinel()):  # no state: no warning
        ctx.respond("x")

    assert fp(with_sentinels) == fp(with_sentinels)

    def cached(word):
        @functools.lru_cache
        def load():
            return word * 2

        return using(load)

    assert fp(cached("a")) == fp(cached("a")) != fp(cached("b"))  # @functools.cache helpers by what they wrap


# -- values that cannot be fingerprinted --------------------------------------------------------------------


def make_opaque(client):
    async def opaque_agent(ctx):
        ctx.respond(client.x)

    return opaque_agent


def test_unfingerprintable_value_warns_once_and_counts_by_type_only():
    with pytest.warns(VersionWarning) as rec:
        v1 = fp(make_opaque(Opaque(1)))
    assert len(rec) == 1
    msg = str(rec[0].message)
    assert msg.startswith(
        "cannot fingerprint closure variable 'client' of agent function "
        "'make_opaque.<locals>.opaque_agent': its value (type "
    )
    assert "Opaque) has no stable fingerprint" in msg
    assert msg.endswith("pass version= to @af.agent to make it count")
    assert rec[0].filename == __file__  # points at the caller, not into the library
    v2 = fp(make_opaque(Opaque(2)))  # no second warning for the same function and variable (errors if so)
    assert v1 == v2  # and no address in it: the same version for another instance
    assert v1 != fp(make_opaque(StandInAgent("a", "1")))  # the type still counts


def test_unfingerprintable_defaults_and_nested_values_are_reported_by_path():
    async def with_default(ctx, client=Opaque(1)):
        ctx.respond("x")

    with pytest.warns(
        VersionWarning,
        match=r"the default of parameter 'client' of agent function "
        r"'.*with_default'",
    ):
        fp(with_default)

    def make_nested(opts):
        async def nested_agent(ctx):
            ctx.respond(opts["n"])

        return nested_agent

    with pytest.warns(VersionWarning, match=r"closure variable 'opts' .*: opts\['db'\]\[0\] \(type .*Opaque\)"):
        v = fp(make_nested({"db": [Opaque(1)], "n": 1}))
    assert v == fp(make_nested({"db": [Opaque(2)], "n": 1}))
    assert v != fp(make_nested({"db": [Opaque(1)], "n": 2}))  # the rest of the value still counts

    def make_via_helper(client):
        def helper(s):
            return client.x + s

        return using(helper)

    with pytest.warns(VersionWarning, match=r"closure variable 'helper' .*: helper\.client \(type .*Opaque\)"):
        fp(make_via_helper(Opaque(1)))


def test_bound_method_agent_reports_self():
    class Bot:
        def __init__(self, tone=None):
            if tone is not None:
                self.tone = tone

        async def reply(self, ctx):
            ctx.respond(getattr(self, "tone", "plain"))

    assert fp(Bot().reply) == fp(Bot().reply)  # an object without state of its own: no warning
    with pytest.warns(VersionWarning, match=r"the bound object 'self' of agent function '.*Bot\.reply'"):
        v = fp(Bot("formal").reply)
    assert v == fp(Bot("casual").reply)


def test_never_fails_and_never_hangs():
    def make_late():
        async def fn(ctx):
            ctx.respond(later)

        version = fp(fn)  # the cell is still empty
        later = 1
        return version, later

    assert make_late()[0] == make_late()[0]

    def recursive_list(x):
        a = [x]
        a.append(a)
        return a

    def recursive_dict(x):
        d = {"x": x}
        d["self"] = d
        return d

    assert fp(make(recursive_list(1))) == fp(make(recursive_list(1))) != fp(make(recursive_list(2)))
    assert fp(make(recursive_dict(1))) == fp(make(recursive_dict(1))) != fp(make(recursive_dict(2)))
    assert fp(make(list(range(10_000)))) != fp(make(list(range(1, 10_001))))

    dag = []
    for _ in range(60):  # 2**60 paths through 60 lists
        dag = [dag, dag]
    deep = []
    for _ in range(10_000):
        deep = [deep]

    class Hostile:
        def __init__(self):
            self.state = 1

        @property
        def fingerprint(self):
            raise RuntimeError("no")

        def __getattr__(self, name):
            raise RuntimeError(name)

    cases = [
        (dag, "too large to fingerprint"),
        (deep, "too large to fingerprint .*nested"),
        ("x" * (40 << 20), "too large to fingerprint .*MiB"),
        (Hostile(), "no stable fingerprint"),
    ]
    for value, match in cases:
        fingerprint._warned.clear()
        with pytest.warns(VersionWarning, match=match):
            v = fp(make(value))
        assert re.fullmatch(r"code:[0-9a-f]{16}", v)


# -- across processes -----------------------------------------------------------------------------------------

SOURCE = textwrap.dedent("""
    import enum, json, re

    async def with_set_default(ctx, tags={"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}, *,
                               modes=frozenset({"x", "y", "z", "w"}), weights={"b": 2, "a": 1}):
        ctx.respond(",".join(sorted(tags)))

    def make(settings):
        async def configured(ctx, **kwargs):
            if kwargs.get("mode") in {"a", "b", "c", "d"}:  # a frozenset constant
                return
            ctx.respond(settings["tone"])
        return configured

    def using(helper):
        async def uses(ctx):
            ctx.respond(helper())
        return uses

    FUNCTIONS = {
        "set_default": with_set_default,
        "dict_closure": make({"tone": "formal", "tags": {"p", "q", "r", "s"}, "limits": [1, 2.5, None, True]}),
        "helper_closure": using(lambda: sorted({"k1", "k2", "k3"})),
        "identities": using((json, re.Pattern, enum.Enum, len)),
    }
""")

DRIVER = textwrap.dedent("""
    import json, runpy, sys
    from agentforum_nb.fingerprint import code_fingerprint
    ns = runpy.run_path(sys.argv[1])
    print(json.dumps({"fingerprints": {k: code_fingerprint(f) for k, f in ns["FUNCTIONS"].items()},
                      "set_order": list(ns["with_set_default"].__defaults__[0])}))
""")


def test_same_fingerprint_in_every_process(tmp_path):
    import runpy

    path = tmp_path / "agents_src.py"
    path.write_text(SOURCE)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(fingerprint.__file__)))
    runs = []
    for seed in ("0", "1", "2", "12345"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": seed,
            "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
        }
        out = subprocess.run(
            [sys.executable, "-c", DRIVER, str(path)], capture_output=True, text=True, check=True, env=env
        ).stdout
        runs.append(json.loads(out))
    # the hash seeds did change how the set iterates, so the test would catch an order-dependent encoding
    assert len({tuple(r["set_order"]) for r in runs}) > 1
    here = {k: code_fingerprint(f) for k, f in runpy.run_path(str(path))["FUNCTIONS"].items()}
    for r in runs:
        assert r["fingerprints"] == here
    assert len(set(here.values())) == len(here)
