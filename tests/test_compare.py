"""Comparing two branches (API.md section 9): the word-level diff, the alignment from the common ancestor, the
totals, and TreeView.compare / Shift-click through the widget protocol."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import agentforum_nb as af
from agentforum_nb.compare import WORD_LIMIT, compare_branches, word_diff


def sides(diff):
    left = "".join(t for op, t in diff if op in "=-")
    right = "".join(t for op, t in diff if op in "=+")
    return left, right


def test_word_diff_marks_changed_words():
    d = word_diff("the quick brown fox", "the slow brown fox jumps")
    assert d == (("=", "the "), ("-", "quick"), ("+", "slow"), ("=", " brown fox"), ("+", " jumps"))


def test_word_diff_of_equal_and_empty_texts():
    assert word_diff("same", "same") == (("=", "same"),)
    assert word_diff("", "") == ()
    assert word_diff("", "new") == (("+", "new"),)
    assert word_diff("old", "") == (("-", "old"),)


def test_word_diff_punctuation_is_its_own_word():
    d = word_diff("Hello, world.", "Hello! world.")
    assert ("-", ",") in d and ("+", "!") in d
    assert ("=", "Hello") in d


def test_long_texts_are_diffed_line_by_line_then_by_words():
    base = [f"line {i} has some words in it" for i in range(WORD_LIMIT // 4)]
    changed = list(base)
    changed[7] = "line 7 has other words in it"
    left, right = "\n".join(base), "\n".join(changed)
    d = word_diff(left, right)
    assert sides(d) == (left, right)
    assert ("-", "some") in d and ("+", "other") in d
    assert sum(len(t) for op, t in d if op != "=") == len("some") + len("other")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.text(max_size=80))
def test_word_diff_rebuilds_both_texts(a, b):
    d = word_diff(a, b)
    assert sides(d) == (a, b)
    for (op1, _), (op2, _) in zip(d, d[1:], strict=False):
        assert op1 != op2  # runs are merged
    assert all(t for _, t in d)


def test_compare_aligns_the_branches_below_their_common_ancestor(forum):
    q = forum.post("Write a haiku about rain")
    a1 = forum.post("Soft rain on the roof", parent=q, sender="poet")
    a2 = forum.post("Hard rain on the roof", parent=q, sender="poet")
    f1 = forum.post("shorter please", parent=a1)
    forum.write_annotations(a1, {"duration_s": 1.5, "tokens": 6})
    forum.write_annotations(f1, {"duration_s": 0.25})
    forum.write_annotations(a2, {"duration_s": 2.0, "tokens": 9})
    c = compare_branches(forum, f1, a2)
    assert c.ancestor == q
    assert c.left.messages == (a1, f1) and c.right.messages == (a2,)
    assert (c.left.duration_s, c.left.tokens) == (1.75, 6)
    assert (c.right.duration_s, c.right.tokens) == (2.0, 9)
    assert [(r.left, r.right) for r in c.rows] == [(a1, a2), (f1, None)]
    assert c.rows[0].diff == (("-", "Soft"), ("+", "Hard"), ("=", " rain on the roof"))
    assert c.rows[1].diff == (("-", "shorter please"),)
    js = c.to_json()
    assert js["ancestor"] == q.id and js["left"]["ids"] == [a1.id, f1.id] and js["right"]["tokens"] == 9
    assert js["rows"][1]["right"] is None and js["rows"][0]["diff"][0] == ["-", "Soft"]
    assert "Soft" in str(c)


def test_compare_of_a_message_and_its_descendant(forum):
    q = forum.post("q")
    a = forum.post("a", parent=q, sender="bot")
    c = compare_branches(forum, q, a)
    assert c.ancestor == q and c.left.messages == () and c.left.head == q and c.right.messages == (a,)


def test_compare_across_roots_has_no_ancestor(forum):
    x, y = forum.post("one tree"), forum.post("another tree")
    c = compare_branches(forum, x, y)
    assert c.ancestor is None
    assert c.rows[0].diff == (("-", "one"), ("+", "another"), ("=", " tree"))


def test_totals_ignore_values_that_are_not_numbers(forum):
    q = forum.post("q")
    a = forum.post("a", parent=q, sender="bot")
    forum.annotate(a, note="n")
    forum.write_annotations(a, {"duration_s": "slow", "tokens": True})
    c = compare_branches(forum, a, q)
    assert (c.left.duration_s, c.left.tokens) == (0.0, 0)


def test_compare_of_unknown_message_raises(forum):
    q = forum.post("q")
    try:
        compare_branches(forum, q, "ab" * 32)
    except af.MessageNotFound as exc:
        assert "abab" in str(exc)
    else:
        raise AssertionError("compare of an unknown id must raise MessageNotFound")


def test_three_branches_are_aligned_from_the_ancestor_they_all_share(forum):
    q = forum.post("Write a haiku about rain")
    a = [forum.post(f"Rain number {k} falls", parent=q, sender="poet") for k in range(3)]
    deeper = forum.post("Thanks", parent=a[1])
    c = compare_branches(forum, a[0], deeper, a[2])
    assert c.ancestor == q and [len(s.messages) for s in c.sides] == [1, 2, 1]
    first, second = c.rows
    assert first.messages == (a[0], a[1], a[2])
    assert first.diffs[2] == (("=", "Rain number "), ("-", "0"), ("+", "2"), ("=", " falls"))
    assert second.messages == (None, deeper, None) and second.diffs[1] == (("+", "Thanks"),)
    assert "side 3" in str(c)
    with __import__("pytest").raises(af.UsageError, match="at most 8 branches"):
        compare_branches(forum, *a, *a, *a)


def test_sender_colours_never_look_like_errors():
    from agentforum_nb.palette import PALETTE, looks_like_error, sender_colour

    assert looks_like_error("#fee2e2") and looks_like_error("#dc2626")  # what errors use
    assert not any(looks_like_error(c) for c in PALETTE)
    assert not any(looks_like_error(sender_colour(f"agent{i}")) for i in range(200))


def test_each_side_sums_what_its_answers_cost(forum):
    q = forum.post("q")
    a1 = forum.post("a1", parent=q, sender="bot")
    f1 = forum.post("more", parent=a1)
    g1 = forum.post("a1 again", parent=f1, sender="bot")
    a2 = forum.post("a2", parent=q, sender="bot")
    a3 = forum.post("a3", parent=q, sender="bot")
    forum.write_annotations(a1, {"cost_usd": 0.0125})
    forum.write_annotations(g1, {"cost_usd": 0.0025})
    forum.write_annotations(a2, {"cost_usd": True})  # not a number: not a cost
    c = compare_branches(forum, g1, a2, a3)
    assert (c.sides[0].cost_usd, c.sides[0].priced) == (0.015, 2)
    assert (c.sides[1].cost_usd, c.sides[1].priced) == (None, 0)  # nothing priced: no cost at all, not $0
    js = c.to_json()
    assert js["sides"][0]["cost_usd"] == 0.015 and js["sides"][0]["priced"] == 2
    assert js["left"]["cost_usd"] == 0.015 and js["right"]["cost_usd"] is None
    assert "$0.015" in str(c) and str(c).count("$") == 1
