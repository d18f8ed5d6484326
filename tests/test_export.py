"""Files of a forum (agentforum_nb.export, API.md sections 2, 8 and 9): export_jsonl / import_jsonl / to_html write
the same bytes for the same forum, refuse bad paths before anything is opened, leave no temporary file behind
(not even when the process is killed mid-way), and import refuses garbled values of the reserved annotations."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import agentforum_nb as af
from agentforum_nb import export
from agentforum_nb._html import STATIC

# four messages (a reply, a forward, unicode, a float >= 2**53, text that looks like HTML) with the annotations the
# library writes, as export_jsonl writes them: the file a forum that imported it exports again, byte for byte
GOLDEN = """\
{"id":"f00608e712d404e145e8c7562bb4f69b88bd88453538ec6a7bc0ea5ad6217a03","kind":"message","content":"Quelle heure est-il ? 日本語 😀","sender":"user","parent_id":null,"reply_to_id":null,"original_id":null,"status":"complete","metadata":{"big":1e+20,"f":0.5,"n":1},"annotations":{"created_at":"2026-01-02T03:04:05.678Z","label":"start"}}
{"id":"12a3c1d84b1826013577042b35d049219baa806df1f18fec209b2f9aa55d8e70","kind":"message","content":"</script> & <b>","sender":"bot<b>","parent_id":"f00608e712d404e145e8c7562bb4f69b88bd88453538ec6a7bc0ea5ad6217a03","reply_to_id":null,"original_id":null,"status":"complete","metadata":{"tool_calls":[]},"annotations":{"created_at":"2026-01-02T03:04:06.000Z","agent":"bot<b>","ttft_s":0.25,"duration_s":1.5,"tokens":3,"model":"scripted","usage":{"input_tokens":4,"output_tokens":3},"finish_reason":"stop","sample":1}}
{"id":"c751acbdde7ffd94a94bdf13a795cefd948ea2c7a5c6540a49f963ccbe1f9d33","kind":"message","content":"second\\nline","sender":"critic","parent_id":"f00608e712d404e145e8c7562bb4f69b88bd88453538ec6a7bc0ea5ad6217a03","reply_to_id":"12a3c1d84b1826013577042b35d049219baa806df1f18fec209b2f9aa55d8e70","original_id":null,"status":"complete","metadata":{},"annotations":{"created_at":"2026-01-02T03:04:07.001Z"}}
{"id":"5186da68bb0286d43cea7488440b486badbf849dceebb1945cd3620e32c70c51","kind":"forward","content":"</script> & <b>","sender":"critic","parent_id":"c751acbdde7ffd94a94bdf13a795cefd948ea2c7a5c6540a49f963ccbe1f9d33","reply_to_id":null,"original_id":"12a3c1d84b1826013577042b35d049219baa806df1f18fec209b2f9aa55d8e70","status":"complete","metadata":{},"annotations":{"created_at":"2026-01-02T03:04:07.002Z","note":"ünï"}}
"""  # noqa: E501
#: sha256 of to_html's page for the golden forum, with the front-end bundle (which changes with js/) cut out; data
#: format 2 (nodes.py records)
GOLDEN_HTML_SHA256 = "628f456c1c0903f1ac4bc879f33ceae813a1a9630d99d37453935e5bbb49647f"
GOLDEN_TREE = """\
f00608e7 user: Quelle heure est-il ? 日本語 😀
├─ 12a3c1d8 bot<b>: </script> & <b>
└─ c751acbd critic: second line
   └─ 5186da68 critic [forward]: </script> & <b>"""
GOLDEN_DOT_SHA256 = "a7efad6d1b18b94bfc8f4ee1000224ed3373a0404205fab3cde577390c99d218"


def golden_forum(tmp_path: Path, kind: str = "memory") -> af.Forum:
    src = tmp_path / "golden.jsonl"
    src.write_text(GOLDEN, encoding="utf-8")
    forum = af.Forum() if kind == "memory" else af.Forum(tmp_path / "golden.sqlite")
    assert forum.import_jsonl(src) == 4
    return forum


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- the same bytes ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_outputs_are_pinned_byte_for_byte(tmp_path, kind):
    forum = golden_forum(tmp_path, kind)
    out = tmp_path / "out.jsonl"
    assert forum.export_jsonl(out) == 4
    assert out.read_bytes() == GOLDEN.encode("utf-8")
    assert forum.export_jsonl(out) == 4 and out.read_bytes() == GOLDEN.encode("utf-8")  # over the old file
    page = forum.to_html(tmp_path / "out.html").read_text(encoding="utf-8")
    bundle = (STATIC / "standalone.js").read_text(encoding="utf-8")
    assert page.count(bundle) == 1
    assert hashlib.sha256(page.replace(bundle, "BUNDLE").encode()).hexdigest() == GOLDEN_HTML_SHA256
    assert forum.to_html(tmp_path / "again.html").read_text(encoding="utf-8") == page
    assert forum.tree_text() == GOLDEN_TREE
    assert hashlib.sha256(forum.to_graphviz().source.encode()).hexdigest() == GOLDEN_DOT_SHA256
    forum.store.close()


async def test_what_the_runtime_writes_exports_and_imports_again(forum, tmp_path):
    """Every reserved annotation the library writes passes import's checks (agent, timing, model, usage, sample,
    edited_from, awaiting)."""
    bot = af.scripted_agent("bot", ["first answer", "second answer"])
    root = forum.post("question")
    (a,) = await bot.quick_call(root, forum=forum)
    await bot.quick_call(root, forum=forum, sample=1)
    forum.edit(root, "question, edited")
    forum.write_annotations(a, {"awaiting": "user"})  # what ctx.ask writes while it waits
    notes = {m.id: dict(forum.annotations(m)) for m in forum}
    assert {"agent", "ttft_s", "duration_s", "tokens", "model", "usage", "finish_reason", "sample"} <= {
        k for n in notes.values() for k in n
    }
    assert any("edited_from" in n for n in notes.values()) and notes[a.id]["awaiting"] == "user"
    forum.export_jsonl(tmp_path / "run.jsonl")
    fresh = af.Forum()
    assert fresh.import_jsonl(tmp_path / "run.jsonl") == len(forum)
    assert {m.id: dict(fresh.annotations(m)) for m in fresh} == notes
    await fresh.aclose()


# -- bad paths ---------------------------------------------------------------------------------------------------
NOT_PATHS = [1, True, 2.5, None, b"out.jsonl", ["out.jsonl"], "", "a\0b"]


@pytest.mark.parametrize("path", NOT_PATHS, ids=repr)
@pytest.mark.parametrize("method", ["export_jsonl", "to_html"])
def test_a_path_that_is_no_path_is_refused_before_anything_is_written(tmp_path, monkeypatch, method, path):
    monkeypatch.chdir(tmp_path)
    forum = af.Forum()
    forum.post("hello")
    with pytest.raises(af.UsageError, match=rf"{method}\(\)"):
        getattr(forum, method)(path)
    assert listing(tmp_path) == []


@pytest.mark.parametrize("path", [p for p in NOT_PATHS if not isinstance(p, int)], ids=repr)
def test_import_refuses_a_path_that_is_no_path(tmp_path, monkeypatch, path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(af.UsageError, match=r"import_jsonl\(\)"):
        af.Forum().import_jsonl(path)


def test_import_of_an_int_never_reads_or_closes_that_file_descriptor(tmp_path):
    """``open(1)`` is stdout: ``import_jsonl(1)`` read it and closed it. Here a descriptor of our own stands in."""
    src = tmp_path / "f.jsonl"
    af.Forum().export_jsonl(src)
    fd = os.open(src, os.O_RDONLY)
    try:
        with pytest.raises(af.UsageError, match=r"import_jsonl\(\) takes a file path .* not int"):
            af.Forum().import_jsonl(fd)
        os.fstat(fd)  # still open
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # and never read
    finally:
        os.close(fd)


@pytest.mark.parametrize("method", ["export_jsonl", "to_html"])
def test_a_directory_or_a_missing_directory_is_named(tmp_path, method):
    forum = af.Forum()
    forum.post("hello")
    target = tmp_path / "adir"
    target.mkdir()
    (tmp_path / "afile").write_text("x")
    write = getattr(forum, method)
    with pytest.raises(af.UsageError, match=rf"{method}\(\): '{target}' is a directory"):
        write(target)
    with pytest.raises(af.UsageError, match=r"its directory '.*missing' does not exist"):
        write(tmp_path / "missing" / "x.out")
    with pytest.raises(af.UsageError, match=r"its directory '.*afile' is not a directory"):
        write(str(tmp_path / "afile" / "x.out"))
    assert listing(tmp_path) == ["adir", "afile"] and listing(target) == []
    assert len(forum) == 1


def test_an_overlong_file_name_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    forum = af.Forum()
    forum.post("hello")
    for write in (forum.export_jsonl, forum.to_html, forum.import_jsonl):
        with pytest.raises(af.UsageError, match=r"cannot (write|read) 'xxx.*': File name too long"):
            write("x" * 5000)
    assert listing(tmp_path) == []


class NotAPath:
    def __fspath__(self):
        return 42


def test_a_pathlike_that_gives_no_path_is_refused(tmp_path):
    with pytest.raises(af.UsageError, match=r"export_jsonl\(\) takes a file path .* not NotAPath"):
        af.Forum().export_jsonl(NotAPath())


def test_import_names_a_directory_or_a_missing_file(tmp_path):
    forum = af.Forum()
    with pytest.raises(af.UsageError, match=r"import_jsonl\(\): cannot read '.*': [Ii]s a directory"):
        forum.import_jsonl(tmp_path)
    with pytest.raises(af.UsageError, match=r"cannot read '.*nothing.jsonl'.* [Nn]o such file"):
        forum.import_jsonl(tmp_path / "nothing.jsonl")


# -- whole or nothing ---------------------------------------------------------------------------------------------
class Boom(Exception):
    pass


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "fallback"])
def test_a_failed_export_leaves_the_old_file_and_nothing_else(tmp_path, monkeypatch, unnamed):
    if not unnamed:
        monkeypatch.setattr(export, "_unnamed_file", lambda folder: None)  # as on a system without O_TMPFILE
    elif export._unnamed_file(str(tmp_path)) is None:
        pytest.skip("no O_TMPFILE here")
    forum = af.Forum()
    for i in range(5):
        forum.post(f"m{i}")
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    calls = [0]
    to_dict = af.Message.to_dict

    def failing(self):
        calls[0] += 1
        if calls[0] == 3:
            raise Boom("mid-way")
        return to_dict(self)

    monkeypatch.setattr(af.Message, "to_dict", failing)
    with pytest.raises(Boom):
        forum.export_jsonl(out)
    assert listing(tmp_path) == ["out.jsonl"] and out.read_text() == "old\n"
    monkeypatch.setattr(af.Message, "to_dict", to_dict)
    assert forum.export_jsonl(out) == 5 and listing(tmp_path) == ["out.jsonl"]
    assert forum.export_jsonl(tmp_path / "new.jsonl") == 5 and listing(tmp_path) == ["new.jsonl", "out.jsonl"]
    assert out.read_bytes() == (tmp_path / "new.jsonl").read_bytes()
    assert forum.to_html(out.with_suffix(".html")).read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert listing(tmp_path) == ["new.jsonl", "out.html", "out.jsonl"]


def test_when_linking_the_unnamed_file_fails_it_is_copied(tmp_path, monkeypatch):
    if export._unnamed_file(str(tmp_path)) is None:
        pytest.skip("no O_TMPFILE here")

    def refuse(fd, target):
        raise PermissionError(errno.EPERM, "linkat refused")  # as under a /proc that forbids it

    monkeypatch.setattr(export, "_give_name", refuse)
    forum = golden_forum(tmp_path)
    out = tmp_path / "out.jsonl"
    assert forum.export_jsonl(out) == 4 and out.read_bytes() == GOLDEN.encode("utf-8")
    assert listing(tmp_path) == ["golden.jsonl", "out.jsonl"]


def test_written_files_get_the_usual_permissions(tmp_path):
    forum = af.Forum()
    forum.post("x")
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("reads the umask from /proc")
    umask = int(next(x for x in status.read_text().splitlines() if x.startswith("Umask:")).split()[1], 8)
    assert (os.stat(forum.to_html(tmp_path / "t.html")).st_mode & 0o777) == 0o666 & ~umask


KILLED_CHILD = r"""
import sys
import agentforum_nb as af

forum = af.Forum()
for i in range(200):
    forum.post(f"message {i} " + "x" * 200)
to_dict = af.Message.to_dict
calls = [0]

def paused(self):
    calls[0] += 1
    if calls[0] == 100:  # half of the file written: say so, then wait for a line that never comes
        print("mid-way", flush=True)
        sys.stdin.readline()
    return to_dict(self)

af.Message.to_dict = paused
forum.export_jsonl(sys.argv[1])
print("finished", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_an_export_killed_mid_way_leaves_no_temporary_file(tmp_path):
    if export._unnamed_file(str(tmp_path)) is None:
        pytest.skip("no O_TMPFILE here: the fallback's temporary file cannot outlive a SIGKILL")
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    errors = tmp_path / "child.stderr"
    with open(errors, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_CHILD, str(out)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
    try:
        assert proc.stdout.readline() == "mid-way\n", errors.read_text()  # the child is writing the file now
        assert listing(tmp_path) == ["child.stderr", "out.jsonl"]
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdin.close()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert listing(tmp_path) == ["child.stderr", "out.jsonl"] and out.read_text() == "old\n"


# -- reserved annotations on import -------------------------------------------------------------------------------
BAD_RESERVED = [
    ("created_at", "2026-12-p7T21:30:43.123Z"),
    ("created_at", "2026-12-01T21:30:43Z"),
    ("created_at", "2026-12-01T21:30:43.123456Z"),
    ("created_at", "2026-13-01T21:30:43.123Z"),
    ("created_at", "2026-02-30T21:30:43.123Z"),
    ("created_at", "2026-12-01 21:30:43.123Z"),
    ("created_at", "2026-12-01T21:30:43.123+00:00"),
    ("created_at", "２０２６-12-01T21:30:43.123Z"),
    ("created_at", 1764624643),
    ("agent", 3),
    ("agent", ["bot"]),
    ("ttft_s", -0.5),
    ("ttft_s", "0.5"),
    ("duration_s", True),
    ("tokens", 1.5),
    ("tokens", -1),
    ("tokens", False),
    ("model", {"name": "x"}),
    ("finish_reason", ["stop"]),
    ("usage", "21 in, 17 out"),
    ("usage", {"input_tokens": 1.5}),
    ("usage", {"input_tokens": -3}),
    ("usage", {"input_tokens": True}),
    ("usage", {"details": {"cached": 1}}),
    ("edited_from", "abc123"),
    ("edited_from", "A" * 64),
    ("edited_from", 7),
    ("awaiting", 1),
    ("calls", {"agent": "echo"}),
    ("calls", [{"agent": "echo", "version": "v", "kwargs": {}, "sample": -1}]),
    ("calls", [{"agent": "echo", "kwargs": {}, "sample": 0}]),
    ("sample", -1),
    ("sample", True),
]


def test_every_reserved_name_is_checked():
    assert {k for k, _ in BAD_RESERVED} == af.forum.RESERVED_ANNOTATIONS


@pytest.mark.parametrize(("key", "value"), BAD_RESERVED, ids=lambda v: repr(v)[:30])
def test_a_garbled_reserved_annotation_is_a_bad_line(tmp_path, key, value):
    lines = GOLDEN.splitlines()
    bad = json.loads(lines[2])
    bad["annotations"] = {"note": "fine", key: value}
    (tmp_path / "bad.jsonl").write_text("\n".join([lines[0], lines[1], json.dumps(bad), lines[3]]) + "\n")
    forum = af.Forum()
    first = af.Message.from_dict({k: v for k, v in json.loads(lines[0]).items() if k != "annotations"})
    forum.add(first)
    forum.annotate(first, label="mine")
    before = dict(forum.annotations(first))
    with pytest.raises(af.IntegrityError, match=rf"line 3 of .*annotation '{key}' must be") as info:
        forum.import_jsonl(tmp_path / "bad.jsonl")
    assert info.value.line == 3 and "nothing was imported" in str(info.value)
    assert len(forum) == 1 and dict(forum.annotations(first)) == before  # the file's first line merged nothing


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("created_at", "2026-12-01T21:30:43.123Z"),
        ("created_at", "1999-02-28T00:00:00.000Z"),
        ("ttft_s", 0),
        ("duration_s", 12.5),
        ("tokens", 0),
        ("usage", {}),
        ("usage", {"input_tokens": 21, "output_tokens": 17, "cache_read_input_tokens": 0}),
        ("sample", 3),
        ("awaiting", "user"),
        ("edited_from", "f00608e712d404e145e8c7562bb4f69b88bd88453538ec6a7bc0ea5ad6217a03"),
        ("agent", ""),
        ("model", None),  # null: no value (as everywhere in annotations)
    ],
    ids=repr,
)
def test_good_reserved_annotations_import(tmp_path, key, value):
    line = json.loads(GOLDEN.splitlines()[0])
    line["annotations"] = {key: value}
    (tmp_path / "ok.jsonl").write_text(json.dumps(line) + "\n")
    forum = af.Forum()
    assert forum.import_jsonl(tmp_path / "ok.jsonl") == 1
    notes = forum.annotations(line["id"])
    assert (key not in notes) if value is None else (notes[key] == value)
