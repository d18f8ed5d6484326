"""A process killed with SIGKILL while posting to a SQLite forum loses nothing that ``post`` had returned.

The child prints each id only after ``post`` returned; the parent reads the pipe until N ids arrived and kills
the child at once (it is mid-way through further posts). No sleeps: the pipe is the synchronization.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import pytest

import agentforum_nb as af

N = 300

CHILD = r"""
import sys
import agentforum_nb as af

forum = af.Forum(sys.argv[1])
parent = None
root = None
i = 0
while True:
    if i % 7 == 3:  # a side branch now and then, with a reply and metadata
        msg = forum.post(f"side {i} \u00e9\U0001F600", parent=root, reply_to=parent, metadata={"i": i, "f": i / 3})
    else:
        msg = forum.post(f"message {i} " + "x" * (i % 50), parent=parent, metadata={"i": i})
        parent = msg
    root = root or msg
    print(msg.id, flush=True)  # reported only after post() returned
    i += 1
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_way_loses_nothing_reported(tmp_path):
    path = tmp_path / "kill.sqlite"
    errors = tmp_path / "child.stderr"
    with open(errors, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, stderr=err, text=True)
    reported: list[str] = []
    try:
        for line in proc.stdout:  # blocks until the child has reported the next post
            reported.append(line.strip())
            if len(reported) >= N:
                proc.send_signal(signal.SIGKILL)  # mid-way through the next post()
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
    assert len(reported) == N, errors.read_text()
    assert proc.returncode == -signal.SIGKILL

    con = sqlite3.connect(path)  # the file is a sound SQLite database (the WAL is recovered on open)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    forum = af.Forum(path)  # and opens cleanly as a forum
    try:
        assert len(forum) >= N
        for mid in reported:
            assert mid in forum
            assert forum.get(mid).verify().id == mid
        assert forum.verify() == len(forum)
        main_branch = [m.id for m in forum.history(reported[-1])]
        assert set(main_branch) <= set(reported) and main_branch[0] == reported[0]
        # the child can carry on where it was killed
        assert forum.post("after the crash", parent=reported[-1]).verify()
    finally:
        forum.store.close()
