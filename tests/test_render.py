"""Discord and Slack renderings: within every limit, and never a live mention, whatever the text."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime

import pytest
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
        "@EVERYONE",
        "@here",
        "x@here",
        "@\u200beveryone",
        "@\u200deveryone",
        "<!channel>",
        "<!here|here>",
        "<@U123ABC>",
        "<@&1234567890>",
        "<#C42>",
        "<@!99>",
        "\\<@99>",
        "</cmd:1> <t:0:R> <:e:1>",
        "<https://evil.example|click>",
        "&lt;!channel&gt;",
        "R&D &amp;",
        "[x](https://evil.example)",
        "[x](<https://evil.example>)",
        "**bold** __u__ ~~s~~ `code` ||spoiler||",
        "```py\nprint()```",
        "\\",
        "> quote",
        ">>> quote",
        "# heading",
        "-# subtext",
        "- item",
        "+ item",
        "* item",
        "1. item",
        "12) item",
        "\u202eevil\u200b",
        "\u2066isolate\u2069 \u200fmark\ufeff\u00ad\u061c",
        "word" * 300,
        "é" * 50 + " 🤖 " * 20,
        "👨‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇺🇳 🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    ]
)
# Long texts reach every limit: a hostile piece repeated, with or without spaces.
LONG = st.builds(
    lambda h, n, sep: sep.join([h] * n), HOSTILE, st.integers(2, 60), st.sampled_from(" _")
)
TEXT = st.one_of(st.text(max_size=400), HOSTILE, st.lists(HOSTILE, max_size=6).map(" ".join), LONG)
URL = st.one_of(
    st.just("https://www.reddit.com/r/x/comments/abc/t/"),
    st.text(max_size=80).map(lambda s: "https://example.org/" + s),
    st.text(max_size=40),
    HOSTILE.map(lambda s: "https://evil.example/" + s),
    st.sampled_from(
        [
            "https://evil.example/@everyone?@here",
            "https://evil.example/a>b<c|d)e](f[g h`i",
            "https://evil.example/" + "a" * 600,
            "javascript:alert(1)",
            "HTTPS://EVIL.EXAMPLE/<@123>",
        ]
    ),
)


# A source's name comes from the user's settings or a feed: any text, of any length.
SOURCE = st.one_of(st.sampled_from(["reddit:x", "r/x", "Hacker News", "imported"]), TEXT)


@st.composite
def digests(draw) -> Digest:
    def post(i: int) -> SourcePost:
        return SourcePost(
            id=f"p{i}",
            source=draw(SOURCE),
            title=draw(TEXT),
            url=draw(URL),
            created_utc=MOMENT,
            body=draw(TEXT),
            link=draw(st.one_of(st.just(""), URL)),
        )

    def topic(i: int) -> Topic:
        status = draw(st.sampled_from(list(AnalysisStatus)))
        return Topic(
            post=post(i),
            title=one_line(draw(TEXT)) or "untitled",
            analysis=Analysis(status, draw(TEXT), draw(TEXT)),
            also=tuple(post(1000 * i + n) for n in range(draw(st.integers(0, 4)))),
        )

    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model=draw(TEXT),
        mode=draw(st.sampled_from(list(DigestMode))),
        topics=tuple(topic(i) for i in range(draw(st.integers(1, 25)))),
        trending=tuple(
            Trending(f"t{i}", draw(TEXT), draw(URL)) for i in range(draw(st.integers(0, 50)))
        ),
        predictions=tuple(
            Prediction(draw(TEXT), draw(TEXT), draw(TEXT)) for _ in range(draw(st.integers(0, 30)))
        ),
    )


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Our own link forms; whatever remains must hold no markup that could ping.
DISCORD_LINK = re.compile(r"\[((?:\\.|[^\\\[\]])*)\]\(<([^<>]*)>\)")
SLACK_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>")
# Our own Discord markup around the untrusted text.
DISCORD_OWN = re.compile(
    r"\*\*Daily AI digest · \d{4}-\d\d-\d\d\*\*"
    r"|\*\*(?:Benefits|Ramifications|Trending:|Predictions:|Sources:)\*\*"
    r"|\*(?:From the source|Analysis unavailable today; from the source):\*"
    r"|^\*Update, first covered on (?=.*\*$)|(?<=\d)\*$"  # the update line, italic
    r"|^> “(?=.*”$)"  # a quote of the source, as a block quote
    r"|^\*(?:Unverified|The linked page could not be read)[^*]*\*$",
    re.MULTILINE,
)
DISCORD_MARKUP = "\\*_~`|[]<>#"
MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


def unescaped(text: str, chars: str) -> list[str]:
    """The characters of `chars` in `text` that no backslash escapes (and a dangling one)."""
    found, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            found += ["\\"] if i + 1 == len(text) else []
            i += 2
            continue
        found += [text[i]] if text[i] in chars else []
        i += 1
    return found


def only_our_zero_width_spaces(text: str) -> bool:
    """No invisible character but the zero-width space that breaks "@everyone", and joiners
    (ZWJ, ZWNJ: part of emoji, Persian, Hindi) inside a word."""
    ours = [i for i, ch in enumerate(text) if ch == "\u200b" and text[i - 1 : i] == "@"]
    joiners = [
        i
        for i, ch in enumerate(text)
        if ch in "\u200c\u200d"
        and 0 < i < len(text) - 1
        and not (text[i - 1].isspace() or text[i + 1].isspace())
    ]
    invisible = [i for i, ch in enumerate(text) if unicodedata.category(ch) in ("Cc", "Cf")]
    return set(invisible) - {i for i in invisible if text[i] == "\n"} <= {*ours, *joiners}


def assert_safe_url(url: str, discord_text: bool = False) -> None:
    """A link that cannot end early; in Discord message text, one with no mass mention."""
    assert re.fullmatch(r"https?://[^\s<>()\[\]|`\\]*", url, re.IGNORECASE), url
    assert not (discord_text and MASS_MENTION.search(url)), url


def embed_chars(embed: dict) -> int:
    """What counts toward Discord's 6,000 a message, counted here, not by the renderer."""
    fields = embed.get("fields", [])
    return sum(len(embed.get(k, "")) for k in ("title", "description")) + sum(
        len(f["name"]) + len(f["value"]) for f in fields
    )


def discord_texts(message: discord_render.DiscordMessage) -> list[str]:
    texts = [message.content or ""]
    for embed in message.embeds:
        texts += [embed.get("title", ""), embed.get("description", "")]
        texts += [f["name"] for f in embed.get("fields", [])]
        texts += [f["value"] for f in embed.get("fields", [])]
    return texts


def assert_no_discord_mention(text: str) -> None:
    """No mention, link, markup or invisible character but our own, whatever the input."""
    assert not MASS_MENTION.search(text), text
    assert only_our_zero_width_spaces(text), ascii(text)
    for match in DISCORD_LINK.finditer(text):
        assert_safe_url(match[2], discord_text=True)
    bare = DISCORD_OWN.sub("", DISCORD_LINK.sub(lambda m: m[1], text))
    # <@id>, <@&id>, <#id>, </cmd:id>, [x](y), **, `, ||, # and > all need a bare character.
    assert not unescaped(bare, DISCORD_MARKUP), text
    for line in bare.splitlines():  # no list, quote or heading opened by untrusted text
        line = re.sub(r"^(\d+\. |• )", "", line.lstrip())  # our own numbering and bullets
        assert not re.match(r"[-+>#*]|\d+[.)]", line.lstrip()), text


@FAST
@given(digests())
def test_discord_messages_stay_within_limits_and_never_ping(digest: Digest) -> None:
    messages = discord_render.render_discord(digest)
    assert messages
    for message in messages:
        assert message.content or message.embeds
        assert len(message.content or "") <= 2000
        assert len(message.embeds) <= 10
        assert sum(map(embed_chars, message.embeds)) <= 6000
        for embed in message.embeds:
            assert 0 < len(embed.get("title", "")) <= 256
            assert len(embed.get("description", "")) <= 4096
            assert len(embed.get("fields", [])) <= 25
            for f in embed.get("fields", []):
                assert 0 < len(f["name"]) <= 256 and 0 < len(f["value"].strip()) <= 1024
            if "url" in embed:
                assert_safe_url(embed["url"])  # a field Discord never parses for mentions
        for text in discord_texts(message):
            assert_no_discord_mention(text)
    titles = [e["title"] for m in messages for e in m.embeds if re.match(r"\d+\. ", e["title"])]
    assert [t.split(".")[0] for t in titles] == [str(i) for i in range(1, len(digest.topics) + 1)]


@FAST
@given(digests())
def test_discord_headline_lists_every_topic_in_order(digest: Digest) -> None:
    lines = "\n".join(m.content for m in discord_render.render_headline(digest)).splitlines()
    numbered = [line.split(". ", 1)[0] for line in lines if re.match(r"^\d+\. ", line)]
    assert numbered == [str(i) for i in range(1, len(digest.topics) + 1)]


def assert_no_slack_mention(text: str) -> None:
    """No <!channel>, <@U…>, <url|label> but our own links, and every & an entity of ours."""
    assert only_our_zero_width_spaces(text), ascii(text)
    for match in SLACK_LINK.finditer(text):
        assert_safe_url(match[1])
    bare = SLACK_LINK.sub(lambda m: m[2], text)
    assert "<" not in bare and ">" not in bare, text
    assert not re.search(r"&(?!amp;|lt;|gt;)", bare), text


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
        assert message.text.strip() and len(message.text) <= 4000
        assert 0 < len(message.blocks) <= 50
        assert sum(len(t) for t in slack_texts(message)[1:]) <= 12_000  # Slack refuses ~13k
        for block in message.blocks:
            text = block.get("text", {})
            assert len(text.get("text", "")) <= (150 if block["type"] == "header" else 3000)
            if text.get("type") == "mrkdwn":
                assert text["verbatim"] is True and text["text"]
        for text in slack_texts(message):
            assert_no_slack_mention(text)


@FAST
@given(digests())
def test_each_topic_is_a_message_of_its_own_on_both_platforms(digest: Digest) -> None:
    """After the headline, one message a topic, in order, marked with its post id; then
    trending and predictions, in messages that show no topic."""
    ids = [t.post.id for t in digest.topics]
    numbers = [f"{i}. " for i in range(1, len(ids) + 1)]
    discord = discord_render.render_details(digest)
    assert [m.topic for m in discord[: len(ids)]] == ids
    assert [len(m.embeds) for m in discord[: len(ids)]] == [1] * len(ids)
    shown = [m.embeds[0]["title"] for m in discord[: len(ids)]]
    assert [title[: len(n)] for title, n in zip(shown, numbers, strict=True)] == numbers
    assert all(not m.topic and not m.content for m in discord[len(ids) :])
    rest = [e["title"] for m in discord[len(ids) :] for e in m.embeds]
    assert all(title.startswith(("Currently trending", "Predictions")) for title in rest)
    slack = slack_render.render_details(digest)
    assert [m.topic for m in slack[: len(ids)]] == ids
    for message, number in zip(slack[: len(ids)], numbers, strict=True):
        assert message.blocks[0]["text"]["text"].startswith(f"*{number}")
        assert all(b["type"] == "section" for b in message.blocks)  # no divider needed
    assert all(not m.topic for m in slack[len(ids) :])


def five_topics() -> Digest:
    topics = tuple(
        Topic(
            SourcePost(id=f"post{i}", source="reddit:x", title=f"t{i}", url="", created_utc=MOMENT),
            title=f"topic {i}",
            analysis=Analysis(AnalysisStatus.OK, "b", "r"),
        )
        for i in range(1, 6)
    )
    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model="m",
        mode=DigestMode.FULL,
        topics=topics,
        trending=(Trending("t", "trending title", ""),),
        predictions=(Prediction("an event", "2030", "why"),),
    )


def test_a_five_topic_digest_is_a_headline_five_topic_messages_and_the_lists() -> None:
    digest = five_topics()
    ids = ["post1", "post2", "post3", "post4", "post5"]
    discord = discord_render.render_discord(digest)
    assert [m.topic for m in discord] == ["", *ids, ""]
    assert discord[0].content and not discord[0].embeds  # the headline, one message
    assert [[e["title"] for e in m.embeds] for m in discord[1:]] == [
        *([f"{i}. topic {i}"] for i in range(1, 6)),
        ["Currently trending", "Predictions"],
    ]
    slack = slack_render.render_slack(digest)
    assert [m.topic for m in slack] == ["", *ids, ""]
    assert slack[0].blocks[0]["type"] == "header"
    assert [m.blocks[0]["text"]["text"] for m in slack[1:6]] == [
        f"*{i}. topic {i}*" for i in range(1, 6)
    ]
    assert [m.text for m in slack[1:6]] == [f"{i}. topic {i}" for i in range(1, 6)]
    lists = [b["text"]["text"] for b in slack[6].blocks]
    assert lists == [
        "*Currently trending*\n• trending title",
        "*Predictions*",
        "*an event* (2030): why",
    ]


@pytest.mark.parametrize("title", ["👩\u200d💻 at work", "می\u200cخواهم", "क्\u200dष"])
def test_joiners_reach_both_platforms(title: str) -> None:
    post = SourcePost(id="p", source="reddit:x", title=title, url="", created_utc=MOMENT)
    digest = Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model="m",
        mode=DigestMode.HEADLINES,
        topics=(Topic(post=post, title=title),),
        trending=(Trending("t", title, ""),),
        predictions=(Prediction(title, "2030", title),),
    )
    # Headline (topic, trending, prediction), then details (topic, trending, prediction's
    # event and rationale); Slack also in each message's notification text (the headline's,
    # the topic's, the lists').
    discord = [t for m in discord_render.render_discord(digest) for t in discord_texts(m)]
    assert sum(t.count(title) for t in discord) == 7
    slack = [t for m in slack_render.render_slack(digest) for t in slack_texts(m)]
    assert sum(t.count(title) for t in slack) == 10


def test_escaping_keeps_the_text_readable() -> None:
    assert discord_render.escape("GPT-4o: 2x faster_than *v1*") == r"GPT-4o: 2x faster\_than \*v1\*"
    assert slack_render.escape("R&D <!channel> a>b") == "R&amp;D &lt;!channel&gt; a&gt;b"
    assert discord_render.escape("hi @everyone") == "hi @\u200beveryone"


@FAST
@given(st.lists(TEXT, min_size=1, max_size=30).map("\n".join))
def test_notices_keep_their_lines_within_limits_and_never_ping(text: str) -> None:
    discord_text = discord_render.escape_lines(text)
    assert len(discord_text) <= 2000
    assert_no_discord_mention(discord_text)
    message = slack_render.notice(text)
    assert 0 < len(message.blocks) <= 50 and 0 < len(message.text.strip()) <= 4000
    assert sum(len(t) for t in slack_texts(message)[1:]) <= 12_000
    for block_text in slack_texts(message):
        assert_no_slack_mention(block_text)


def discord_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("@\u200b", "@")


def slack_unescape(text: str) -> str:
    entities = {"&amp;": "&", "&lt;": "<", "&gt;": ">"}
    return re.sub(r"&(?:amp|lt|gt);", lambda m: entities[m[0]], text)


@FAST
@given(TEXT, st.integers(40, 5000))
def test_escaping_is_inert_bounded_and_loses_only_a_tail(text: str, limit: int) -> None:
    for escape, unescape in (
        (discord_render.escape, discord_unescape),
        (slack_render.escape, slack_unescape),
    ):
        whole, shown = escape(text, 10**6), escape(text, limit)
        assert len(shown) <= limit
        assert unescape(whole) == one_line(text)  # every character survives, readable
        if len(whole) <= limit:
            assert shown == whole
        else:
            assert shown.endswith("…") and one_line(text).startswith(unescape(shown[:-1]))
    assert_no_discord_mention(discord_render.escape(text, limit))
    assert_no_slack_mention(slack_render.escape(text, limit))


@pytest.mark.parametrize("char", list(DISCORD_MARKUP))
def test_discord_escapes_every_markup_character(char: str) -> None:
    assert discord_render.escape(f"a{char}b {char}") == f"a\\{char}b \\{char}"


@pytest.mark.parametrize("start", ["-", "+", ">", "#", "*", "-#", "1.", "12)", ">>>"])
def test_discord_escapes_what_would_open_a_line(start: str) -> None:
    escaped = discord_render.escape(f"  {start} item")
    assert escaped.startswith("\\") or re.match(r"\d+\\[.)]", escaped), escaped
    assert discord_unescape(escaped) == f"{start} item"


@pytest.mark.parametrize("mention", ["@everyone", "@here", "@EveryOne", "a@here", "@@everyone"])
def test_discord_breaks_every_mass_mention(mention: str) -> None:
    escaped = discord_render.escape(mention)
    assert not MASS_MENTION.search(escaped) and discord_unescape(escaped) == mention


def test_slack_escapes_the_three_control_characters() -> None:
    assert slack_render.escape("&lt;!channel&gt; <@U1> a&b") == (
        "&amp;lt;!channel&amp;gt; &lt;@U1&gt; a&amp;b"
    )


@pytest.mark.parametrize("url", ["https://e.example/@everyone", "https://e.example/x?a=@HERE"])
def test_discord_link_targets_hold_no_mass_mention(url: str) -> None:
    post = SourcePost(id="p", source="reddit:x", title="t", url=url, created_utc=MOMENT)
    digest = Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model="m",
        mode=DigestMode.FULL,
        topics=(Topic(post=post, title="t"),),
        trending=(Trending("t", "t", url),),
        predictions=(),
    )
    for message in discord_render.render_discord(digest):
        for text in discord_texts(message):
            assert_no_discord_mention(text)
    assert "(<https://e.example/" in discord_render.render_headline(digest)[0].content  # linked
