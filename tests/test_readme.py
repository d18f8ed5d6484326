"""README examples run as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_python_examples_run(tmp_path):
    blocks = python_blocks()
    assert blocks
    for code in blocks:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "echo You said: hello" in proc.stdout and "critic Too short." in proc.stdout


def test_readme_names_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert "python -m agentforum_nb demo" in text and "bash scripts/test.sh" in text


def test_readme_images_and_doc_links_exist():
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?:docs|notebooks)/[^)#]+)\)", text)
    assert targets
    missing = [t for t in targets if not (README.parent / t).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"
