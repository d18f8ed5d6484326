"""Messages: exact canonical bytes and ids (golden), value behaviour, and refusal of bad input."""

from __future__ import annotations

import copy
import pickle

import pytest
import rfc8785

import agentforum_nb as af
from agentforum_nb._canonical import HEADER, reference_body

ROOT_ID = "7f76cbbf3e83311f79ceb1d16b21dd0355147011e8b7f8de334a91a17c1e7fd8"
CHILD_ID = "57f8e849324590001e95c8a5f68b7127c5492d8e7e835b8107f9361c40aa0aa9"


def golden_cases():
    root = af.Message("hello")
    child = af.Message("hi there", sender="bot", parent_id=root.id)
    return [
        (root, ROOT_ID,
         b'{"content":"hello","kind":"message","metadata":{},"original_id":null,"parent_id":null,'
         b'"reply_to_id":null,"sender":"user","status":"complete"}'),
        (child, CHILD_ID,
         b'{"content":"hi there","kind":"message","metadata":{},"original_id":null,"parent_id":"' + ROOT_ID.encode()
         + b'","reply_to_id":null,"sender":"bot","status":"complete"}'),
        (af.Message("h\u00e9llo \U0001F30D \u4e16\u754c \x01\t\n\"\\", sender="\u00fcn\u00ef", parent_id=ROOT_ID),
         "d3ed3065bc3514198792c4972dc4c8dcb8518dbf925fca2efd4cf9846bd28307",
         '{"content":"h\u00e9llo \U0001F30D \u4e16\u754c \\u0001\\t\\n\\"\\\\","kind":"message","metadata":{},'
         '"original_id":null,"parent_id":"'.encode() + ROOT_ID.encode()
         + '","reply_to_id":null,"sender":"\u00fcn\u00ef","status":"complete"}'.encode()),
        (af.Message("m", metadata={"b": [1, 2.5, {"z": None, "a": True}], "a": "x", "\u00e9": -0.0,
                                   "\U0001F600": 1e21, "f": 1.0}),
         "508c33972f0d477f2858d2c9e12509fa6ae1b642b4d8667bcad9561d9f665c75",
         '{"content":"m","kind":"message","metadata":{"a":"x","b":[1,2.5,{"a":true,"z":null}],"f":1,"\u00e9":0,'
         '"\U0001F600":1e+21},"original_id":null,"parent_id":null,"reply_to_id":null,"sender":"user",'
         '"status":"complete"}'.encode()),
        (af.Message("hello", kind="forward", sender="relay", original_id=ROOT_ID, parent_id=CHILD_ID),
         "1f3a6cc8ed6336a86c5bc28f811e030d1a14bedfb3a2e1daef979c2a388bed77", None),
        (af.Message("ValueError: boom", kind="error", sender="bot", status="failed", parent_id=CHILD_ID,
                    reply_to_id=ROOT_ID, metadata={"error_type": "builtins.ValueError"}),
         "ba83f8e692aa5d6e8f722b70da99ec1964f80fbe48d3ef8d01ed1ee2c6658766", None),
    ]


@pytest.mark.parametrize("case", range(6))
def test_golden_bytes_and_ids(case):
    msg, expected_id, expected_body = golden_cases()[case]
    data = msg.canonical_bytes()
    assert data.startswith(HEADER) and HEADER == b"agentforum-message 1\n"
    body = data[len(HEADER):]
    assert body == reference_body(msg.fields())  # byte-identical to the reference RFC 8785 implementation
    assert body == rfc8785.dumps(msg.fields())
    if expected_body is not None:
        assert body == expected_body
    assert msg.id == expected_id
    assert msg.verify() is msg


def test_frozen_values():
    m = af.Message("x", metadata={"list": [1, [2]], "obj": {"k": "v"}})
    with pytest.raises(AttributeError, match="immutable"):
        m.content = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del m.sender
    with pytest.raises(TypeError, match="read-only"):
        m.metadata["new"] = 1
    with pytest.raises(TypeError):
        m.metadata["obj"]["k"] = "changed"
    assert m.metadata["list"] == (1, (2,))
    plain = {"a": [1]}
    m2 = af.Message("x", metadata=plain)
    plain["a"].append(2)  # the caller's dict is copied, not referenced
    assert m2.metadata == {"a": (1,)} and m2.verify()


def test_value_semantics():
    a = af.Message("same", sender="s")
    b = af.Message("same", sender="s")
    c = af.Message("same", sender="t")
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != c and len({a, b, c}) == 2
    assert str(a) == "same"
    r = repr(af.Message("a long piece of content " * 5, sender="bot"))
    assert r.startswith(f"<Message {af.Message('a long piece of content ' * 5, sender='bot').id[:8]} bot:")
    assert len(r) < 80
    assert pickle.loads(pickle.dumps(a)) == a and copy.deepcopy(a) is a
    assert af.Message.from_dict(a.to_dict()) == a


def test_verify_detects_tampering():
    good = af.Message("original")
    bad = af.Message._trusted(good.id, "message", "tampered", "user", None, None, None, "complete",
                              good.metadata)
    with pytest.raises(af.IntegrityError) as ei:
        bad.verify()
    assert ei.value.expected == good.id and ei.value.actual != good.id


def test_from_dict_checks_id():
    d = af.Message("x").to_dict()
    d["content"] = "y"
    with pytest.raises(af.IntegrityError, match="does not match"):
        af.Message.from_dict(d)
    with pytest.raises(af.InvalidMessageError, match="unknown message field"):
        af.Message.from_dict({"content": "x", "extra": 1})


class Obj:
    pass


@pytest.mark.parametrize("kwargs, key", [
    ({"metadata": {"s": {1, 2}}}, "metadata['s']"),
    ({"metadata": {"b": b"bytes"}}, "metadata['b']"),
    ({"metadata": {"o": Obj()}}, "metadata['o']"),
    ({"metadata": {"n": float("nan")}}, "metadata['n']"),
    ({"metadata": {"deep": [{"inf": float("inf")}]}}, "metadata['deep'][0]['inf']"),
    ({"metadata": {1: "int key"}}, "metadata[1]"),
    ({"metadata": {"big": 2**53}}, "metadata['big']"),
    ({"metadata": [1, 2]}, "metadata"),
    ({"kind": "forward"}, "original_id"),
    ({"original_id": ROOT_ID}, "original_id"),
    ({"kind": "note"}, "kind"),
    ({"status": "done"}, "status"),
    ({"parent_id": "abc"}, "parent_id"),
    ({"parent_id": ROOT_ID.upper()}, "parent_id"),
    ({"reply_to_id": 5}, "reply_to_id"),
    ({"sender": ""}, "sender"),
    ({"sender": "bad \ud800"}, "sender"),
    ({"metadata": {"k\udfff": 1}}, "metadata['k\\udfff']"),
    ({"metadata": {"v": ["ok", "\ud83d"]}}, "metadata['v'][1]"),
])
def test_invalid_input_names_the_key(kwargs, key):
    with pytest.raises(af.InvalidMessageError) as ei:
        af.Message(kwargs.pop("content", "text"), **kwargs)
    assert isinstance(ei.value, ValueError)
    assert ei.value.key == key
    assert key.split("[")[0] in str(ei.value)


def test_invalid_content():
    with pytest.raises(af.InvalidMessageError, match="content"):
        af.Message(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(af.InvalidMessageError, match="lone surrogate") as ei:
        af.Message("a\ud800b")
    assert ei.value.key == "content"


def test_metadata_normalization_matches_the_id():
    a = af.Message("x", metadata={"n": 1.0, "z": -0.0})
    b = af.Message("x", metadata={"n": 1, "z": 0})
    assert a.id == b.id and a.metadata == b.metadata and type(a.metadata["n"]) is int
    assert af.Message("x", metadata={"n": 1.5}).metadata["n"] == 1.5
