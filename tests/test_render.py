"""Discord and Slack renderings: within every limit, and never a live mention, whatever the text."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digestbot.chat.discord import render as discord_render
from digestbot.chat.slack import render as slack_render
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

MOMENT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
HOSTILE = st.sampled_from(
    [
        "@everyone",
        "@here",
        "<!channel>",
        "<!here|here>",
        "<@U123ABC>",
        "<@&1234567890>",
        "<#C42>",
        "<@!99>",
        "<https://evil.example|click>",
        "[x](https://evil.example)",
        "**bold** __u__ ~~s~~ `code` ||spoiler||",
        "> quote",
        "# heading",
        "\u202eevil\u200b",
        "word" * 300,
        "é" * 50 + " 🤖 " * 20,
    ]
)
TEXT = st.one_of(st.text(max_size=400), HOSTILE, st.lists(HOSTILE, max_size=6).map(" ".join))
URL = st.one_of(
    st.just("https://www.reddit.com/r/x/comments/abc/t/"),
    st.text(max_size=80).map(lambda s: "https://example.org/" + s),
    st.text(max_size=40),
)


@st.composite
def digests(draw) -> Digest:
    def topic(i: int) -> Topic:
        status = draw(st.sampled_from(list(AnalysisStatus)))
        return Topic(
            post=SourcePost(
                id=f"p{i}",
                source="reddit:x",
                title=draw(TEXT),
                url=draw(URL),
                created_utc=MOMENT,
                body=draw(TEXT),
            ),
            title=one_line(draw(TEXT)) or "untitled",
            analysis=Analysis(status, draw(TEXT), draw(TEXT)),
        )

    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model=draw(TEXT),
        mode=draw(st.sampled_from(list(DigestMode))),
        topics=tuple(topic(i) for i in range(draw(st.integers(1, 25)))),
        trending=tuple(
            Trending(f"t{i}", draw(TEXT), draw(URL)) for i in range(draw(st.integers(0, 8)))
        ),
        predictions=tuple(
            Prediction(draw(TEXT), draw(TEXT), draw(TEXT)) for _ in range(draw(st.integers(0, 5)))
        ),
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Our own link forms; whatever remains must hold no markup that could ping.
DISCORD_LINK = re.compile(r"\]\(<https?://[^<>\s]*>\)")
SLACK_LINK = re.compile(r"<https?://[^<>|\s]+\|[^<>]*>")


def discord_texts(message: discord_render.DiscordMessage) -> list[str]:
    texts = [message.content or ""]
    for embed in message.embeds:
        texts += [embed.get("title", ""), embed.get("description", "")]
        texts += [f["name"] for f in embed.get("fields", [])]
        texts += [f["value"] for f in embed.get("fields", [])]
    return texts


def assert_no_discord_mention(text: str) -> None:
    assert not re.search(r"@(everyone|here)", text, re.IGNORECASE), text
    bare = DISCORD_LINK.sub("](link)", text)
    assert not re.search(r"(?<!\\)<", bare), text  # <@id>, <@&id>, <#id> all need a bare "<"


@FAST
@given(digests())
def test_discord_messages_stay_within_limits_and_never_ping(digest: Digest) -> None:
    messages = discord_render.render_discord(digest)
    assert messages
    for message in messages:
        assert message.content or message.embeds
        assert len(message.content or "") <= discord_render.CONTENT_MAX
        assert len(message.embeds) <= discord_render.EMBEDS_PER_MESSAGE
        assert sum(map(discord_render.embed_size, message.embeds)) <= 6000
        for embed in message.embeds:
            assert len(embed.get("title", "")) <= 256
            assert len(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", [])) <= 25
            for f in embed.get("fields", []):
                assert 0 < len(f["name"]) <= 256 and len(f["value"]) <= 1024
        for text in discord_texts(message):
            assert_no_discord_mention(text)


@FAST
@given(digests())
def test_discord_headline_lists_every_topic_in_order(digest: Digest) -> None:
    lines = "\n".join(m.content for m in discord_render.render_headline(digest)).splitlines()
    numbered = [line.split(". ", 1)[0] for line in lines if re.match(r"^\d+\. ", line)]
    assert numbered == [str(i) for i in range(1, len(digest.topics) + 1)]


def slack_texts(message: slack_render.SlackMessage) -> list[str]:
    texts = [message.text]
    for block in message.blocks:
        texts.append(block.get("text", {}).get("text", ""))
        texts += [e.get("text", "") for e in block.get("elements", [])]
    return texts


@FAST
@given(digests())
def test_slack_messages_stay_within_limits_and_never_ping(digest: Digest) -> None:
    messages = slack_render.render_slack(digest)
    assert messages
    for message in messages:
        assert 0 < len(message.text) <= slack_render.FALLBACK_MAX
        assert 0 < len(message.blocks) <= 50
        assert sum(map(slack_render._block_text, message.blocks)) <= slack_render.TEXT_BUDGET
        for block in message.blocks:
            text = block.get("text", {})
            assert len(text.get("text", "")) <= (150 if block["type"] == "header" else 3000)
            if text.get("type") == "mrkdwn":
                assert text["verbatim"] is True and text["text"]
        for text in slack_texts(message):
            bare = SLACK_LINK.sub("link", text)
            assert "<" not in bare and ">" not in bare, text


@FAST
@given(digests())
def test_slack_details_keep_every_topic_whole_and_in_order(digest: Digest) -> None:
    details = slack_render.render_details(digest)
    titles = [
        block["text"]["text"]
        for message in details
        for block in message.blocks
        if block["type"] == "section" and re.match(r"^\*\d+\. ", block["text"]["text"])
    ]
    assert [t.split(".", 1)[0] for t in titles] == [
        f"*{i}" for i in range(1, len(digest.topics) + 1)
    ]
    for message in details:  # a message never ends inside a topic: a topic ends with a divider
        assert message.blocks[-1]["type"] == "divider" or not any(
            b.get("text", {}).get("text", "").startswith("*Benefits") for b in message.blocks[-2:]
        )


def test_escaping_keeps_the_text_readable() -> None:
    assert discord_render.escape("GPT-4o: 2x faster_than *v1*") == r"GPT-4o: 2x faster\_than \*v1\*"
    assert slack_render.escape("R&D <!channel> a>b") == "R&amp;D &lt;!channel&gt; a&gt;b"
    assert discord_render.escape("hi @everyone") == "hi @\u200beveryone"


@FAST
@given(st.lists(TEXT, min_size=1, max_size=30).map("\n".join))
def test_notices_keep_their_lines_within_limits_and_never_ping(text: str) -> None:
    discord_text = discord_render.escape_lines(text)
    assert len(discord_text) <= discord_render.CONTENT_MAX
    assert_no_discord_mention(discord_text)
    message = slack_render.notice(text)
    assert 0 < len(message.blocks) <= 50 and len(message.text) <= slack_render.FALLBACK_MAX
    for block_text in slack_texts(message):
        assert "<" not in block_text and ">" not in block_text
