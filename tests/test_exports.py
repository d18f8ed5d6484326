"""Our public names match the contract (API.md, kept in the shared documents beside the repository)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import agentforum_nb as af

ROOT = Path(__file__).resolve().parents[1]
API = ROOT.parent / "shared" / "API.md"
#: the sections of API.md that are built; each issue that builds a section adds it here (never export a stub to
#: make this pass)
BUILT_SECTIONS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}


def api_sections() -> dict[int, str]:
    """API.md's text by section number (``## N. Title``)."""
    out: dict[int, str] = {}
    current = None
    for line in API.read_text(encoding="utf-8").splitlines():
        m = re.match(r"## (\d+)\. ", line)
        if m:
            current = int(m.group(1))
        if current is not None:
            out[current] = out.get(current, "") + line + "\n"
    return out


def test_all_names_exist():
    for name in af.__all__:
        assert getattr(af, name) is not None, name


@pytest.mark.skipif(not API.exists(), reason="shared/API.md is not beside the repository")
def test_every_af_name_of_the_built_sections_is_exported():
    sections = api_sections()
    assert set(sections) >= BUILT_SECTIONS
    text = "".join(sections[n] for n in sorted(BUILT_SECTIONS))
    names = set(re.findall(r"\baf\.([A-Za-z_]\w*)", text))
    missing = sorted(n for n in names if n not in af.__all__)
    assert not missing, (
        f"names in API.md sections {sorted(BUILT_SECTIONS)} that agentforum_nb does not export: {missing}"
    )


@pytest.mark.skipif(not API.exists(), reason="shared/API.md is not beside the repository")
def test_every_exported_name_is_in_api_md_or_the_docs():
    docs = API.read_text(encoding="utf-8") + (ROOT / "README.md").read_text(encoding="utf-8")
    docs += "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))
    undocumented = sorted(n for n in af.__all__ if not re.search(rf"\baf\.{n}\b|`{n}`", docs))
    assert not undocumented, f"exported but documented nowhere (API.md, README.md, docs/): {undocumented}"


def test_error_hierarchy():
    assert issubclass(af.InvalidMessageError, ValueError) and issubclass(af.MessageNotFound, KeyError)
    for cls in (
        af.InvalidMessageError,
        af.MessageNotFound,
        af.IntegrityError,
        af.AgentError,
        af.CallCancelled,
        af.UsageError,
    ):
        assert issubclass(cls, af.AgentForumError)


def test_members_named_by_the_contract():
    forum_members = [
        "post",
        "get",
        "history",
        "children",
        "roots",
        "forward",
        "to_graphviz",
        "export_jsonl",
        "import_jsonl",
        "aclose",
        "cache_clear",
    ]
    assert all(callable(getattr(af.Forum, m)) for m in forum_members)
    assert all(hasattr(af.AgentCall, m) for m in ["send", "finish", "responses", "cancel", "done"])
    assert all(hasattr(af.Context, m) for m in ["respond", "history"])
    assert all(hasattr(af.MessageSequence, m) for m in ["cancel", "text", "__aiter__", "__await__"])
    assert all(hasattr(af.MessagePromise, m) for m in ["done", "__aiter__", "__await__"])
    assert all(hasattr(af.Message, m) for m in ["verify"])


def test_members_named_by_sections_8_to_13():
    from agentforum_nb.notebook import TreeView

    forum_members = ["annotations", "annotate", "search", "common_ancestor", "to_html", "edit", "questions", "refresh"]
    missing = [m for m in forum_members if not callable(getattr(af.Forum, m, None))]
    assert not missing, missing
    assert callable(af.Agent.samples)
    assert callable(af.Context.ask) and hasattr(af.Context, "sample")
    assert callable(af.MessagePromise.parse) and callable(af.MessageSequence.parse)
    assert callable(TreeView.compare)
    assert {"tools", "max_tool_rounds", "output_type", "output_retries"} <= set(
        inspect.signature(af.scripted_agent).parameters
    )
    assert "provider" in inspect.signature(af.llm).parameters
