"""What a reader sees of a topic's footing, on the blog and in chat: quotes, the
Unverified label, updates of stories covered before, links, and a quiet day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from digestbot.app.digests import App
from digestbot.blog.hugo import HugoStyle, render_hugo
from digestbot.chat.discord.render import render_discord
from digestbot.chat.slack.render import render_slack
from digestbot.config.settings import BlogSettings
from digestbot.core.links import with_links
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Article,
    Coverage,
    Digest,
    DigestMode,
    SourcePost,
    Topic,
)
from tests.conftest import ConfigFactory
from tests.fakes.reddit import FakeReddit, reddit_post

MOMENT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
DISCUSSION = "https://www.reddit.com/r/MachineLearning/comments/a1/x/"
ARTICLE = "https://www.example.com/news/a1"
SITE = "https://blog.example.org"


def style(**changes: object) -> HugoStyle:
    blog = BlogSettings()
    return HugoStyle.of(blog.as_dict() | changes)


def topic(verified: bool | None = True, update: bool = False, link: str = ARTICLE) -> Topic:
    post = SourcePost("a1", "reddit:MachineLearning", "A lab opens its weights", DISCUSSION,
                      MOMENT, body="We release the weights today.", link=link)  # fmt: skip
    other = SourcePost("b2", "reddit:MachineLearning", "Weights are out", DISCUSSION + "b2", MOMENT)
    analysis = Analysis(
        AnalysisStatus.OK, "Open weights help.", "Misuse is possible.",
        quotes=("we release the weights today",), verified=verified,
    )  # fmt: skip
    coverage = Coverage(date(2026, 11, 18), "A lab will open its weights") if update else None
    article = (
        Article(link, "The weights are released under a permissive licence.") if link else None
    )
    return Topic(post, post.title, analysis, article, (other,), coverage)


def digest(*topics: Topic, wanted: int = 0) -> Digest:
    return Digest(date(2026, 11, 20), MOMENT, "m", DigestMode.FULL, topics, (), (),
                  wanted_topics=wanted)  # fmt: skip


def chat_texts(d: Digest) -> str:
    discord = [m.content or "" for m in render_discord(d)]
    discord += [e.get("description", "") for m in render_discord(d) for e in m.embeds]
    slack = [b.get("text", {}).get("text", "") for m in render_slack(d) for b in m.blocks]
    return "\n".join(discord + slack)


def test_the_blog_keeps_its_format_unless_quotes_and_sources_are_asked_for() -> None:
    plain = render_hugo(digest(topic()), style())
    assert "we release the weights" not in plain and ARTICLE not in plain
    assert "Unverified" not in plain
    shown = render_hugo(digest(topic()), style(show_quotes=True, link_sources=True))
    assert "   - *From the source:* “we release the weights today”" in shown
    assert f"[r/MachineLearning](<{DISCUSSION}>)" in shown and f"(<{ARTICLE}>)" in shown


def test_an_unverified_analysis_is_labelled_and_an_imported_one_is_not() -> None:
    for render in (lambda d: render_hugo(d, style()), chat_texts):
        assert "Unverified" in render(digest(topic(verified=False)))
        assert "Unverified" not in render(digest(topic(verified=None)))
        assert "Unverified" not in render(digest(topic(verified=True)))


def test_an_update_says_when_the_story_was_first_covered_and_links_that_digest() -> None:
    made = digest(topic(update=True))
    assert "*Update, first covered on 2026-11-18.*" in render_hugo(made, style())
    linked = with_links(made, lambda day: f"{SITE}/posts/{day}/")
    assert linked.url == f"{SITE}/posts/2026-11-20/"
    post = render_hugo(linked, style())
    assert f"*Update, first covered on [2026-11-18](<{SITE}/posts/2026-11-18/>).*" in post
    texts = chat_texts(linked)
    assert texts.count("Update, first covered on") == 4  # headline and details, twice
    assert f"{SITE}/posts/2026-11-18/" in texts and f"{SITE}/posts/2026-11-20/" in texts


def test_chat_links_the_discussion_the_article_and_the_storys_other_posts() -> None:
    texts = chat_texts(digest(topic()))
    assert DISCUSSION in texts and ARTICLE in texts and DISCUSSION + "b2" in texts
    assert "“we release the weights today”" in texts
    no_link = chat_texts(digest(replace(topic(link=""), also=())))
    assert "article" not in no_link


def test_a_short_edition_says_how_many_posts_qualified() -> None:
    short = digest(topic(), wanted=5)
    line = "only 1 new posts qualified today"
    assert line in render_hugo(short, style())
    assert chat_texts(short).count(line) == 2
    assert line not in render_hugo(digest(topic(), wanted=1), style())


async def test_a_quiet_day_and_the_blog_address_reach_the_post(
    make_config: ConfigFactory, reddit: FakeReddit, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    reddit.listings["MachineLearning"] = [
        reddit_post(f"Post number {i} about a new method", id=f"q{i}", created=now, selftext="x")
        for i in range(3)
    ]
    posts = tmp_path / "site" / "content" / "posts"
    app = App(make_config(blog={"site_url": SITE + "/"}, storage={"blog_dir": str(posts)}))
    outcome = await app.generate(date(2026, 11, 20))
    assert outcome.digest.wanted_topics == 5 and len(outcome.digest.topics) == 3
    assert outcome.digest.url == f"{SITE}/posts/2026-11-20-ai-auto-summary/"
    text = Path(outcome.published[0].summary).read_text(encoding="utf-8")
    assert "only 3 new posts qualified today" in text
    kept = await app.generate(date(2026, 11, 20))
    # A stored digest gets its address too.
    assert not kept.created and kept.digest.url == outcome.digest.url


def test_the_blogs_own_trust_lines_import_back_as_they_were() -> None:
    from digestbot.blog.importer import parse_post

    written = digest(topic(verified=False, update=True), topic(), topic(verified=None))
    linked = with_links(written, lambda day: f"{SITE}/posts/{day}/")
    for shown in (style(), style(show_quotes=True, link_sources=True)):
        imported = parse_post(render_hugo(linked, shown)).digest
        for before, after in zip(written.topics, imported.topics, strict=True):
            assert (after.analysis.benefits, after.analysis.ramifications) == (
                "Open weights help.",
                "Misuse is possible.",
            )  # no label, quote or link line taken into the analysis
            day = after.update_of.day if after.update_of else None
            assert day == (before.update_of.day if before.update_of else None)
        unverified = [t.analysis.verified is False for t in imported.topics]
        assert unverified == [True, False, False]
        if shown.show_quotes:
            assert imported.topics[1].analysis.quotes == ("we release the weights today",)
            assert imported.topics[1].analysis.verified is True


def test_an_excerpt_is_never_empty_and_a_storys_other_post_is_named_without_flair() -> None:
    bare = SourcePost("c3", "reddit:MachineLearning", "[D] Only a title", DISCUSSION, MOMENT)
    headline = replace(digest(Topic(bare, "Only a title")), mode=DigestMode.HEADLINES)
    assert "*From the source:* (no text of its own: only its title) [(discussion)]" in (
        render_hugo(headline, style())
    )
    assert "(no text of its own: only its title)" in chat_texts(headline)
    other = SourcePost("d4", "reddit:MachineLearning", "[N] Weights are out", DISCUSSION, MOMENT)
    texts = chat_texts(digest(replace(topic(), also=(other,))))
    assert "also: Weights are out" in texts and "[N]" not in texts
