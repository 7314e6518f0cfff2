"""Every chat message digestbot can render fits the platform's limits, on any day.

Generated digests hold 0 to 25 topics, 0 to 50 trending titles and 0 to 30 predicted
events, in both editions, with texts of any length (up to tens of thousands of characters)
mixing any Unicode, markdown, mentions (@everyone, <@123>, <!channel>), joiners, bidi
controls and lone surrogates; explicit examples add the busiest day at full length.
Each is rendered as the platforms post it, with threads on and off, and as every /digest
answer. The limits are the platforms' own numbers, written out here and never read from
the renderers; Slack's total size is the budget its renderer documents (its source is
cited there). Splitting must lose nothing: every topic, trending title, prediction and
search hit is still there, in order.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from digestbot.chat.discord.client import DiscordPlatform
from digestbot.chat.discord.client import render_reply as discord_reply
from digestbot.chat.discord.render import DiscordMessage
from digestbot.chat.slack.app import SlackPlatform
from digestbot.chat.slack.app import render_reply as slack_reply
from digestbot.chat.slack.render import SlackMessage
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Article,
    Coverage,
    Digest,
    DigestMode,
    Prediction,
    Reply,
    SearchHit,
    SearchPage,
    SourcePost,
    Topic,
    Trending,
)
from digestbot.core.text import one_line
from tests.limits import check_discord, check_slack, sections

MOMENT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
PIECES = [
    "@everyone", "@here", "<@123>", "<@&456>", "<#789>", "<!channel>", "<!here|here>",
    "<https://evil.example|click>", "[x](https://evil.example)", "&amp; R&D", "**bold**",
    "__u__", "~~s~~", "`code`", "```block```", "||spoiler||", "> quote", "# heading",
    "- item", "1. item", "\\", "*", "_", "|", "·", " · ", '"', "\n", "\t", "a",
    "word", "👩\u200d💻", "🏳️\u200d🌈", "👍🏽", "می\u200cخواهم", "क्\u200dष", "日本語のテキスト",
    "\u202eevil\u202c", "\u2066iso\u2069", "\u200b", "\ufeff", "\u00ad", "\ud83d", "é", "ﷺ", "𝔘𝔫𝔦",
]  # fmt: skip
PIECE = st.sampled_from(PIECES)
TEXT = st.one_of(
    st.text(max_size=80),  # any Unicode
    st.lists(PIECE, max_size=10).map(" ".join),  # hostile mixtures
    # any length: a piece repeated, joined with or without spaces
    st.builds(lambda piece, n, sep: sep.join([piece] * n), PIECE, st.integers(1, 1500),
              st.sampled_from(["", " "])),
)  # fmt: skip
SOURCE = st.one_of(st.sampled_from(["reddit:x", "Hacker News", "imported"]), TEXT)  # any name
URL = st.one_of(
    st.just("https://www.reddit.com/r/MachineLearning/comments/abc/title/"),
    st.integers(0, 3000).map(lambda n: "https://e.example/" + "a" * n),  # any length
    TEXT.map(lambda text: "https://e.example/" + text),
    TEXT,
)


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    def post(i: int) -> SourcePost:
        link, source = draw(st.one_of(st.just(""), URL)), draw(SOURCE)
        return SourcePost(f"p{i}", source, draw(TEXT), draw(URL), MOMENT, draw(TEXT), link)

    def topic(i: int) -> Topic:
        status = draw(st.sampled_from(AnalysisStatus))
        first = post(i)
        cleaned = one_line(first.title) or "untitled"  # selection drops posts with no title
        quotes = tuple(draw(st.lists(TEXT, max_size=3)))
        verified = draw(st.sampled_from([True, False, None]))
        article = draw(st.one_of(st.none(), st.builds(Article, URL, TEXT, TEXT, TEXT)))
        update = draw(st.one_of(st.none(), st.builds(Coverage, st.dates(), TEXT, URL)))
        also = tuple(post(1000 * i + n) for n in range(draw(st.integers(0, 4))))
        analysis = Analysis(status, draw(TEXT), draw(TEXT), quotes=quotes, verified=verified)
        return Topic(first, cleaned, analysis, article, also, update)

    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model=draw(TEXT),
        mode=draw(st.sampled_from(DigestMode)),
        topics=tuple(topic(i) for i in range(draw(st.integers(0, 25)))),
        trending=tuple(
            Trending(f"t{i}", draw(TEXT), draw(URL)) for i in range(draw(st.integers(0, 50)))
        ),
        predictions=tuple(
            Prediction(draw(TEXT), draw(TEXT), draw(TEXT)) for _ in range(draw(st.integers(0, 30)))
        ),
        wanted_topics=draw(st.integers(0, 25)),
        url=draw(st.one_of(st.just(""), URL)),
    )


def busiest(text: str) -> Digest:
    """The most of everything, every text `text` (sources' names too) and every link long."""
    long_url = "https://e.example/" + "a" * 494  # 512: the longest link that stays a link

    def post(i: int, source: str = text) -> SourcePost:
        return SourcePost(f"p{i}", source, text, long_url, MOMENT, text, long_url)

    status = [AnalysisStatus.FAILED, AnalysisStatus.OK, AnalysisStatus.OK]
    topics = tuple(
        Topic(
            post(i),
            text,
            Analysis(status[i % 3], text, text, quotes=(text, text, text), verified=False),
            Article(long_url, text, text, text),
            tuple(post(1000 + 10 * i + n, f"{n} {text}") for n in range(4)),  # other sources
            Coverage(date(2026, 11, 1), text, long_url),
        )
        for i in range(25)
    )
    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model=text,
        mode=DigestMode.FULL,
        topics=topics,
        trending=tuple(Trending(f"t{i}", text, long_url) for i in range(50)),
        predictions=tuple(Prediction(text, text, text) for _ in range(30)),
        wanted_topics=30,
        url=long_url,
    )


BUSIEST = [busiest("word " * 3000), busiest("x" * 15_000), busiest("<@1> & @everyone " * 900)]
FULLEST_PAGE = SearchPage(  # a last page of ten hits, every title and link long
    "<!channel> " * 100,
    1000,
    1000,
    10_000,
    tuple(SearchHit(date(2026, 1, 1), "@here " * 100, "https://e.example/" + "a" * 494, kind,
                    "<!here> " * 100, ("https://e.example/" + "a" * 494,) * 3)
          for kind in ["topic", "trending"] * 5),
)  # fmt: skip
SEARCH_PAGES = st.builds(
    SearchPage,
    query=TEXT,
    page=st.integers(1, 1000),
    pages=st.integers(1, 1000),
    total=st.integers(0, 10_000),
    hits=st.lists(
        st.builds(
            SearchHit,
            st.dates(),
            TEXT,
            URL,
            st.sampled_from(["topic", "trending"]),
            TEXT,
            st.lists(URL, max_size=3).map(tuple),
        ),
        max_size=10,  # a page: core.commands.PER_PAGE
    ).map(tuple),
)
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Discord -------------------------------------------------------------------------------


def check_discord_digest(digest: Digest, messages: list[DiscordMessage]) -> None:
    """Within the limits, and split without losing anything: the headline first (what a
    thread hangs from), then every topic in a message of its own, marked with its post
    id, then every trending title and prediction, in order."""
    check_discord(messages)
    assert messages[0].content and messages[0].content.startswith("**Daily AI digest")
    shown = [m.topic for m in messages]
    first = len(messages) - len([m for m in messages if m.embeds])  # after the headline
    ids = [t.post.id for t in digest.topics]
    assert shown[first : first + len(ids)] == ids and not any(shown[first + len(ids) :])
    assert all(len(m.embeds) == 1 for m in messages[first : first + len(ids)])
    lines = [line for m in messages for line in (m.content or "").split("\n")]
    numbers = [str(i) for i in range(1, len(digest.topics) + 1)]
    assert [m[1] for line in lines if (m := re.match(r"(\d+)\. ", line))] == numbers
    embeds = [e for m in messages for e in m.embeds]
    assert [e["title"].split(". ")[0] for e in embeds[: len(numbers)]] == numbers
    trending = [e["description"] for e in embeds if e["title"].startswith("Currently trending")]
    assert sum(d.count("\n") + 1 for d in trending) == len(digest.trending)
    fields = [f for e in embeds if e["title"].startswith("Predictions") for f in e["fields"]]
    assert len(fields) == len(digest.predictions)


@FAST
@given(digests(), st.booleans())
@example(BUSIEST[0], True)
@example(BUSIEST[1], False)
@example(BUSIEST[2], True)
def test_discord_posts_every_digest_within_the_limits(digest: Digest, threads: bool) -> None:
    platform = DiscordPlatform(None, threads=threads)  # type: ignore[arg-type]  # renders only
    check_discord_digest(digest, list(platform.render(digest)))


def hit_days(lines: list[str]) -> list[str]:
    """The day of each hit, its snippet and links lines aside."""
    return [line[1:11] for line in lines[1:] if line.startswith("`")]


@FAST
@given(digests(), st.lists(TEXT, max_size=40).map("\n".join), SEARCH_PAGES)
@example(BUSIEST[0], "\n".join(["word " * 1000] * 40), FULLEST_PAGE)
def test_discord_answers_every_digest_command_within_the_limits(
    digest: Digest, text: str, page: SearchPage
) -> None:
    replies = [Reply(digest=digest), Reply(text=text), Reply(text=text, chart=b"\x89PNG")]
    replies += [Reply(digest=digest, topic=n) for n in range(1, len(digest.topics) + 1)]
    for reply in replies:
        check_discord(discord_reply(reply))
    messages = discord_reply(Reply(search=page))
    check_discord(messages)
    lines = [line for m in messages for line in (m.content or "").split("\n")]
    if page.hits:  # every hit, in order, over as many messages as it takes
        assert hit_days(lines) == [hit.day.isoformat() for hit in page.hits]


# Slack ---------------------------------------------------------------------------------


def check_slack_digest(digest: Digest, messages: list[SlackMessage]) -> None:
    """Within the limits, and split without losing anything: the headline first (what a
    thread hangs from, ending with its context line), then every topic whole in a
    message of its own, numbered in order and marked with its post id, then every
    trending title and prediction."""
    check_slack(messages)
    assert messages[0].blocks[0]["type"] == "header"
    ends = [n for n, m in enumerate(messages) if m.blocks[-1]["type"] == "context"]
    assert len(ends) == 1 and not any(m.topic for m in messages[: ends[0] + 1])
    topics = messages[ends[0] + 1 : ends[0] + 1 + len(digest.topics)]
    assert [m.topic for m in topics] == [t.post.id for t in digest.topics]
    for n, message in enumerate(topics, start=1):
        assert message.blocks[0]["text"]["text"].startswith(f"*{n}. ")
    rest = messages[ends[0] + 1 + len(digest.topics) :]
    assert not any(m.topic for m in rest)
    shown = [b["text"]["text"] for m in rest for b in m.blocks]
    lines = [line for s in shown for line in s.split("\n")]
    assert sum(line.startswith("• ") for line in lines) == len(digest.trending)
    after = shown[shown.index("*Predictions*") + 1 :] if "*Predictions*" in shown else []
    assert len(after) == len(digest.predictions)


@FAST
@given(digests(), st.booleans())
@example(BUSIEST[0], True)
@example(BUSIEST[1], False)
@example(BUSIEST[2], True)
def test_slack_posts_every_digest_within_the_limits(digest: Digest, threads: bool) -> None:
    platform = SlackPlatform(None, threads=threads)  # type: ignore[arg-type]  # renders only
    check_slack_digest(digest, list(platform.render(digest)))


@FAST
@given(digests(), st.lists(TEXT, max_size=40).map("\n".join), SEARCH_PAGES)
@example(BUSIEST[0], "\n".join(["word " * 1000] * 40), FULLEST_PAGE)
def test_slack_answers_every_digest_command_within_the_limits(
    digest: Digest, text: str, page: SearchPage
) -> None:
    replies = [Reply(digest=digest), Reply(text=text), Reply(text=text, chart=b"\x89PNG")]
    replies += [Reply(digest=digest, topic=n) for n in range(1, len(digest.topics) + 1)]
    for reply in replies:
        check_slack(slack_reply(reply))
    messages = slack_reply(Reply(search=page))
    check_slack(messages)
    lines = "\n".join(sections(messages)).split("\n")
    if page.hits:  # every hit, in order, over as many messages as it takes
        assert hit_days(lines) == [hit.day.isoformat() for hit in page.hits]
