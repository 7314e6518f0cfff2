"""The text-safety helpers every renderer shares."""

import pytest

from digestbot.core.text import fit, pack_lines, safe_url, split_list_lines


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


def test_an_overlong_list_line_breaks_between_its_items() -> None:
    line = " · ".join(["item"] * 10)  # 67 characters
    assert split_list_lines([line], 67) == [line]
    broken = split_list_lines([line], 66)
    assert broken == [" · ".join(["item"] * 9), "item"]
    assert split_list_lines(["x" * 30], 10) == ["x" * 30]  # one item: whole, never cut


def test_lines_pack_up_to_the_limit_and_no_further() -> None:
    assert pack_lines(["aaaa", "bbbb"], 9) == ["aaaa\nbbbb"]
    assert pack_lines(["aaaa", "bbbb"], 8) == ["aaaa", "bbbb"]
    assert pack_lines([], 8) == []
