"""Our public names match the contract (API.md, kept in the shared documents beside the repository)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import agentforum_nb as af

API = Path(__file__).resolve().parents[2] / "shared" / "API.md"


def test_all_names_exist():
    for name in af.__all__:
        assert getattr(af, name) is not None, name


@pytest.mark.skipif(not API.exists(), reason="shared/API.md is not beside the repository")
def test_every_af_name_in_api_md_is_exported():
    names = set(re.findall(r"\baf\.([A-Za-z_]\w*)", API.read_text(encoding="utf-8")))
    missing = sorted(n for n in names if n not in af.__all__)
    assert not missing, f"names in API.md that agentforum_nb does not export: {missing}"


def test_error_hierarchy():
    assert issubclass(af.InvalidMessageError, ValueError) and issubclass(af.MessageNotFound, KeyError)
    for cls in (af.InvalidMessageError, af.MessageNotFound, af.IntegrityError, af.AgentError, af.CallCancelled,
                af.UsageError):
        assert issubclass(cls, af.AgentForumError)


def test_members_named_by_the_contract():
    forum_members = ["post", "get", "history", "children", "roots", "forward", "to_graphviz", "export_jsonl",
                     "import_jsonl", "aclose", "cache_clear"]
    assert all(callable(getattr(af.Forum, m)) for m in forum_members)
    assert all(hasattr(af.AgentCall, m) for m in ["send", "finish", "responses", "cancel", "done"])
    assert all(hasattr(af.Context, m) for m in ["respond", "history"])
    assert all(hasattr(af.MessageSequence, m) for m in ["cancel", "text", "__aiter__", "__await__"])
    assert all(hasattr(af.MessagePromise, m) for m in ["done", "__aiter__", "__await__"])
    assert all(hasattr(af.Message, m) for m in ["verify"])
