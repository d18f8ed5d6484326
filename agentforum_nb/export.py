"""A forum's tree in files and pictures: JSONL export and import, indented text, DOT and one HTML page.

:class:`~agentforum_nb.Forum` keeps the public methods (``export_jsonl``, ``import_jsonl``, ``tree_text``,
``to_graphviz``, ``to_html``) and delegates to the functions here, which use only its public API. The DOT graph is
built by ``_graphviz`` and the HTML page by ``_html``.

A file is written whole or not at all, and never leaves a temporary file behind: on Linux the text goes to an
unnamed file in the target's directory (``O_TMPFILE``) that gets its name only once it is complete (``linkat``
through ``/proc/self/fd``), so even a process killed mid-way leaves nothing; elsewhere it goes to a hidden
temporary file next to the target, renamed over it at the end and removed on any error.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .annotations import check_annotations, reserved_problem, utc_now
from .attachments import MAX_BYTES, Attachment, BytesSource
from .errors import IntegrityError, InvalidMessageError, UsageError
from .events import ForumEvent
from .messages import Message, with_attachment_source
from .store import SupportsAttachments, merge_annotations

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

    from .forum import Forum, MessageRef

__all__ = ["export_jsonl", "import_jsonl", "to_graphviz", "to_html", "tree_text"]

_REFS = ("parent_id", "reply_to_id", "original_id")


# -- paths and files ---------------------------------------------------------------------------------------
def _path_text(path: object, what: str) -> str:
    """``path`` as a str, checked before anything is opened: a str or an ``os.PathLike`` of one (an int would be
    taken by ``open()`` as a file descriptor: ``import_jsonl(1)`` would read and then close stdout)."""
    try:
        text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    except TypeError:  # an os.PathLike whose __fspath__ gives neither str nor bytes
        text = None
    if not isinstance(text, str):
        raise UsageError(f"{what}() takes a file path (a str or a pathlib.Path), not {type(path).__name__}: {path!r}")
    if not text:
        raise UsageError(f"{what}() takes a file path, not an empty string")
    if "\0" in text:
        raise UsageError(f"{what}(): the path {text!r} contains a NUL character")
    try:
        os.fsencode(text)
    except UnicodeEncodeError:
        raise UsageError(f"{what}(): the path {text!r} cannot be encoded for the file system") from None
    return text


def _target(path: object, what: str) -> str:
    """The path of a file to write: not a directory, in a directory that exists (else :class:`UsageError`)."""
    text = _path_text(path, what)
    if os.path.isdir(text):
        raise UsageError(f"{what}(): {text!r} is a directory: give the path of a file to write")
    folder = os.path.dirname(text) or "."
    if not os.path.isdir(folder):
        why = "is not a directory" if os.path.exists(folder) else "does not exist"
        raise UsageError(f"{what}(): cannot write {text!r}: its directory {folder!r} {why}")
    return text


def _os_problem(what: str, text: str, exc: OSError, doing: str = "write") -> UsageError:
    return UsageError(f"{what}(): cannot {doing} {text!r}: {exc.strerror or exc}")


def _unnamed_file(folder: str) -> int | None:
    """An unnamed file in ``folder``, opened for reading and writing (Linux ``O_TMPFILE``; permissions as
    ``open()`` gives them), or ``None`` where there is none (another system, a file system without it, no
    ``/proc``)."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
            return None  # not supported here: the kernel or the file system
        raise


def _spare_name(target: str, make: Callable[[str], None]) -> str:
    """``make(name)`` for a fresh hidden name next to ``target`` (a name within its directory); returns it."""
    base = os.path.basename(target)
    while True:
        name = f".{base}.{secrets.token_hex(6)}.tmp"
        try:
            make(name)
            return name
        except FileExistsError:
            continue


def _give_name(fd: int, target: str) -> None:
    """Link the unnamed file ``fd`` at ``target``, replacing a file that is there."""
    source = f"/proc/self/fd/{fd}"
    folder_fd = os.open(os.path.dirname(target) or ".", os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        name = os.path.basename(target)
        try:  # dst_dir_fd makes os.link call linkat(..., AT_SYMLINK_FOLLOW): the link is to the file, not /proc's
            os.link(source, name, dst_dir_fd=folder_fd)
            return
        except FileExistsError:
            pass
        # a file is there: the new one gets a spare name and replaces it by a rename (both in this directory; the
        # spare name exists only between these two calls)
        spare = _spare_name(target, lambda n: os.link(source, n, dst_dir_fd=folder_fd))
        try:
            os.replace(spare, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(spare, dir_fd=folder_fd)
            raise
    finally:
        os.close(folder_fd)


@contextlib.contextmanager
def _named_temporary(target: str, what: str) -> Iterator[IO[str]]:
    """The fallback of :func:`_atomic_text`: a hidden file next to ``target``, renamed over it at the end and
    removed on any error (a process killed mid-way leaves it behind)."""
    folder = os.path.dirname(target) or "."
    spare = [""]

    def create(name: str) -> None:
        spare[0] = os.path.join(folder, name)
        os.close(os.open(spare[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))

    try:
        _spare_name(target, create)
    except OSError as exc:
        raise _os_problem(what, target, exc) from None
    try:
        with open(spare[0], "w", encoding="utf-8", newline="\n") as f:
            yield f
        try:
            os.replace(spare[0], target)
        except OSError as exc:
            raise _os_problem(what, target, exc) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(spare[0])
        raise


@contextlib.contextmanager
def _atomic_text(target: str, what: str) -> Iterator[IO[str]]:
    """A text file that appears at ``target`` (replacing it) once the block ends without an error, else not at
    all; no temporary file is left behind (see the module's docstring)."""
    try:
        fd = _unnamed_file(os.path.dirname(target) or ".")
    except OSError as exc:
        raise _os_problem(what, target, exc) from None
    if fd is None:
        with _named_temporary(target, what) as f:
            yield f
        return
    with open(fd, "w+", encoding="utf-8", newline="\n") as f:
        yield f
        f.flush()
        try:
            _give_name(fd, target)
            return
        except OSError:  # e.g. /proc that does not let a file be linked: copy it to a named temporary file
            f.seek(0)
        with _named_temporary(target, what) as named:
            shutil.copyfileobj(f, named)


# -- JSONL ---------------------------------------------------------------------------------------------------
def _ordered(messages: list[Message]) -> list[Message]:
    """``messages`` with the parent, reply target and original of each (those among them) before it."""
    ids = {m.id for m in messages}
    done: set[str] = set()
    out: list[Message] = []
    pending = list(messages)
    while pending:
        deferred = []
        for m in pending:
            refs = [r for r in (m.parent_id, m.reply_to_id, m.original_id) if r is not None and r in ids]
            if all(r in done for r in refs):
                out.append(m)
                done.add(m.id)
            else:
                deferred.append(m)
        if len(deferred) == len(pending):  # a cycle cannot happen with content addressing
            raise IntegrityError("cannot order messages for export: reference cycle")
        pending = deferred
    return out


def export_jsonl(forum: Forum, path: str | os.PathLike[str], *, root: MessageRef = None) -> int:
    """:meth:`Forum.export_jsonl`."""
    forum.check_open()
    target = _target(path, "export_jsonl")
    messages = _ordered(forum.subtree(root) if root is not None else list(forum))
    notes = forum.store.annotations_many([m.id for m in messages])
    written: set[str] = set()  # attachments whose bytes are in the file already
    with _atomic_text(target, "export_jsonl") as f:
        for m in messages:
            for a in m.attachments:  # the bytes once, on a line of their own before the first message with them
                if a.sha256 not in written:
                    written.add(a.sha256)
                    data = base64.b64encode(forum.attachment(a.sha256)).decode("ascii")
                    f.write(json.dumps({"attachment": a.sha256, "media_type": a.media_type, "data": data}))
                    f.write("\n")
            line = m.to_dict()
            extra = notes.get(m.id)
            if extra:
                line["annotations"] = extra  # outside the id: left out when empty
            f.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    return len(messages)


def import_jsonl(forum: Forum, path: str | os.PathLike[str]) -> int:
    """:meth:`Forum.import_jsonl`."""
    forum.check_open()
    text = _path_text(path, "import_jsonl")
    store = forum.store
    parsed: list[tuple[int, Message]] = []
    by_id: dict[str, Message] = {}
    notes: dict[str, dict[str, Any]] = {}
    blobs: dict[str, bytes] = {}  # the attachments' bytes in the file, checked against their hashes

    def bad(lineno: int, why: str) -> IntegrityError:
        return IntegrityError(f"line {lineno} of {text!r}{why}; nothing was imported", line=lineno)

    try:
        f = open(text, "rb")  # noqa: SIM115 (closed by the `with` below: only opening errors are told apart here)
    except OSError as exc:
        raise _os_problem("import_jsonl", text, exc, "read") from None
    with f:
        for lineno, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise bad(lineno, f" is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except (ValueError, RecursionError) as exc:
                why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
                raise bad(lineno, f" is not valid JSON ({why})") from None
            if isinstance(data, dict) and "attachment" in data and "id" not in data:
                problem = _attachment_line(data, blobs)
                if problem is not None:
                    raise bad(lineno, f": {problem}")
                continue
            if not isinstance(data, dict) or "id" not in data:
                raise bad(lineno, " is not a message object with an id (nor an attachment's bytes)")
            extra = data.pop("annotations", None)
            try:
                msg = Message.from_dict(data)
                if extra is not None:
                    if not isinstance(extra, dict):
                        raise InvalidMessageError(
                            f"annotations must be a JSON object, not {type(extra).__name__}", key="annotations"
                        )
                    checked = {k: v for k, v in check_annotations(extra).items() if v is not None}
                    for key, value in checked.items():
                        problem = reserved_problem(key, value)
                        if problem is not None:
                            raise InvalidMessageError(problem, key=f"annotations.{key}")
                    if checked:
                        notes[msg.id] = merge_annotations(notes.get(msg.id), checked)
            except (InvalidMessageError, IntegrityError) as exc:
                raise bad(lineno, f": {exc}") from None
            parsed.append((lineno, msg))
            by_id[msg.id] = msg
    for lineno, msg in parsed:
        for name in _REFS:
            ref = getattr(msg, name)
            if ref is not None and ref not in by_id and ref not in store:
                raise bad(lineno, f": {name} {ref} is neither in the file nor in the forum")
    attached = [(lineno, m) for lineno, m in parsed if m.attachments]
    if attached:
        if not isinstance(store, SupportsAttachments):
            raise UsageError(f"{type(store).__name__} does not keep attachments: the file's cannot be imported")
        hashes = {a.sha256 for _, m in attached for a in m.attachments}
        stored = store.has_attachments(sorted(hashes - blobs.keys()))
        for lineno, m in attached:
            for a in m.attachments:
                if a.sha256 not in blobs and a.sha256 not in stored:
                    raise bad(lineno, f": the bytes of attachment {a.sha256} are neither in the file nor in the forum")
        source = BytesSource(blobs)
        by_id.update((m.id, with_attachment_source(m, source)) for _, m in attached)
        parsed = [(lineno, by_id[m.id]) for lineno, m in parsed]
    new = [m for m in _ordered([m for _, m in parsed]) if m.id not in store]
    now = utc_now()
    for m in new:  # first stored now, unless the file says when
        notes.setdefault(m.id, {}).setdefault("created_at", now)
    new_ids = {m.id for m in new}
    known = [by_id[mid] for mid in notes if mid not in new_ids]  # annotations of stored messages: merged
    store.add_many(new + known, notes)
    if forum.has_listeners:
        for m in new:
            forum.emit(ForumEvent("message", m))
    return len(new)


def _attachment_line(data: dict[str, Any], blobs: dict[str, bytes]) -> str | None:
    """Read an attachment's line (``{"attachment": sha256, "media_type", "data": base64}``) into ``blobs``; what is
    wrong with it, or None."""
    unknown = set(data) - {"attachment", "media_type", "data"}
    if unknown:
        return f"unknown member(s) of an attachment line: {', '.join(sorted(unknown))}"
    sha, media_type, text = data.get("attachment"), data.get("media_type"), data.get("data")
    if not isinstance(text, str):
        return "an attachment line needs its bytes as base64 text in 'data'"
    if len(text) > (MAX_BYTES + 2) // 3 * 4:
        return f"the attachment is over the limit of {MAX_BYTES:,} bytes"
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        return f"the attachment's data is not base64 ({exc})"
    try:
        attachment = Attachment(raw, media_type if isinstance(media_type, str) else "", None)
    except InvalidMessageError as exc:
        return str(exc)
    if attachment.sha256 != sha:
        return f"the attachment's bytes hash to {attachment.sha256}, not {sha!r:.80}"
    blobs[attachment.sha256] = attachment.data
    return None


# -- pictures ------------------------------------------------------------------------------------------------
def tree_text(forum: Forum, root: MessageRef = None, *, max_chars: int = 60) -> str:
    """:meth:`Forum.tree_text`."""
    tops = [forum.resolve(root, "root")] if root is not None else forum.roots()
    store = forum.store
    lines: list[str] = []
    stack: list[tuple[Message, str, bool, bool]] = [
        (m, "", i == len(tops) - 1, True) for i, m in reversed(list(enumerate(tops)))
    ]
    while stack:
        msg, prefix, last, top = stack.pop()
        text = " ".join(msg.content.split())
        text = text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        tag = "" if msg.kind == "message" else f" [{msg.kind}]"
        tag += "" if msg.status == "complete" else f" [{msg.status}]"
        branch = "" if top else ("└─ " if last else "├─ ")
        lines.append(f"{prefix}{branch}{msg.id[:8]} {msg.sender}{tag}: {text}")
        kids = store.children(msg.id)
        child_prefix = prefix if top else prefix + ("   " if last else "│  ")
        for i in range(len(kids) - 1, -1, -1):
            stack.append((kids[i], child_prefix, i == len(kids) - 1, False))
    return "\n".join(lines)


def to_graphviz(forum: Forum, root: MessageRef = None, *, max_chars: int = 40) -> graphviz.Digraph:
    """:meth:`Forum.to_graphviz`."""
    forum.check_open()
    from ._graphviz import build_digraph  # imported here: the graphviz package only when drawing

    messages = forum.subtree(root) if root is not None else list(forum)
    return build_digraph(messages, max_chars=max_chars)


def to_html(forum: Forum, path: str | os.PathLike[str], *, root: MessageRef = None, title: str | None = None) -> Path:
    """:meth:`Forum.to_html`."""
    forum.check_open()
    from ._html import render_html

    target = _target(path, "to_html")
    messages = forum.subtree(root) if root is not None else list(forum)
    notes = forum.store.annotations_many(m.id for m in messages)
    attachments: dict[str, bytes] = {}  # every attachment's bytes, once: the page shows and downloads them
    for m in messages:
        for a in m.attachments:
            if a.sha256 not in attachments:
                attachments[a.sha256] = forum.attachment(a.sha256)
    authors = {}  # who wrote what a forward passes on, also when the original is outside the subtree
    for m in messages:
        if m.kind == "forward" and m.original_id is not None and m.original_id not in authors:
            original = forum.store.get(m.original_id)
            if original is not None:
                authors[original.id] = original.sender
    page = render_html(
        messages,
        notes,
        title=title or f"agentforum tree ({len(messages)} messages)",
        authors=authors,
        attachments=attachments,
    )
    with _atomic_text(target, "to_html") as f:
        f.write(page)
    return Path(path)
