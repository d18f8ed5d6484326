"""Property tests: ids are a pure function of the fields, agree with the RFC 8785 reference, and are the same in
another process."""

from __future__ import annotations

import json
import subprocess
import sys

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import agentforum_nb as af
from agentforum_nb._canonical import HEADER

# any unicode except lone surrogates (those are refused as invalid input)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
ids = st.one_of(st.none(), st.binary(min_size=32, max_size=32).map(bytes.hex))
safe_int = st.integers(-(2**53 - 1), 2**53 - 1)
floats = st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), safe_int, floats, text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12)
metadata = st.dictionaries(text, json_values, max_size=5)


@st.composite
def messages(draw):
    kind = draw(st.sampled_from(["message", "forward", "error"]))
    original = draw(st.binary(min_size=32, max_size=32).map(bytes.hex)) if kind == "forward" else None
    return dict(content=draw(text), kind=kind, sender=draw(text.filter(bool)), parent_id=draw(ids),
                reply_to_id=draw(ids), original_id=original,
                status=draw(st.sampled_from(["complete", "cancelled", "failed"])), metadata=draw(metadata))


def build(fields):
    f = dict(fields)
    return af.Message(f.pop("content"), **f)


@settings(max_examples=300, deadline=None)
@given(messages())
def test_fast_path_equals_reference(fields):
    m = build(fields)
    assert m.canonical_bytes() == HEADER + rfc8785.dumps(m.fields())
    assert build(fields).id == m.id  # pure function of the fields
    assert af.Message.from_dict(json.loads(json.dumps(m.to_dict()))) == m  # JSON round trip keeps the id


@settings(max_examples=200, deadline=None)
@given(messages(), st.sampled_from(["content", "sender", "parent_id", "reply_to_id", "status", "metadata"]),
       st.data())
def test_changing_any_field_changes_the_id(fields, field, data):
    m = build(fields)
    changed = dict(fields)
    if field == "content":
        changed["content"] = fields["content"] + "!"
    elif field == "sender":
        changed["sender"] = fields["sender"] + "x"
    elif field in ("parent_id", "reply_to_id"):
        new = data.draw(ids.filter(lambda v: v != fields[field]))
        changed[field] = new
    elif field == "status":
        changed["status"] = data.draw(st.sampled_from([s for s in ("complete", "cancelled", "failed")
                                                       if s != fields["status"]]))
    else:
        changed["metadata"] = {**fields["metadata"], "\x00extra": 1}
    assert build(changed).id != m.id


def test_ids_identical_in_a_separate_process():
    batch = []

    @settings(max_examples=50, deadline=None)
    @given(messages())
    def collect(fields):
        batch.append(fields)

    collect()
    local = [build(f).id for f in batch]
    code = ("import json, sys, agentforum_nb as af\n"
            "out = []\n"
            "for f in json.load(sys.stdin):\n"
            "    c = f.pop('content')\n"
            "    out.append(af.Message(c, **f).id)\n"
            "print(json.dumps(out))")
    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(batch), capture_output=True,
                          text=True, check=True, env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert json.loads(proc.stdout) == local
