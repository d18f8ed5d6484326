"""Property tests: the canonical body is byte-identical to the RFC 8785 reference, ids are a pure function of the
fields, any single-field change changes the id, and another Python process computes the same ids."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentforum_nb as af
from agentforum_nb._canonical import HEADER, freeze_metadata, metadata_json, thaw

# any Unicode scalar value: lone surrogates (category Cs) are invalid input and tested in test_messages.py
any_char = st.characters(blacklist_categories=("Cs",))
astral_char = st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF, blacklist_categories=("Cs",))
# characters that probe the escaping rules and the UTF-16 key order (U+E000..U+FFFF sort after astral keys)
tricky_char = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x1f",
        "\x7f",
        "\b",
        "\t",
        "\n",
        "\f",
        "\r",
        '"',
        "\\",
        "/",
        "\u2028",
        "\u2029",
        "\ue000",
        "\ufeff",
        "\uffff",
        "\U00010000",
        "\U0001f600",
        "\U0010ffff",
        "\u00e9",
        "\u4e16",
        "a",
        "Z",
        " ",
    ]
)
text = st.text(st.one_of(any_char, tricky_char), max_size=30)
key_text = st.text(st.one_of(any_char, astral_char, tricky_char), max_size=6)
hex_id = st.binary(min_size=32, max_size=32).map(bytes.hex)
ref = st.one_of(st.none(), hex_id)
safe_int = st.integers(-(2**53 - 1), 2**53 - 1)
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [0.0, -0.0, 1.0, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 2.0**53, 2.0**60, -1e20, 123456789.125]
    ),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), safe_int, floats, text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key_text, inner, max_size=4)),
    max_leaves=12,
)
metadata = st.dictionaries(key_text, json_values, max_size=5)
STATUSES = ("complete", "cancelled", "failed")


@st.composite
def message_fields(draw):
    kind = draw(st.sampled_from(["message", "forward", "error"]))
    return {
        "content": draw(text),
        "kind": kind,
        "sender": draw(text.filter(bool)),
        "parent_id": draw(ref),
        "reply_to_id": draw(ref),
        "original_id": draw(hex_id) if kind == "forward" else None,
        "status": draw(st.sampled_from(STATUSES)),
        "metadata": draw(metadata),
    }


def build(fields: dict) -> af.Message:
    f = dict(fields)
    return af.Message(f.pop("content"), **f)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_fields())
def test_body_equals_the_reference(fields):
    m = build(fields)
    data = m.canonical_bytes()
    # the reference serializer on the caller's fields, before the library normalized or froze anything
    assert data == HEADER + rfc8785.dumps(fields)
    assert data == HEADER + rfc8785.dumps(m.fields())
    # whichever serializer the library picked for the metadata, the other one agrees where it applies
    frozen, fast = freeze_metadata(fields["metadata"])
    reference = rfc8785.dumps(thaw(frozen)).decode("utf-8")
    assert metadata_json(frozen, False) == reference
    if fast:
        assert metadata_json(frozen, True) == reference


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_fields())
def test_id_is_a_pure_function_of_the_fields(fields):
    m = build(fields)
    assert build(fields).id == m.id
    assert build(json.loads(json.dumps(fields))).id == m.id  # rebuilt from JSON text
    assert af.Message.from_dict(json.loads(json.dumps(m.to_dict()))) == m
    assert build(m.fields()).id == m.id  # from the normalized fields
    again = af.Message(
        m.content,
        kind=m.kind,
        sender=m.sender,
        parent_id=m.parent_id,
        reply_to_id=m.reply_to_id,
        original_id=m.original_id,
        status=m.status,
        metadata=m.metadata,
    )  # already frozen
    assert again.id == m.id and again.verify()


def _changed(fields: dict, field: str, data) -> dict:
    out = dict(fields)
    if field == "content":
        out["content"] = data.draw(text.filter(lambda t: t != fields["content"]))
    elif field == "sender":
        out["sender"] = data.draw(text.filter(lambda t: t and t != fields["sender"]))
    elif field in ("parent_id", "reply_to_id"):
        out[field] = data.draw(ref.filter(lambda v: v != fields[field]))
    elif field == "status":
        out["status"] = data.draw(st.sampled_from([s for s in STATUSES if s != fields["status"]]))
    elif field == "kind":
        if fields["kind"] == "forward":  # forward <-> message/error also adds or drops original_id
            out["kind"], out["original_id"] = data.draw(st.sampled_from(["message", "error"])), None
        else:
            out["kind"] = "error" if fields["kind"] == "message" else "message"
    elif field == "original_id":
        out["kind"] = "forward"
        out["original_id"] = data.draw(hex_id.filter(lambda v: v != fields["original_id"]))
    else:
        out["metadata"] = data.draw(
            metadata.filter(lambda md: freeze_metadata(md)[0] != freeze_metadata(fields["metadata"])[0])
        )
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    message_fields(),
    st.sampled_from(["content", "sender", "parent_id", "reply_to_id", "status", "kind", "original_id", "metadata"]),
    st.data(),
)
def test_changing_any_single_field_changes_the_id(fields, field, data):
    m = build(fields)
    other = build(_changed(fields, field, data))
    assert other.id != m.id
    assert other.canonical_bytes() != m.canonical_bytes()


CHILD = """
import json, sys
import agentforum_nb as af
out = []
for f in json.load(sys.stdin):
    content = f.pop("content")
    out.append(af.Message(content, **f).id)
json.dump(out, sys.stdout)
"""


def test_ids_identical_in_a_separate_process():
    batch: list[dict] = []

    @settings(max_examples=50, deadline=None, database=None)
    @given(message_fields())
    def collect(fields):
        batch.append(fields)

    collect()
    assert len(batch) >= 20
    local = [build(f).id for f in batch]
    # another interpreter, another hash seed, no inherited state: one process for the whole batch
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHONHASHSEED")}
    env["PYTHONHASHSEED"] = "12345"
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=json.dumps(batch),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == local
