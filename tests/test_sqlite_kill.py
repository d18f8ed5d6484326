"""A process killed with SIGKILL while posting loses nothing it reported as posted."""

from __future__ import annotations

import signal
import subprocess
import sys

import agentforum_nb as af

CHILD = """
import sys, agentforum_nb as af
forum = af.Forum(sys.argv[1])
parent = None
i = 0
while True:
    parent = forum.post(f"message {i} " + "x" * (i % 50), parent=parent, metadata={"i": i})
    print(parent.id, flush=True)   # reported only after post() returned
    i += 1
"""


def test_sigkill_mid_way_loses_nothing_reported(tmp_path):
    path = str(tmp_path / "kill.sqlite")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, path], stdout=subprocess.PIPE, text=True)
    reported = []
    try:
        for line in proc.stdout:  # read until enough posts were reported, then kill mid-way
            reported.append(line.strip())
            if len(reported) >= 300:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    forum = af.Forum(path)  # opens cleanly
    for mid in reported:
        assert mid in forum
        forum.get(mid).verify()
    assert forum.verify() >= len(reported)
    assert [m.id for m in forum.history(reported[-1])] == reported
    forum.store.close()
