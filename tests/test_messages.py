"""Messages: exact canonical bytes and ids (golden values), value behaviour, and refusal of bad input.

The golden ids and bodies were computed once with the library and are pinned here; every body is also checked
against the reference RFC 8785 implementation (``rfc8785.dumps``) of a field dict written out in this file,
and every id against ``hashlib.sha256`` of the header and that body. ``docs/message-format.md`` quotes the
first two cases.
"""

from __future__ import annotations

import copy
import hashlib
import json
import pickle

import pytest
import rfc8785

import agentforum_nb as af
from agentforum_nb._canonical import HEADER
from agentforum_nb.messages import is_message_id, rebuild

ROOT_ID = "7f76cbbf3e83311f79ceb1d16b21dd0355147011e8b7f8de334a91a17c1e7fd8"
CHILD_ID = "57f8e849324590001e95c8a5f68b7127c5492d8e7e835b8107f9361c40aa0aa9"

DEFAULTS = {
    "kind": "message",
    "sender": "user",
    "parent_id": None,
    "reply_to_id": None,
    "original_id": None,
    "status": "complete",
    "metadata": {},
}

# name -> (keyword arguments of af.Message, expected id, expected body as UTF-8 text)
GOLDEN = {
    "root": (
        {"content": "hello"},
        ROOT_ID,
        '{"content":"hello","kind":"message","metadata":{},"original_id":null,"parent_id":null,'
        '"reply_to_id":null,"sender":"user","status":"complete"}',
    ),
    "child": (
        {"content": "hi there", "sender": "bot", "parent_id": ROOT_ID},
        CHILD_ID,
        '{"content":"hi there","kind":"message","metadata":{},"original_id":null,"parent_id":"' + ROOT_ID + '",'
        '"reply_to_id":null,"sender":"bot","status":"complete"}',
    ),
    "unicode": (
        # accents, an emoji (astral plane), CJK, NUL and other C0 controls, DEL, LINE SEPARATOR, the named escapes
        {
            "content": 'h\u00e9llo \U0001f30d \u4e16\u754c \x00\x01\x1f\x7f\u2028 \b\t\n\f\r "q" \\ /',
            "sender": "\u00fcn\u00ef \u540d\u524d \U0001f916",
            "parent_id": ROOT_ID,
        },
        "3103263459f9c669bf6b3d69dce65d482cd28b1479ad614af25b39be03944476",
        # controls below U+0020 are escaped (\b \t \n \f \r by name, the rest \u00xx lowercase); DEL, U+2028, "/"
        # and all non-ASCII text are written as themselves
        '{"content":"h\u00e9llo \U0001f30d \u4e16\u754c \\u0000\\u0001\\u001f\x7f\u2028 \\b\\t\\n\\f\\r \\"q\\" '
        '\\\\ /","kind":"message","metadata":{},"original_id":null,"parent_id":"' + ROOT_ID + '",'
        '"reply_to_id":null,"sender":"\u00fcn\u00ef \u540d\u524d \U0001f916","status":"complete"}',
    ),
    "metadata": (
        {
            "content": "m",
            "metadata": {
                "b": [1, 2.5, {"z": None, "a": True}],
                "a": "x",
                "\u00e9": -0.0,
                "\U0001f600": 1e21,
                "\uffff": 0.1,
                "f": 1.0,
                "small": 1e-7,
                "neg": -123.456,
                "max": 2**53 - 1,
                "min": -(2**53 - 1),
                "empty": {},
                "list": [],
                "nested": {"deeper": {"k": ["v", False]}},
            },
        },
        "2f117b7516890b3685da7d9a6476598363782e01d84028355b2aad26ce9e06a3",
        # keys sorted by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FFFF, unlike code-point order;
        # numbers as ECMAScript writes them: 1.0 -> 1, -0.0 -> 0, 1e21 -> 1e+21, 1e-7 -> 1e-7
        '{"content":"m","kind":"message","metadata":{"a":"x","b":[1,2.5,{"a":true,"z":null}],"empty":{},"f":1,'
        '"list":[],"max":9007199254740991,"min":-9007199254740991,"neg":-123.456,'
        '"nested":{"deeper":{"k":["v",false]}},"small":1e-7,"\u00e9":0,"\U0001f600":1e+21,"\uffff":0.1},'
        '"original_id":null,"parent_id":null,"reply_to_id":null,"sender":"user","status":"complete"}',
    ),
    "forward": (
        {"content": "hello", "kind": "forward", "sender": "relay", "original_id": ROOT_ID, "parent_id": CHILD_ID},
        "1f3a6cc8ed6336a86c5bc28f811e030d1a14bedfb3a2e1daef979c2a388bed77",
        '{"content":"hello","kind":"forward","metadata":{},"original_id":"'
        + ROOT_ID
        + '","parent_id":"'
        + CHILD_ID
        + '","reply_to_id":null,"sender":"relay","status":"complete"}',
    ),
    "error": (
        {
            "content": "ValueError: boom",
            "kind": "error",
            "sender": "bot",
            "status": "failed",
            "parent_id": CHILD_ID,
            "reply_to_id": ROOT_ID,
            "metadata": {"error_type": "builtins.ValueError"},
        },
        "ba83f8e692aa5d6e8f722b70da99ec1964f80fbe48d3ef8d01ed1ee2c6658766",
        '{"content":"ValueError: boom","kind":"error","metadata":{"error_type":"builtins.ValueError"},'
        '"original_id":null,"parent_id":"' + CHILD_ID + '","reply_to_id":"' + ROOT_ID + '","sender":"bot",'
        '"status":"failed"}',
    ),
    "cancelled": (
        {
            "content": "partial ans",
            "sender": "bot",
            "status": "cancelled",
            "parent_id": CHILD_ID,
            "reply_to_id": ROOT_ID,
        },
        "e4bde58a3a101eb5dac1ea2af01fb07657a5eb1ea93c09d87b4c8fb3b82f9344",
        '{"content":"partial ans","kind":"message","metadata":{},"original_id":null,"parent_id":"' + CHILD_ID + '",'
        '"reply_to_id":"' + ROOT_ID + '","sender":"bot","status":"cancelled"}',
    ),
}


def make(kwargs: dict) -> af.Message:
    kw = dict(kwargs)
    return af.Message(kw.pop("content"), **kw)


def test_header():
    assert HEADER == b"agentforum-message 1\n"
    assert HEADER.hex(" ") == "61 67 65 6e 74 66 6f 72 75 6d 2d 6d 65 73 73 61 67 65 20 31 0a" and len(HEADER) == 21


@pytest.mark.parametrize("name", list(GOLDEN))
def test_golden_bytes_and_ids(name):
    kwargs, expected_id, expected_text = GOLDEN[name]
    expected_body = expected_text.encode("utf-8")
    msg = make(kwargs)
    data = msg.canonical_bytes()
    assert data[:21] == b"agentforum-message 1\n"
    body = data[21:]
    assert body == expected_body
    assert msg.canonical_body().encode("utf-8") == expected_body
    # the reference RFC 8785 implementation, on the fields as written in this test (before normalization)
    assert body == rfc8785.dumps({**DEFAULTS, **kwargs})
    assert body == rfc8785.dumps(msg.fields())
    assert msg.id == expected_id == hashlib.sha256(b"agentforum-message 1\n" + expected_body).hexdigest()
    assert msg.verify() is msg
    # the fields round-trip through JSON (the JSONL form) to the same id
    assert af.Message.from_dict(json.loads(json.dumps(msg.to_dict()))).id == expected_id


def test_golden_fields():
    msg = make(GOLDEN["metadata"][0])
    assert msg.kind == "message" and msg.sender == "user" and msg.parent_id is None and msg.status == "complete"
    md = msg.metadata
    assert md["f"] == 1 and type(md["f"]) is int  # integral floats are stored as the int the id covers
    assert md["\u00e9"] == 0 and type(md["\u00e9"]) is int
    assert md["\U0001f600"] == 1e21 and type(md["\U0001f600"]) is float
    assert md["b"] == (1, 2.5, {"z": None, "a": True}) and md["empty"] == {} and md["list"] == ()
    fwd = make(GOLDEN["forward"][0])
    assert fwd.kind == "forward" and fwd.original_id == ROOT_ID and fwd.parent_id == CHILD_ID
    err = make(GOLDEN["error"][0])
    assert err.kind == "error" and err.status == "failed" and err.reply_to_id == ROOT_ID


# -- value behaviour ------------------------------------------------------------------------------------------


def test_assignment_raises():
    m = af.Message("x", sender="bot")
    for name in (
        "id",
        "kind",
        "content",
        "sender",
        "parent_id",
        "reply_to_id",
        "original_id",
        "status",
        "metadata",
        "new_attribute",
    ):
        with pytest.raises(AttributeError, match="immutable"):
            setattr(m, name, "y")
        with pytest.raises(AttributeError):
            delattr(m, name)
    assert m.content == "x" and m.verify()


def test_metadata_is_deeply_frozen():
    m = af.Message("x", metadata={"list": [1, [2, {"k": "v"}]], "obj": {"k": "v"}})
    md = m.metadata
    mutations = [
        lambda: md.__setitem__("new", 1),
        lambda: md.__delitem__("obj"),
        lambda: md.update(a=1),
        lambda: md.pop("obj"),
        lambda: md.popitem(),
        lambda: md.clear(),
        lambda: md.setdefault("z", 1),
        lambda: md["obj"].__setitem__("k", "changed"),
        lambda: md["list"][1][1].__setitem__("k", 2),
    ]
    for mutate in mutations:
        with pytest.raises(TypeError, match="read-only"):
            mutate()
    with pytest.raises(TypeError, match="read-only"):
        md |= {"a": 1}  # augmented assignment on a frozen mapping
    assert md["list"] == (1, (2, {"k": "v"})) and type(md["list"]) is tuple and type(md["list"][1]) is tuple
    with pytest.raises(AttributeError):
        md["list"].append(3)  # type: ignore[attr-defined]
    assert hash(md) == hash(af.Message("x", metadata={"obj": {"k": "v"}, "list": [1, [2, {"k": "v"}]]}).metadata)
    assert m.verify()


def test_callers_metadata_is_copied():
    plain = {"a": [1], "d": {"k": 1}}
    m = af.Message("x", metadata=plain)
    plain["a"].append(2)
    plain["d"]["k"] = 2
    plain["new"] = 3
    assert m.metadata == {"a": (1,), "d": {"k": 1}} and m.verify()
    thawed = m.fields()["metadata"]  # fields() gives plain mutable copies
    thawed["a"].append(9)
    assert thawed == {"a": [1, 9], "d": {"k": 1}} and m.metadata["a"] == (1,)


def test_equality_and_hash_follow_id():
    a = af.Message("same", sender="s", metadata={"k": 1})
    b = af.Message("same", sender="s", metadata={"k": 1.0})
    c = af.Message("same", sender="t")
    assert a == b and hash(a) == hash(b) == hash(a.id) and a is not b
    assert a != c and len({a, b, c}) == 2 and {a: 1}[b] == 1
    assert a != a.id and (a == a.id) is False  # a message is not its id string


def test_repr_and_str():
    content = "a long piece of content " * 5
    m = af.Message(content, sender="bot")
    r = repr(m)
    assert r.startswith(f"<Message {m.id[:8]} bot: ") and r.endswith(">")
    assert m.id not in r and len(r) < 80 and "..." in r
    assert str(m) == content and f"{m}" == content
    short = af.Message("hi", kind="error", status="failed", sender="bot", metadata={"error_type": "x.Y"})
    assert repr(short) == f"<Message {short.id[:8]} bot error failed: 'hi'>"


def test_pickle_and_copy_round_trip():
    m = make(GOLDEN["metadata"][0])
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(m, protocol=protocol))
        assert back == m and back.metadata == m.metadata and back.fields() == m.fields() and back.verify()
    assert copy.copy(m) is m and copy.deepcopy(m) is m
    assert copy.deepcopy({"k": [m]})["k"][0] is m
    md = pickle.loads(pickle.dumps(m.metadata))
    assert md == m.metadata and type(md) is type(m.metadata)
    with pytest.raises(TypeError):
        md["x"] = 1


def test_to_dict_from_dict_round_trip():
    for kwargs, expected_id, _ in GOLDEN.values():
        m = make(kwargs)
        d = m.to_dict()
        assert list(d) == [
            "id",
            "kind",
            "content",
            "sender",
            "parent_id",
            "reply_to_id",
            "original_id",
            "status",
            "metadata",
        ]
        assert d["id"] == expected_id
        back = af.Message.from_dict(d)
        assert back == m and back.fields() == m.fields()
        no_id = {k: v for k, v in d.items() if k != "id"}
        assert af.Message.from_dict(no_id) == m
    # omitted fields take their defaults
    assert af.Message.from_dict({"content": "hello"}).id == ROOT_ID


def test_from_dict_refuses_bad_data():
    d = af.Message("x").to_dict()
    d["content"] = "y"
    with pytest.raises(af.IntegrityError, match="does not match") as ei:
        af.Message.from_dict(d)
    assert ei.value.expected == d["id"] and ei.value.actual == af.Message("y").id
    with pytest.raises(af.InvalidMessageError, match=r"unknown message field.*extra") as ei:
        af.Message.from_dict({"content": "x", "extra": 1})
    assert ei.value.key == "extra"
    with pytest.raises(af.InvalidMessageError, match="content"):
        af.Message.from_dict({"kind": "message"})
    with pytest.raises(af.InvalidMessageError):
        af.Message.from_dict(["content", "x"])


def test_verify_detects_tampering():
    good = af.Message("original", metadata={"k": 1})
    bad = rebuild(good.id, "message", "tampered", "user", None, None, None, "complete", good.metadata)
    with pytest.raises(af.IntegrityError, match="mismatch") as ei:
        bad.verify()
    assert ei.value.expected == good.id and ei.value.actual == af.Message("tampered", metadata={"k": 1}).id
    assert isinstance(ei.value, af.AgentForumError)
    wrong_id = rebuild("0" * 64, "message", "original", "user", None, None, None, "complete", good.metadata)
    with pytest.raises(af.IntegrityError):
        wrong_id.verify()
    invalid = rebuild(good.id, "bogus", "original", "user", None, None, None, "complete", good.metadata)
    with pytest.raises(af.IntegrityError, match="invalid fields"):
        invalid.verify()


def test_normalization_matches_the_id():
    a = af.Message("x", metadata={"n": 1.0, "z": -0.0, "t": (1, 2)})
    b = af.Message("x", metadata={"n": 1, "z": 0, "t": [1, 2]})
    assert a.id == b.id and a.metadata == b.metadata and type(a.metadata["n"]) is int
    assert af.Message("x", metadata={"n": 1.5}).metadata["n"] == 1.5
    big = af.Message("x", metadata={"n": 2.0**60})  # integral but beyond 2**53: stays a float
    assert type(big.metadata["n"]) is float and big.verify()
    assert af.Message("x", metadata={"max": 2**53 - 1, "min": -(2**53 - 1)}).verify()


def test_str_subclasses_are_plain_values():
    class S(str):
        pass

    m = af.Message(S("text"), metadata={"k": S("v")})
    assert (
        type(m.content) is str and type(m.metadata["k"]) is str and m.id == af.Message("text", metadata={"k": "v"}).id
    )


def test_is_message_id():
    assert is_message_id(ROOT_ID) and not is_message_id(ROOT_ID.upper()) and not is_message_id(ROOT_ID[:-1])
    assert not is_message_id(None) and not is_message_id("g" * 64) and not is_message_id(ROOT_ID + "0")


# -- invalid input ----------------------------------------------------------------------------------------------


class Obj:
    pass


INVALID = [
    # (id, keyword arguments, the key the error names)
    ("set", {"metadata": {"s": {1, 2}}}, "metadata['s']"),
    ("frozenset", {"metadata": {"s": frozenset()}}, "metadata['s']"),
    ("bytes", {"metadata": {"b": b"bytes"}}, "metadata['b']"),
    ("bytearray", {"metadata": {"b": bytearray(b"x")}}, "metadata['b']"),
    ("object", {"metadata": {"o": Obj()}}, "metadata['o']"),
    ("complex", {"metadata": {"c": 1j}}, "metadata['c']"),
    ("nested set in list", {"metadata": {"t": [1, {2}]}}, "metadata['t'][1]"),
    ("nan", {"metadata": {"n": float("nan")}}, "metadata['n']"),
    ("inf", {"metadata": {"deep": [{"inf": float("inf")}]}}, "metadata['deep'][0]['inf']"),
    ("-inf", {"metadata": {"x": float("-inf")}}, "metadata['x']"),
    ("int key", {"metadata": {1: "int key"}}, "metadata[1]"),
    ("None key", {"metadata": {"a": {None: 1}}}, "metadata['a'][None]"),
    ("bool key", {"metadata": {True: 1}}, "metadata[True]"),
    ("tuple key", {"metadata": {(1, 2): 1}}, "metadata[(1, 2)]"),
    ("2**53", {"metadata": {"big": 2**53}}, "metadata['big']"),
    ("-2**53", {"metadata": {"small": -(2**53)}}, "metadata['small']"),
    ("2**64 in list", {"metadata": {"l": [0, 2**64]}}, "metadata['l'][1]"),
    ("metadata list", {"metadata": [1, 2]}, "metadata"),
    ("metadata str", {"metadata": "text"}, "metadata"),
    ("forward without original", {"kind": "forward"}, "original_id"),
    ("original on message", {"original_id": ROOT_ID}, "original_id"),
    ("original on error", {"kind": "error", "original_id": ROOT_ID}, "original_id"),
    ("bad kind", {"kind": "note"}, "kind"),
    ("kind None", {"kind": None}, "kind"),
    ("bad status", {"status": "done"}, "status"),
    ("status None", {"status": None}, "status"),
    ("short parent", {"parent_id": "abc"}, "parent_id"),
    ("uppercase parent", {"parent_id": ROOT_ID.upper()}, "parent_id"),
    ("non-hex parent", {"parent_id": "g" * 64}, "parent_id"),
    ("long parent", {"parent_id": ROOT_ID + "0"}, "parent_id"),
    ("int reply_to", {"reply_to_id": 5}, "reply_to_id"),
    ("bad original", {"kind": "forward", "original_id": "x"}, "original_id"),
    ("empty sender", {"sender": ""}, "sender"),
    ("int sender", {"sender": 5}, "sender"),
    ("None sender", {"sender": None}, "sender"),
    ("surrogate sender", {"sender": "bad \ud800"}, "sender"),
    ("surrogate key", {"metadata": {"k\udfff": 1}}, "metadata['k\\udfff']"),
    ("surrogate value", {"metadata": {"v": ["ok", "\ud83d"]}}, "metadata['v'][1]"),
    ("surrogate nested key", {"metadata": {"a": [{"\udc00": 1}]}}, "metadata['a'][0]['\\udc00']"),
    # with a float or an astral-plane key the body is written by the rfc8785 path: same error
    ("surrogate value, float path", {"metadata": {"f": 0.5, "v": "x\ud800"}}, "metadata['v']"),
    ("surrogate key, float path", {"metadata": {"f": 0.5, "\udc00": 1}}, "metadata['\\udc00']"),
    ("surrogate key, astral path", {"metadata": {"\U0001f600": 1, "\ud800": 2}}, "metadata['\\ud800']"),
    ("surrogate content", {"content": "a\ud800b"}, "content"),
    ("surrogate content, float path", {"content": "\udfff", "metadata": {"f": 0.5}}, "content"),
    ("int content", {"content": 5}, "content"),
    ("None content", {"content": None}, "content"),
    ("bytes content", {"content": b"bytes"}, "content"),
    ("list content", {"content": ["a"]}, "content"),
]


@pytest.mark.parametrize("kwargs, key", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_input_names_the_key(kwargs, key):
    kw = dict(kwargs)
    with pytest.raises(af.InvalidMessageError) as ei:
        af.Message(kw.pop("content", "text"), **kw)
    assert isinstance(ei.value, ValueError) and isinstance(ei.value, af.AgentForumError)
    assert ei.value.key == key
    assert key in str(ei.value)


def test_invalid_input_through_from_dict():
    with pytest.raises(af.InvalidMessageError) as ei:
        af.Message.from_dict({"content": "x", "metadata": {"n": float("nan")}})
    assert ei.value.key == "metadata['n']"


# -- the format document ------------------------------------------------------------------------------------------


def test_format_doc_snippet_recomputes_the_golden_ids():
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "message-format.md").read_text(encoding="utf-8")
    snippet = next(b for b in re.findall(r"```python\n(.*?)```", doc, re.S) if "def message_id" in b)
    namespace: dict = {}
    exec(snippet, namespace)  # only hashlib + rfc8785; asserts the root example itself
    for kwargs, expected_id, _ in GOLDEN.values():
        assert namespace["message_id"]({**DEFAULTS, **kwargs}) == expected_id
    for name in ("root", "child", "metadata"):  # the worked examples quote the golden values
        assert GOLDEN[name][1] in doc
    assert GOLDEN["root"][2] in doc and GOLDEN["child"][2] in doc
    assert GOLDEN["metadata"][2].replace("\uffff", "\\uffff") in doc
    root_bytes = HEADER + GOLDEN["root"][2].encode()
    assert f"({len(root_bytes)} bytes: the 21-byte header, then a {len(root_bytes) - 21}-byte" in doc
