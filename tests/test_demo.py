"""The README's first command: `python -m agentforum_nb demo` (and its --db cache re-run)."""

from __future__ import annotations

import shutil
import subprocess
import sys


def run_demo(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "agentforum_nb", "demo", "--fast", *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_demo_streams_branches_and_prints_the_tree(tmp_path):
    out = run_demo("--out", str(tmp_path))
    assert "researcher via panel │ Yes. Content addressing" in out
    assert "── branch:" in out
    assert "├─ " in out and "[forward]" in out
    dot = (tmp_path / "agentforum_demo.dot").read_text()
    assert dot.startswith("digraph forum")
    if shutil.which("dot"):  # with a Graphviz binary the demo renders SVG as well
        assert (tmp_path / "agentforum_demo.svg").read_text().lstrip().startswith("<?xml")
        assert "agentforum_demo.svg" in out


def test_demo_second_run_is_served_from_the_cache(tmp_path):
    db = str(tmp_path / "demo.sqlite")
    first = run_demo("--db", db, "--out", str(tmp_path))
    assert "Stored 8 new messages" in first
    second = run_demo("--db", db, "--out", str(tmp_path))
    assert "Served from the cache" in second and "no new messages" in second
    assert first.split("The tree")[1].splitlines()[1:9] == second.split("The tree")[1].splitlines()[1:9]
