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


def test_readme_notebook_table_lists_every_notebook():
    listed = re.findall(r"^\| `([^`]+\.(?:ipynb|py))` \|", README.read_text(encoding="utf-8"), re.M)
    shipped = [p.name for p in (README.parent / "notebooks").iterdir() if p.suffix in {".ipynb", ".py"}]
    assert sorted(listed) == sorted(shipped)


def test_no_doc_says_regenerate_bypasses_the_cache():
    """Regenerate asks for the next unused sample of the same request, cached like any call (API.md section 10);
    no doc, notebook, docstring or button title says it goes around the cache."""
    root = README.parent
    files = [README, *root.glob("docs/*.md"), *root.glob("notebooks/*"), *root.glob("agentforum_nb/**/*.py")]
    files += root.glob("js/src/**/*.js")
    wrong = re.compile(r"regenerat[^.]*?\b(bypass\w*|skip\w*|without|ignor\w*)\b[^.]*?\bcache", re.I)
    said = [f"{f.relative_to(root)}: {m.group(0)!r}" for f in files for m in wrong.finditer(f.read_text("utf-8"))]
    assert not said, said
