"""The text-safety helpers every renderer shares."""

import pytest

from digestbot.core.lines import list_lines
from digestbot.core.text import fit, one_line, pack_lines, safe_url


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("HTTP://Example.com/", "HTTP://Example.com/"),
        ("https://x.org/a|b]", "https://x.org/a%7Cb%5D"),
        ("javascript:alert(1)", None),
        ("ftp://example.com/", None),
        ("https://", None),
        ("https:///path", None),
        ("http://?q", None),
        ("", None),
    ],
)
def test_safe_url_keeps_only_web_links_with_a_host(url: str, safe: str | None) -> None:
    assert safe_url(url) == safe


@pytest.mark.parametrize("limit", [0, 1, 2, 5])
def test_fit_ends_for_any_limit(limit: int) -> None:
    fitted = fit("a rather long line of words", limit, lambda text: text.replace("a", "aa"))
    assert len(fitted) <= limit


def test_a_list_breaks_into_more_lines_only_between_its_items() -> None:
    items = ["item"] * 10
    line = "Label: " + " · ".join(items)  # 74 characters
    assert list_lines("Label:", items, 74) == [line]
    assert list_lines("Label:", items, 73) == ["Label: " + " · ".join(["item"] * 9), "item"]
    assert list_lines("L:", ["a · b", "c"], 6) == ["L: a · b", "c"]  # an item is never cut
    assert list_lines("L:", ["x" * 30], 10) == ["L: " + "x" * 30]  # one item: whole


def test_lines_pack_up_to_the_limit_and_no_further() -> None:
    assert pack_lines(["aaaa", "bbbb"], 9) == ["aaaa\nbbbb"]
    assert pack_lines(["aaaa", "bbbb"], 8) == ["aaaa", "bbbb"]
    assert pack_lines([], 8) == []


@pytest.mark.parametrize(
    "text",
    [
        "👩\u200d💻 👨\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈",  # emoji ZWJ sequences
        "می\u200cخواهم",  # Persian: "I want", the prefix held apart by a ZWNJ
        "क्\u200dष",  # Devanagari: a half form asked for with a ZWJ
    ],
)
def test_joiners_are_kept_as_part_of_the_text(text: str) -> None:
    assert one_line(text) == text


def test_a_joiner_with_nothing_to_join_is_dropped() -> None:
    assert one_line("\u200d") == ""
    assert one_line("\u200cword\u200d \u200d\u200c next") == "word next"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("abc\u202egnp.exe", "abcgnp.exe"),  # right-to-left override
        ("\u2066isolated\u2069 \u200fmark\u061c", "isolated mark"),  # isolates and marks
        ("zero\u200bwidth\ufeff soft\u00adhyphen", "zerowidth softhyphen"),
        ("tag\U000e0041\U000e0042 bell\x07 nul\x00", "tag bell nul"),  # invisible tags, controls
        ("lone \ud800surrogate", "lone surrogate"),  # no UTF-8 payload can carry it
        ("two\nlines\t and\u2028more", "two lines and more"),
    ],
)
def test_what_can_hide_or_reorder_text_is_stripped(text: str, shown: str) -> None:
    assert one_line(text) == shown
