"""Every topic names and links the source it came from: in chat (full and headline
editions, Discord and Slack) always, on the blog only with `blog.link_sources`; and the
prompt's community is the subreddit or the source's name."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from digestbot.blog.hugo import HugoStyle, escape_markdown, render_hugo
from digestbot.chat.discord import render as discord_render
from digestbot.chat.slack import render as slack_render
from digestbot.config.settings import BlogSettings
from digestbot.core.models import Analysis, AnalysisStatus, Digest, DigestMode, SourcePost, Topic
from digestbot.core.topic_input import community, topic_input

MOMENT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
HN = "https://news.ycombinator.com/item?id=41"
REDDIT = "https://www.reddit.com/r/MachineLearning/comments/a1/x/"
ARTICLE = "https://www.example.com/news/a1"
HOSTILE = "@everyone <!channel> **x** [a](https://evil.example) ]( `c`"
OPEN_LINK = re.compile(r"(?<!\\)\]\(https://evil")  # a "](" no backslash escapes


def post(
    source: str, url: str, title: str = "A lab opens its weights", link: str = ""
) -> SourcePost:
    return SourcePost(f"{source}{url}", source, title, url, MOMENT, link=link)


def topic(first: SourcePost, *also: SourcePost, ok: bool = True) -> Topic:
    status = AnalysisStatus.OK if ok else AnalysisStatus.SKIPPED
    analysis = (
        Analysis(status, "Open weights help.", "Misuse is possible.") if ok else Analysis(status)
    )
    return Topic(first, first.title, analysis, None, also)


def digest(*topics: Topic, mode: DigestMode = DigestMode.FULL) -> Digest:
    return Digest(date(2026, 11, 20), MOMENT, "m", mode, topics, (), ())


def style(**changes: object) -> HugoStyle:
    return HugoStyle.of(BlogSettings().as_dict() | changes)


def discord_headline(d: Digest) -> str:
    return "\n".join(m.content or "" for m in discord_render.render_headline(d))


def discord_details(d: Digest) -> str:
    return "\n".join(e["description"] for m in discord_render.render_details(d) for e in m.embeds)


def slack_headline(d: Digest) -> str:
    blocks = [b for m in slack_render.render_headline(d) for b in m.blocks]
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


def slack_details(d: Digest) -> str:
    blocks = [b for m in slack_render.render_details(d) for b in m.blocks]
    return "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")


# A topic names its own source ------------------------------------------------------------


@pytest.mark.parametrize("mode", list(DigestMode))
def test_a_hacker_news_topic_names_hacker_news_linked_to_its_discussion(mode: DigestMode) -> None:
    d = digest(topic(post("Hacker News", HN)), mode=mode)
    assert f"**Sources:** [Hacker News](<{HN}>)" in discord_details(d)
    assert f"*Sources:* <{HN}|Hacker News>" in slack_details(d)
    # The headline's title links the discussion; the source's name follows it.
    assert f"1. [A lab opens its weights](<{HN}>) · Hacker News" in discord_headline(d)
    assert f"1. <{HN}|A lab opens its weights> · Hacker News" in slack_headline(d)
    shown = render_hugo(d, style(link_sources=True))
    assert f"   - *Sources:* [Hacker News](<{HN}>)" in shown
    assert "Hacker News" not in render_hugo(d, style())


def test_a_link_post_names_its_source_then_its_article_in_every_edition() -> None:
    d = digest(topic(post("reddit:MachineLearning", REDDIT, link=ARTICLE)))
    assert (
        f"**Sources:** [r/MachineLearning](<{REDDIT}>) · [article (example.com)](<{ARTICLE}>)"
        in discord_details(d)
    )
    assert f"*Sources:* <{REDDIT}|r/MachineLearning> · <{ARTICLE}|article (example.com)>" in (
        slack_details(d)
    )
    headline = (
        f"1. [A lab opens its weights](<{REDDIT}>) · r/MachineLearning · [article](<{ARTICLE}>)"
    )
    assert discord_headline(d).endswith(headline)
    assert f"[r/MachineLearning](<{REDDIT}>) · [article (example.com)](<{ARTICLE}>)" in (
        render_hugo(d, style(link_sources=True))
    )


def test_a_post_without_a_source_name_keeps_the_word_discussion() -> None:
    d = digest(topic(post("imported", REDDIT)))
    assert f"**Sources:** [discussion](<{REDDIT}>)" in discord_details(d)
    assert f"*Sources:* <{REDDIT}|discussion>" in slack_details(d)
    assert discord_headline(d).endswith(f"1. [A lab opens its weights](<{REDDIT}>)")
    assert f"[discussion](<{REDDIT}>)" in render_hugo(d, style(link_sources=True))


# A story posted on two sources names both -----------------------------------------------


def test_a_story_from_two_sources_names_both() -> None:
    same = post("r/MachineLearning", REDDIT + "b2", title="[N] Weights are out")
    other = post("Hacker News", HN, title="Weights are out, says lab")
    d = digest(topic(post("r/MachineLearning", REDDIT), same, other))
    discord = discord_details(d)
    assert f"[r/MachineLearning](<{REDDIT}>)" in discord
    assert f"[also: Weights are out](<{REDDIT}b2>)" in discord  # same source: not repeated
    assert f"[also on Hacker News: Weights are out, says lab](<{HN}>)" in discord
    assert f"<{HN}|also on Hacker News: Weights are out, says lab>" in slack_details(d)
    blog = render_hugo(d, style(link_sources=True))
    assert f"[also on Hacker News: Weights are out, says lab](<{HN}>)" in blog
    assert discord_headline(d).endswith(f" · r/MachineLearning · also on [Hacker News](<{HN}>)")
    assert slack_headline(d).endswith(f" · r/MachineLearning · also on <{HN}|Hacker News>")


def test_a_headline_names_each_other_source_once() -> None:
    arxiv = "https://arxiv.org/abs/2611.00001"
    others = [post("Hacker News", HN), post("Hacker News", HN + "2"), post("arXiv cs.LG", arxiv)]
    d = digest(topic(post("r/MachineLearning", REDDIT), *others), mode=DigestMode.HEADLINES)
    line = discord_headline(d).splitlines()[-1]
    assert line.endswith(f" · also on [Hacker News](<{HN}>), [arXiv cs.LG](<{arxiv}>)")
    assert line.count("Hacker News") == 1


# Hostile names stay inert ---------------------------------------------------------------


def test_a_hostile_source_name_stays_inert_everywhere() -> None:
    d = digest(topic(post(HOSTILE, HN), post(HOSTILE + "2", HN + "2"), ok=False))
    for text in (discord_headline(d), discord_details(d)):
        assert discord_render.escape(HOSTILE, 200) in text
        assert "@everyone" not in text and not OPEN_LINK.search(text) and "**x**" not in text
        assert text.count("](<") == text.count("[") - text.count("\\[")  # only our own links
    for text in (slack_headline(d), slack_details(d)):
        assert slack_render.escape(HOSTILE, 200) in text
        assert "<!channel>" not in text and "<https://evil" not in text
    blog = render_hugo(d, style(link_sources=True))
    assert escape_markdown(HOSTILE) in blog
    assert "<!channel>" not in blog and not OPEN_LINK.search(blog) and "**x**" not in blog


# The blog without link_sources ----------------------------------------------------------


TOPICS_AS_BEFORE = f"""\
## Possible consequences of current developments

1. **A lab opens its weights**

   - *Benefits:*

     Open weights help.

   - *Ramifications:*

     Misuse is possible.

2. **A lab opens its weights**

   *From the source:* a link to example.com [(discussion)](<{REDDIT}>)
"""  # as the blog wrote these two topics before sources had names


@pytest.mark.parametrize("source", ["Hacker News", HOSTILE, "imported", "x" * 300, "arXiv cs.LG"])
def test_the_blog_without_link_sources_is_what_it_was_whatever_the_source(source: str) -> None:
    first = post(source, REDDIT, link=ARTICLE)
    made = digest(topic(first, post("Hacker News", HN)), topic(first, ok=False))
    shown = render_hugo(made, style())
    assert shown[shown.index("## ") :] == TOPICS_AS_BEFORE


# The prompt's community -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("reddit:MachineLearning", "MachineLearning"),  # as stored before sources had names
        ("r/MachineLearning", "MachineLearning"),
        ("Hacker News", "Hacker News"),
        ("arXiv cs.LG", "arXiv cs.LG"),
        ("blog.example.org", "blog.example.org"),
        ("imported", "imported"),
        ("My\nfeed", "My feed"),
    ],
)
def test_the_prompts_community_is_the_subreddit_or_the_sources_name(
    source: str, expected: str
) -> None:
    assert community(post(source, HN)) == expected


def test_another_post_of_the_story_is_said_to_be_in_its_source() -> None:
    story = topic(post("r/MachineLearning", REDDIT), replace(post("Hacker News", HN), body="text"))
    assert "Another post on this story (in Hacker News):" in topic_input(story, 2000).body
