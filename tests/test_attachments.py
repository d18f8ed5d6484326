"""Attachments (API.md section 16): ``af.Attachment`` values, descriptors covered by the id (golden bytes; a message
without attachments keeps its bytes: the golden tests of test_messages.py are untouched), bytes stored once per
content in every store (upgrade of older files and databases), forum.attachment, add/forward/edit/replay, verify,
JSONL and HTML files, ctx.respond, the providers' requests (real HTTP servers on 127.0.0.1) and the widgets' comm."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pickle
import re
import sqlite3

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import agentforum_nb as af
from agentforum_nb._canonical import HEADER, reference_body
from agentforum_nb.attachments import MAX_ATTACHMENTS, MAX_BYTES

from .plain_store import plain_store

HELLO = hashlib.sha256(b"hello").hexdigest()
PDF = hashlib.sha256(b"%PDF-1.4").hexdigest()
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # not a real picture: bytes are bytes
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


# -- the values -------------------------------------------------------------------------------------------------
GOLDEN = {
    "one image": (
        {"content": "look", "attachments": [af.AttachmentRef(HELLO, "image/png", 5, "cat.png")]},
        "5dd35b63e6aabe470e44688901437820f0a7d2c190b7ba2b056157de5cf4b31c",
        '{"attachments":[{"media_type":"image/png","name":"cat.png","sha256":"' + HELLO + '","size":5}],'
        '"content":"look","kind":"message","metadata":{},"original_id":null,"parent_id":null,"reply_to_id":null,'
        '"sender":"user","status":"complete"}',
    ),
    "two, unnamed and escaped": (
        {
            "content": "deux pi\u00e8ces",
            "sender": "bot",
            "parent_id": "5dd35b63e6aabe470e44688901437820f0a7d2c190b7ba2b056157de5cf4b31c",
            "metadata": {"k": 1},
            "attachments": [
                af.AttachmentRef(PDF, "application/pdf", 8, 'r\u00e9sum\u00e9 "v2".pdf'),
                af.AttachmentRef(HELLO, "image/png", 5),
            ],
        },
        "a602678b59f8e24d6eaf22a1a415caf79a548c7bcdaefaf4239d688a5aa1bfdf",
        '{"attachments":[{"media_type":"application/pdf","name":"r\u00e9sum\u00e9 \\"v2\\".pdf","sha256":"'
        + PDF
        + '","size":8},{"media_type":"image/png","name":null,"sha256":"'
        + HELLO
        + '","size":5}],"content":"deux pi\u00e8ces","kind":"message","metadata":{"k":1},"original_id":null,'
        '"parent_id":"5dd35b63e6aabe470e44688901437820f0a7d2c190b7ba2b056157de5cf4b31c","reply_to_id":null,'
        '"sender":"bot","status":"complete"}',
    ),
}


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_bytes_and_ids_of_messages_with_attachments(name):
    kwargs, expected_id, body = GOLDEN[name]
    msg = af.Message(**kwargs)
    assert msg.canonical_bytes() == HEADER + body.encode("utf-8")
    assert msg.id == expected_id == hashlib.sha256(HEADER + body.encode("utf-8")).hexdigest()
    # the reference RFC 8785 implementation writes the same body from plain JSON values
    fields = msg.fields()
    assert reference_body(fields) == body.encode("utf-8")
    assert rfc8785.dumps(fields) == body.encode("utf-8")
    assert msg.verify() is msg
    again = af.Message.from_dict(json.loads(json.dumps(msg.to_dict())))
    assert again.id == msg.id and again.attachments == msg.attachments
    assert pickle.loads(pickle.dumps(msg)).attachments == msg.attachments


names = st.one_of(
    st.none(),
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="/\\"), min_size=1, max_size=12
    ).filter(lambda n: n not in (".", "..")),
)
descriptors = st.builds(
    af.AttachmentRef,
    st.binary(min_size=1, max_size=8).map(lambda b: hashlib.sha256(b).hexdigest()),
    st.sampled_from(["image/png", "application/pdf", "text/plain", "image/svg+xml", "application/vnd.a+b"]),
    st.integers(0, 1000),
    names,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(descriptors, max_size=4), st.text(max_size=20))
def test_ids_with_attachments_match_the_reference_canonicalizer(refs, content):
    msg = af.Message(content, attachments=refs)
    body = reference_body(msg.fields())
    assert msg.canonical_bytes() == HEADER + body
    assert msg.id == hashlib.sha256(HEADER + body).hexdigest()


def test_no_attachments_means_the_bytes_of_before():
    plain = af.Message("hello")
    assert plain.attachments == () and "attachments" not in plain.to_dict()
    for empty in ([], (), None):
        assert af.Message("hello", attachments=empty).id == plain.id
    assert plain.id == "7f76cbbf3e83311f79ceb1d16b21dd0355147011e8b7f8de334a91a17c1e7fd8"  # test_messages.py ROOT_ID


def test_every_descriptor_field_is_covered_by_the_id():
    base = af.AttachmentRef(HELLO, "image/png", 5, "a.png")
    ids = {
        af.Message("x", attachments=[ref]).id
        for ref in (
            base,
            af.AttachmentRef(PDF, "image/png", 5, "a.png"),
            af.AttachmentRef(HELLO, "image/gif", 5, "a.png"),
            af.AttachmentRef(HELLO, "image/png", 6, "a.png"),
            af.AttachmentRef(HELLO, "image/png", 5, "b.png"),
            af.AttachmentRef(HELLO, "image/png", 5),
        )
    }
    assert len(ids) == 6
    two = af.Message("x", attachments=[base, af.AttachmentRef(PDF, "application/pdf", 8)])
    swapped = af.Message("x", attachments=[af.AttachmentRef(PDF, "application/pdf", 8), base])
    assert two.id != swapped.id  # the order is kept, and covered


def test_attachment_value():
    a = af.Attachment(bytearray(b"hello"), "Image/PNG ", "cat.png")
    assert type(a.data) is bytes and a.data == b"hello" and a.sha256 == HELLO and a.size == 5
    assert a.media_type == "image/png" and a.ref == af.AttachmentRef(HELLO, "image/png", 5, "cat.png")
    assert a == af.Attachment(b"hello", "image/png", "cat.png") and hash(a) == hash(a.ref)
    assert pickle.loads(pickle.dumps(a)) == a and pickle.loads(pickle.dumps(a.ref)) == a.ref
    with pytest.raises(AttributeError):
        a.data = b"x"
    with pytest.raises(AttributeError):
        a.ref.size = 1
    m = af.Message("x", attachments=[a])
    assert m.attachments == (a.ref,) and m.attachments[0].is_image
    assert not af.AttachmentRef(HELLO, "image/svg+xml", 5).is_image  # an SVG is a file, never sent as an image


def test_the_bytes_are_hashed_once_per_attachment(monkeypatch):
    import agentforum_nb.attachments as module

    calls = []
    real = module._sha256
    monkeypatch.setattr(module, "_sha256", lambda data: calls.append(len(data)) or real(data))
    a = af.Attachment(PNG, "image/png")
    forum = af.Forum()
    parent = None
    for i in range(20):
        parent = forum.post(f"post {i}", parent=parent, attachments=[a])
    assert calls == [len(PNG)]


@pytest.mark.parametrize(
    ("make", "key", "text"),
    [
        (lambda: af.Attachment("text", "text/plain"), "data", "bytes-like, not str (encode text first"),
        (lambda: af.Attachment(42, "text/plain"), "data", "bytes-like, not int"),
        (lambda: af.Attachment(b"x", "png"), "media_type", "type/subtype"),
        (lambda: af.Attachment(b"x", "text/plain; charset=utf-8"), "media_type", "no parameters"),
        (lambda: af.Attachment(b"x", None), "media_type", "type/subtype"),
        (lambda: af.Attachment(b"x", "text/plain", "../etc/passwd"), "name", "path separator"),
        (lambda: af.Attachment(b"x", "text/plain", "a\\b.txt"), "name", "path separator"),
        (lambda: af.Attachment(b"x", "text/plain", "bell\x07.txt"), "name", "control character"),
        (lambda: af.Attachment(b"x", "text/plain", ""), "name", "empty"),
        (lambda: af.Attachment(b"x", "text/plain", ".."), "name", "directory name"),
        (lambda: af.Attachment(b"x", "text/plain", "\ud800.txt"), "name", "lone surrogate"),
        (lambda: af.Attachment(b"x", "text/plain", 3), "name", "str or None"),
        (lambda: af.AttachmentRef("ABC", "text/plain", 1), "attachments", "64 lowercase hex"),
        (lambda: af.AttachmentRef(HELLO, "Text/Plain", 1), "attachments", "lowercase type/subtype"),
        (lambda: af.AttachmentRef(HELLO, "text/plain", -1), "attachments", "int >= 0"),
        (lambda: af.AttachmentRef(HELLO, "text/plain", True), "attachments", "int >= 0"),
        (lambda: af.AttachmentRef(HELLO, "text/plain", MAX_BYTES + 1), "attachments", "the limit is"),
        (lambda: af.Message("x", attachments="cat.png"), "attachments", "a list of af.Attachment"),
        (lambda: af.Message("x", attachments=af.Attachment(b"x", "text/plain")), "attachments", "a list of"),
        (lambda: af.Message("x", attachments=[b"raw"]), "attachments", "attachments[0]"),
        (lambda: af.Message("x", attachments=[{"sha256": HELLO}]), "attachments", "attachments[0]"),
    ],
)
def test_bad_attachments_are_refused_naming_the_problem(make, key, text):
    with pytest.raises(af.InvalidMessageError, match=re.escape(text)) as info:
        make()
    assert info.value.key == key


def test_the_size_limits():
    with pytest.raises(af.InvalidMessageError, match=r"is 20,971,521 bytes; the limit is 20,971,520") as info:
        af.Attachment(bytes(MAX_BYTES + 1), "application/octet-stream")
    assert info.value.key == "data"
    half = af.AttachmentRef(HELLO, "image/png", MAX_BYTES // 2 + 1)
    with pytest.raises(af.InvalidMessageError, match="together 20,971,522 bytes"):
        af.Message("two halves", attachments=[half, half])
    many = [af.AttachmentRef(HELLO, "image/png", 5)] * (MAX_ATTACHMENTS + 1)
    with pytest.raises(af.InvalidMessageError, match="at most 100"):
        af.Message("many", attachments=many)
    forum = af.Forum()
    with pytest.raises(af.InvalidMessageError, match="together"):
        forum.post("two halves", attachments=[half, half])
    assert len(forum) == 0


def test_from_path(tmp_path):
    (tmp_path / "photo.JPG").write_bytes(b"\xff\xd8\xff fake jpeg")
    a = af.Attachment.from_path(tmp_path / "photo.JPG")
    assert (a.name, a.media_type, a.data) == ("photo.JPG", "image/jpeg", b"\xff\xd8\xff fake jpeg")
    (tmp_path / "notes.unknownext").write_bytes(b"?")
    assert af.Attachment.from_path(str(tmp_path / "notes.unknownext")).media_type == "application/octet-stream"
    assert af.Attachment.from_path(tmp_path / "photo.JPG", media_type="image/webp").media_type == "image/webp"
    with pytest.raises(af.UsageError, match=r"cannot read .*missing\.png"):
        af.Attachment.from_path(tmp_path / "missing.png")
    with pytest.raises(af.UsageError, match="cannot read"):
        af.Attachment.from_path(tmp_path)
    with pytest.raises(af.UsageError, match="file path"):
        af.Attachment.from_path(3)
    big = tmp_path / "big.bin"
    with open(big, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: refused from its size, before it is read
    with pytest.raises(af.InvalidMessageError, match="the limit is"):
        af.Attachment.from_path(big)


# -- the stores -------------------------------------------------------------------------------------------------
@pytest.fixture(params=["memory", "sqlite", "postgres"])
def where(request, tmp_path):
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return str(tmp_path / "attach.sqlite")
    return request.getfixturevalue("pg_url")


def open_forum(where):
    return af.Forum() if where is None else af.Forum(where)


def stored_copies(where) -> int:
    """How many rows of attachment bytes the SQL store holds."""
    if where.startswith("postgres"):
        import psycopg

        with psycopg.connect(where.split("?")[0]) as con:
            return int(con.execute("SELECT count(*) FROM attachments").fetchone()[0])
    with sqlite3.connect(where) as con:
        return int(con.execute("SELECT count(*) FROM attachments").fetchone()[0])


async def test_bytes_are_stored_once_and_read_back(where):
    forum = open_forum(where)
    image = af.Attachment(PNG, "image/png", "chart.png")
    doc = af.Attachment(b"%PDF-1.4", "application/pdf", "r.pdf")
    root = forum.post("two files", attachments=[image, doc])
    again = forum.post("the chart again", parent=root, attachments=[image])
    plain = forum.post("no files", parent=again)
    assert root.attachments == (image.ref, doc.ref) and plain.attachments == ()
    assert forum.attachment(image.sha256) == PNG and forum.attachment(doc.sha256) == b"%PDF-1.4"
    with pytest.raises(af.AttachmentNotFound, match="no attachment with sha256") as info:
        forum.attachment(HELLO)
    assert isinstance(info.value, KeyError) and isinstance(info.value, af.MessageNotFound)
    with pytest.raises(KeyError):
        forum.attachment(42)
    assert forum.get(again.id).attachments == (image.ref,) and forum.verify() == 3
    if where is not None:
        assert stored_copies(where) == 2
    await forum.aclose()
    if where is None:
        return
    reopened = open_forum(where)  # a fresh process: nothing cached
    assert [m.attachments for m in reopened.history(plain)] == [(image.ref, doc.ref), (image.ref,), ()]
    assert reopened.attachment(image.sha256) == PNG
    other = af.Forum()  # the bytes come along with a message of another forum
    other.add(reopened.get(root.id))
    assert other.attachment(doc.sha256) == b"%PDF-1.4" and other.verify() == 1
    await reopened.aclose()
    await other.aclose()


async def test_a_message_whose_bytes_are_nowhere_is_refused_and_nothing_is_stored(where):
    forum = open_forum(where)
    ref = af.AttachmentRef(HELLO, "text/plain", 5, "hello.txt")  # a descriptor only: no bytes at hand
    with pytest.raises(af.AttachmentNotFound, match=r"give its bytes as an af\.Attachment"):
        forum.post("where are the bytes?", attachments=[ref])
    with pytest.raises(af.AttachmentNotFound):
        forum.add(af.Message("added", attachments=[ref]))
    assert len(forum) == 0
    stored = forum.post("now with bytes", attachments=[af.Attachment(b"hello", "text/plain", "hello.txt")])
    again = forum.post("the descriptor alone is enough now", attachments=[ref])  # the bytes are here
    assert again.attachments == stored.attachments and forum.attachment(HELLO) == b"hello"
    await forum.aclose()


async def test_bytes_of_a_closed_forum_cannot_come_along(tmp_path):
    source = af.Forum(tmp_path / "a.sqlite")
    msg = source.post("image", attachments=[af.Attachment(PNG, "image/png")])
    msg = source.get(msg.id)
    await source.aclose()
    target = af.Forum()
    with pytest.raises(af.AttachmentNotFound, match="could not be read where the message came from"):
        target.add(msg)
    assert len(target) == 0
    await target.aclose()


async def test_forward_edit_and_respond_carry_the_attachments(where):
    forum = open_forum(where)
    image = af.Attachment(PNG, "image/png", "p.png")
    original = forum.post("see this", attachments=[image])
    fwd = forum.forward(original, to=None)
    assert fwd.kind == "forward" and fwd.attachments == original.attachments
    edited = forum.edit(original, "see this, please")
    assert edited.attachments == original.attachments and forum.annotations(edited)["edited_from"] == original.id

    @af.agent(cache=False)
    async def painter(ctx):
        ctx.respond("here is a picture", attachments=[af.Attachment(b"GIF89a", "image/gif", "dot.gif")])
        ctx.respond(original)  # a forward, with the original's attachments

    first, second = await painter.quick_call("paint", forum=forum)
    assert first.attachments[0].name == "dot.gif" and forum.attachment(first.attachments[0].sha256) == b"GIF89a"
    assert second.kind == "forward" and second.attachments == original.attachments
    forum.subscribe(lambda ev: None)  # with a listener responses take the general path of the chain
    a, b = await painter.quick_call("paint again", forum=forum)
    assert a.attachments == first.attachments and b.attachments == original.attachments
    assert forum.verify() == len(forum)
    await forum.aclose()


async def test_respond_with_attachments_needs_text(forum):
    @af.agent(cache=False)
    async def wrong(ctx):
        async def tokens():
            yield "a"

        ctx.respond(tokens(), attachments=[af.Attachment(b"x", "text/plain")])

    with pytest.raises(af.AgentError, match=r"attachments= goes with a text response \(a str\)"):
        await wrong.quick_call("go", forum=forum)

    @af.agent(cache=False)
    async def too_big(ctx):
        half = af.AttachmentRef(HELLO, "image/png", MAX_BYTES // 2 + 1)
        ctx.respond("x", attachments=[half, half])

    with pytest.raises(af.AgentError, match="together"):
        await too_big.quick_call("go", forum=forum)


async def test_function_and_scripted_models_see_the_attachments(forum):
    seen = []

    def look(messages):
        last = messages[-1]
        seen.append(last.attachments)
        return f"{last.attachments[0].size} bytes"

    bot = af.function_agent("looker", look, version="1")
    q = forum.post("what is this?", attachments=[af.Attachment(PNG, "image/png", "x.png")])
    (answer,) = await bot.quick_call(q, forum=forum)
    assert seen == [q.attachments] and answer.content == f"{len(PNG)} bytes"
    assert forum.attachment(seen[0][0].sha256) == PNG  # the bytes, for code that has the forum
    scripted = af.ScriptedModel(["ok"])
    await scripted.agent("s").quick_call(q, forum=forum)
    assert scripted.prompts[0][-1].attachments == q.attachments


async def test_replay_reposts_the_turns_with_their_attachments(forum):
    bot = af.function_agent("echo", lambda ms: f"{len(ms[-1].attachments)} files", version="1")
    q = forum.post("count", attachments=[af.Attachment(b"a", "text/plain", "a.txt")])
    (answer,) = await bot.quick_call(q, forum=forum)
    assert answer.content == "1 files"
    changed = af.function_agent("echo", lambda ms: f"{len(ms[-1].attachments)} file(s)", version="2")
    tip = await forum.replay(answer, agents={"echo": changed})
    assert tip.content == "1 file(s)" and forum.history(tip)[0].attachments == q.attachments


async def test_verify_finds_changed_and_missing_bytes(tmp_path):
    path = tmp_path / "t.sqlite"
    forum = af.Forum(path)
    image = af.Attachment(PNG, "image/png")
    msg = forum.post("image", attachments=[image])
    doc = forum.post("doc", parent=msg, attachments=[af.Attachment(b"%PDF-1.4", "application/pdf")])
    await forum.aclose()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE attachments SET data = ? WHERE sha256 = ?", (b"evil", image.sha256))
        con.execute("DELETE FROM attachments WHERE sha256 = ?", (PDF,))
    forum = af.Forum(path)
    with pytest.raises(af.IntegrityError, match=f"attachment {image.sha256} hash to") as info:
        forum.attachment(image.sha256)
    assert info.value.expected == image.sha256
    with pytest.raises(af.IntegrityError) as info:
        forum.verify()
    problems = info.value.problems
    assert len(problems) == 2
    assert any(image.sha256 in p and "changed after they were stored" in p for p in problems)
    assert any(p.startswith(doc.id) and f"attachment {PDF} are missing" in p for p in problems)
    await forum.aclose()


async def test_a_changed_descriptor_column_is_caught_on_read(tmp_path):
    path = tmp_path / "d.sqlite"
    forum = af.Forum(path)
    msg = forum.post("image", attachments=[af.Attachment(PNG, "image/png", "a.png")])
    await forum.aclose()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE messages SET attachments = replace(attachments, 'a.png', 'b.png')")
    forum = af.Forum(path)
    with pytest.raises(af.IntegrityError, match="does not match its id"):
        forum.get(msg.id)
    with pytest.raises(af.IntegrityError):
        forum.verify()
    await forum.aclose()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE messages SET attachments = '[{\"oops\": 1}]'")
    forum = af.Forum(path)
    with pytest.raises(af.IntegrityError, match="corrupt attachments"):
        forum.get(msg.id)
    await forum.aclose()


# -- older files and databases ----------------------------------------------------------------------------------
OLD_TRIGGER = """CREATE TRIGGER messages_suspect AFTER UPDATE OF id, kind, content, sender, parent_id, reply_to_id,
original_id, status, metadata ON messages BEGIN INSERT OR IGNORE INTO suspect (seq) VALUES (NEW.seq); END"""


async def test_a_sqlite_file_from_before_attachments_is_upgraded(tmp_path):
    path = tmp_path / "old.sqlite"
    forum = af.Forum(path)
    kept = forum.post("written before attachments existed")
    await forum.aclose()
    with sqlite3.connect(path) as con:  # the file as the previous layout wrote it
        con.execute("DROP TABLE attachments")
        con.execute("DROP TRIGGER messages_suspect")
        con.execute("ALTER TABLE messages DROP COLUMN attachments")
        con.execute(OLD_TRIGGER)
        con.execute("PRAGMA user_version = 2")
    readonly = af.Forum(path, readonly=True)  # read-only: read as it is, nothing changed
    assert readonly.get(kept.id) == kept and readonly.verify() == 1
    with pytest.raises(af.AttachmentNotFound):
        readonly.attachment(HELLO)
    await readonly.aclose()
    with sqlite3.connect(path) as con:
        assert "attachments" not in {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    forum = af.Forum(path)  # opened for writing: the table and the column are added
    msg = forum.post("now with a file", parent=kept, attachments=[af.Attachment(b"hello", "text/plain")])
    assert forum.attachment(HELLO) == b"hello" and forum.history(msg)[0] == kept
    await forum.aclose()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 3
        con.execute("UPDATE messages SET attachments = replace(attachments, 'text/plain', 'text/html')")
    forum = af.Forum(path)  # the trigger made again watches the new column
    with pytest.raises(af.IntegrityError, match="does not match its id"):
        forum.get(msg.id)
    await forum.aclose()


async def test_a_postgres_database_from_before_attachments_is_upgraded(pg_url):
    import psycopg

    from agentforum_nb.store import postgres

    forum = af.Forum(pg_url)
    kept = forum.post("written before attachments existed")
    await forum.aclose()
    old_changed = "(({}) IS DISTINCT FROM ({}))".format(
        *(", ".join(f"{w}.{c}" for c in postgres._STORED[:10]) for w in ("OLD", "NEW"))
    )
    with psycopg.connect(pg_url.split("?")[0]) as con:
        con.execute("DROP TABLE attachments")
        con.execute("DROP TRIGGER messages_suspect ON messages")
        con.execute("ALTER TABLE messages DROP COLUMN attachments")
        con.execute(
            f"CREATE TRIGGER messages_suspect BEFORE UPDATE ON messages FOR EACH ROW WHEN {old_changed} "
            "EXECUTE FUNCTION agentforum_mark_suspect()"
        )
    forum = af.Forum(pg_url)
    msg = forum.post("now with a file", parent=kept, attachments=[af.Attachment(b"hello", "text/plain")])
    assert forum.attachment(HELLO) == b"hello" and forum.get(kept.id) == kept
    await forum.aclose()
    with psycopg.connect(pg_url.split("?")[0]) as con:
        con.execute("UPDATE messages SET attachments = replace(attachments, 'text/plain', 'text/html')")
    forum = af.Forum(pg_url)
    with pytest.raises(af.IntegrityError, match="does not match its id"):
        forum.get(msg.id)
    await forum.aclose()


async def test_copy_forum_brings_the_bytes(tmp_path, pg_url):
    source = af.Forum(tmp_path / "s.sqlite")
    msg = source.post("image", attachments=[af.Attachment(PNG, "image/png", "p.png")])
    target = af.Forum(pg_url)
    assert af.store.copy_forum(source, target) == 1
    assert target.attachment(msg.attachments[0].sha256) == PNG and target.verify() == 1
    await source.aclose()
    await target.aclose()


# -- files --------------------------------------------------------------------------------------------------------
async def test_jsonl_carries_the_bytes_once_before_the_first_message(where, tmp_path):
    forum = open_forum(where)
    image = af.Attachment(PNG, "image/png", "p.png")
    a = forum.post("first", attachments=[image])
    b = forum.post("second", parent=a, attachments=[image, af.Attachment(b"hello", "text/plain")])
    forum.post("third", parent=b)
    path = tmp_path / "out.jsonl"
    assert forum.export_jsonl(path) == 3
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x.get("attachment") or x["content"] for x in lines] == [image.sha256, "first", HELLO, "second", "third"]
    assert lines[0] == {"attachment": image.sha256, "media_type": "image/png", "data": base64.b64encode(PNG).decode()}
    assert lines[1]["attachments"] == [image.ref.to_dict()] and "attachments" not in lines[4]
    target = af.Forum(None if where is None else tmp_path / "in.sqlite")
    assert target.import_jsonl(path) == 3
    assert target.attachment(HELLO) == b"hello" and target.get(b.id).attachments == b.attachments
    assert target.verify() == 3 and target.import_jsonl(path) == 0
    await forum.aclose()
    await target.aclose()


def attachment_line(data: bytes, media_type="text/plain", sha=None) -> str:
    sha = sha or hashlib.sha256(data).hexdigest()
    return json.dumps({"attachment": sha, "media_type": media_type, "data": base64.b64encode(data).decode()})


def message_line(content: str, *attached: af.AttachmentRef) -> str:
    return json.dumps(af.Message(content, attachments=attached).to_dict())


@pytest.mark.parametrize(
    ("lines", "bad", "text"),
    [
        ([message_line("m", af.AttachmentRef(HELLO, "text/plain", 5))], 1, "neither in the file nor in the forum"),
        ([attachment_line(b"hello", sha=PDF), message_line("m")], 1, "hash to"),
        (['{"attachment": "' + HELLO + '", "media_type": "text/plain", "data": "*not base64*"}'], 1, "not base64"),
        (['{"attachment": "' + HELLO + '", "media_type": "text/plain"}'], 1, "base64 text"),
        ([attachment_line(b"hello", media_type="plain")], 1, "type/subtype"),
        ([attachment_line(b"hello")[:-1] + ', "x": 1}'], 1, "unknown member"),
        (
            [attachment_line(b"hello"), '{"id": "' + "0" * 64 + '", "content": "m", "attachments": [{"sha256": 1}]}'],
            2,
            "a descriptor needs media_type, size",
        ),
    ],
)
def test_import_refuses_bad_attachment_lines_and_stores_nothing(tmp_path, lines, bad, text):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([message_line("before"), *lines]) + "\n", encoding="utf-8")
    forum = af.Forum()
    with pytest.raises(af.IntegrityError, match=text) as info:
        forum.import_jsonl(path)
    assert info.value.line == bad + 1 and len(forum) == 0


async def test_html_embeds_the_bytes_as_data(forum, tmp_path):
    image = af.Attachment(PNG, "image/png", "p.png")
    svg = af.Attachment(SVG, "image/svg+xml", "x.svg")
    root = forum.post("<b>files</b>", attachments=[image, svg])
    forum.post("no files", parent=root)
    page = forum.to_html(tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<svg" not in page  # the SVG's bytes only as base64 data
    data = json.loads(page.split('id="af-data">')[1].split("</script>")[0])
    assert data["attachments"] == {
        image.sha256: ["image/png", base64.b64encode(PNG).decode()],
        svg.sha256: ["image/svg+xml", base64.b64encode(SVG).decode()],
    }
    first, second = data["messages"]
    assert first[7]["attachments"] == [image.ref.to_dict(), svg.ref.to_dict()] and "attachments" not in second[7]


# -- providers ----------------------------------------------------------------------------------------------------
def branch_with_files(forum):
    q = forum.post(
        "What is in these?",
        attachments=[
            af.Attachment(PNG, "image/png", "chart.png"),
            af.Attachment(b"%PDF-1.4", "application/pdf", "report.pdf"),
            af.Attachment(SVG, "image/svg+xml", "logo.svg"),
        ],
    )
    mine = forum.post("A chart.", parent=q, sender="assistant", attachments=[af.Attachment(b"GIF89a", "image/gif")])
    other = forum.post("", parent=mine, sender="critic", attachments=[af.Attachment(b"\xff\xd8", "image/jpeg")])
    return other


async def test_openai_requests_carry_image_parts(forum):
    pytest.importorskip("openai")
    from .sse_server import SSEServer

    tip = branch_with_files(forum)
    async with SSEServer([["Two charts."]]) as server:
        bot = af.llm("assistant", model="m", base_url=server.base_url, api_key="k", max_retries=0)
        await bot.quick_call("Look again.", forum=forum, branch=tip)
        await bot.aclose()
        (body,) = server.requests
    png = "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "What is in these?\n[attachment: report.pdf (application/pdf, 8 bytes)]\n"
                    f"[attachment: logo.svg (image/svg+xml, {len(SVG)} bytes)]",
                },
                {"type": "image_url", "image_url": {"url": png}},
            ],
        },
        {"role": "assistant", "content": "A chart.\n[attachment: image/gif, 6 bytes]"},  # no images there
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "critic: "},
                {
                    "type": "image_url",
                    "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8").decode()},
                },
            ],
        },
        {"role": "user", "content": "Look again."},
    ]


async def test_anthropic_requests_carry_image_blocks(forum):
    pytest.importorskip("anthropic")
    from .anthropic_server import AnthropicServer

    tip = branch_with_files(forum)
    async with AnthropicServer([["Two charts."]]) as server:
        bot = af.llm("assistant", provider="anthropic", model="m", base_url=server.base_url, api_key="k", max_retries=0)
        await bot.quick_call("Look again.", forum=forum, branch=tip)
        await bot.aclose()
        (body,) = server.requests

    def image(media_type, data):
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode()},
        }

    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "What is in these?\n[attachment: report.pdf (application/pdf, 8 bytes)]\n"
                    f"[attachment: logo.svg (image/svg+xml, {len(SVG)} bytes)]",
                },
                image("image/png", PNG),
            ],
        },
        {"role": "assistant", "content": "A chart.\n[attachment: image/gif, 6 bytes]"},
        {  # consecutive user turns merged into one
            "role": "user",
            "content": [
                {"type": "text", "text": "critic: "},
                image("image/jpeg", b"\xff\xd8"),
                {"type": "text", "text": "Look again."},
            ],
        },
    ]


def test_tool_results_with_images_are_blocks_for_anthropic_and_named_for_openai():
    from agentforum_nb.models.anthropic import to_anthropic_messages
    from agentforum_nb.models.openai import to_chat_messages

    calls = [{"id": "c1", "name": "plot", "arguments": {}}]
    q = af.Message("plot it")
    ask = af.Message("", sender="bot", parent_id=q.id, metadata={"tool_calls": calls})
    pic = af.Attachment(PNG, "image/png", "plot.png")
    result = af.Message("done", sender="plot", parent_id=ask.id, metadata={"tool_call_id": "c1"}, attachments=[pic])
    read = {pic.sha256: PNG}.__getitem__
    anthropic_messages = to_anthropic_messages([q, ask, result], "bot", attachment=read)
    block = anthropic_messages[-1]["content"][0]
    assert block["type"] == "tool_result" and block["content"] == [
        {"type": "text", "text": "done"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()},
        },
    ]
    openai_messages = to_chat_messages([q, ask, result], "bot", attachment=read)
    assert openai_messages[-1] == {
        "role": "tool",
        "tool_call_id": "c1",
        "content": f"done\n[attachment: plot.png (image/png, {len(PNG):,} bytes)]",
    }
    # without a way to read the bytes, images are named
    assert to_chat_messages([result.__class__("see", attachments=[pic])], "bot")[0]["content"].endswith("bytes)]")


# -- widgets ------------------------------------------------------------------------------------------------------
async def test_widgets_carry_descriptors_and_answer_get_attachment(forum):
    from agentforum_nb.notebook import TreeView

    from .test_widgets import frontend, record

    image = af.Attachment(PNG, "image/png", "p.png")
    msg = forum.post("picture", attachments=[image])
    w = TreeView(forum)
    sent = record(w)
    frontend(w, {"kind": "ready"})
    assert sent[-1]["nodes"][0]["attachments"] == [image.ref.to_dict()]
    frontend(w, {"kind": "get-message", "id": msg.id, "request_id": 1})
    assert sent[-1]["message"]["attachments"] == [image.ref.to_dict()]
    frontend(w, {"kind": "get-attachment", "sha256": image.sha256, "request_id": 2})
    assert sent[-1] == {
        "kind": "attachment",
        "request_id": 2,
        "sha256": image.sha256,
        "data": base64.b64encode(PNG).decode(),
    }
    n = len(sent)
    frontend(w, {"kind": "get-attachment", "sha256": HELLO, "request_id": 3})
    assert len(sent) == n and "not in this forum" in w.error
    frontend(w, {"kind": "get-attachment", "sha256": ["x"], "request_id": 4})
    assert len(sent) == n and "not an attachment's hash" in w.error
    w.close()


def test_a_store_without_the_capability_refuses_messages_with_attachments():
    forum = af.Forum(plain_store())  # every Store method, by delegation, and no attachment methods
    forum.post("text is fine")
    with pytest.raises(af.UsageError, match="does not keep attachments"):
        forum.post("a file is not", attachments=[af.Attachment(b"x", "text/plain")])
    with pytest.raises(af.AttachmentNotFound):
        forum.attachment(HELLO)
    assert len(forum) == 1


def test_os_path_of_a_file_names_it(tmp_path):
    p = tmp_path / "dir" / "a.txt"
    os.makedirs(p.parent)
    p.write_bytes(b"a")
    assert af.Attachment.from_path(p).name == "a.txt"
