"""Discord and Slack renderings right at each platform limit and just past it.

Every limit is the platform's own number, written out here; none is read from the renderers,
so a wrong constant in a renderer makes these fail. Inputs are plain words (nothing to escape)
unless a test says otherwise, so lengths can be counted by hand.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from digestbot.chat.discord import render as discord_render
from digestbot.chat.slack import render as slack_render
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Coverage,
    Digest,
    DigestMode,
    Prediction,
    SourcePost,
    Topic,
    Trending,
)
from tests.limits import check_discord, check_slack, embed_chars, sections, slack_size

MOMENT = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
OK, FAILED = AnalysisStatus.OK, AnalysisStatus.FAILED
HEADING = "**Daily AI digest · 2026-11-20**"  # Discord's first headline line: 32 characters


def words(n: int, tag: str = "w") -> str:
    """Exactly `n` characters of plain words, beginning with `tag`, nothing to escape."""
    text, i = tag, 0
    while len(text) < n:
        text += f" {tag}x{i}"
        i += 1
    text = text[:n]
    return text[:-1] + "z" if text.endswith(" ") else text


def topic(i: int, title: str, status: AnalysisStatus = OK, b: str = "b", r: str = "r") -> Topic:
    post = SourcePost(id=f"p{i}", source="reddit:x", title=title, url="", created_utc=MOMENT)
    return Topic(post=post, title=title, analysis=Analysis(status, b, r))


def digest(topics: Any = (), trending: Any = (), predictions: Any = ()) -> Digest:
    return Digest(
        day=date(2026, 11, 20),
        generated_at=MOMENT,
        model="a-model",
        mode=DigestMode.FULL,
        topics=tuple(topics) or (topic(1, "only topic"),),
        trending=tuple(trending),
        predictions=tuple(predictions),
    )


def is_cut_between_words(whole: str, shortened: str) -> bool:
    """`shortened` is `whole` cut at a space and marked with an ellipsis."""
    kept = shortened.removesuffix("…")
    return shortened.endswith("…") and whole.startswith(kept) and whole[len(kept)] == " "


# Discord ------------------------------------------------------------------------------


def content_lines(messages: list[discord_render.DiscordMessage]) -> list[str]:
    return [line for m in messages for line in (m.content or "").splitlines()]


@pytest.mark.parametrize("extra", [0, 1])
def test_discord_headline_fills_2000_characters_and_splits_between_lines_past_them(
    extra: int,
) -> None:
    # Each line ends with its source's name, " · r/x": 32 + 9 * (1 + 203 + 6) = 1922;
    # the tenth line "10. " + 67 + 6 ends at 2000 exactly.
    titles = [words(200, f"t{i}") for i in range(1, 10)] + [words(67 + extra, "t10")]
    messages = discord_render.render_headline(
        digest([topic(i, t) for i, t in enumerate(titles, 1)])
    )
    check_discord(messages)
    expected = [HEADING, *(f"{i}. {t} · r/x" for i, t in enumerate(titles, 1))]
    assert content_lines(messages) == expected  # nothing lost or cut, in order
    if extra:
        assert [len(m.content or "") for m in messages] == [1922, 4 + 68 + 6]
    else:
        assert [len(m.content or "") for m in messages] == [2000]


def test_discord_headline_splits_long_trending_and_prediction_lines_between_items() -> None:
    trending = [Trending(f"t{i}", words(150, f"tr{i}"), "") for i in range(50)]
    predictions = [Prediction(words(100, f"ev{i}"), "2030", "why") for i in range(30)]
    messages = discord_render.render_headline(digest(trending=trending, predictions=predictions))
    check_discord(messages)
    text = "\n".join(m.content or "" for m in messages)
    positions = [text.index(t.title) for t in trending] + [text.index(p.event) for p in predictions]
    assert positions == sorted(positions)  # every item whole, in order


def test_discord_headline_breaks_a_list_between_items_never_inside_a_title() -> None:
    # Each title holds the list's own separator, and after it what would open a list.
    titles = [f"t{i:02d} · - {words(140, f'tr{i:02d}')}" for i in range(30)]
    trending = [Trending(f"t{i}", t, "") for i, t in enumerate(titles)]
    messages = discord_render.render_headline(digest(trending=trending))
    check_discord(messages)
    lines = content_lines(messages)
    assert not [line for line in lines if line.startswith("-")]
    listed = [t for line in lines[2:] for t in line.removeprefix("**Trending:** ").split(" · ")]
    assert listed == [part for t in titles for part in t.split(" · ")]  # every title whole


def test_discord_headline_breaks_an_overlong_list_line_at_exactly_2000() -> None:
    # "**Trending:** " + 13 * 150 + 12 * " · " = 2000; the 14th title starts the next line.
    titles = [words(150, f"tr{i:02d}") for i in range(14)]
    trending = [Trending(f"t{i}", t, "") for i, t in enumerate(titles)]
    messages = discord_render.render_headline(digest(trending=trending))
    check_discord(messages)
    assert content_lines(messages)[-2:] == ["**Trending:** " + " · ".join(titles[:13]), titles[13]]
    assert len(content_lines(messages)[-2]) == 2000


@pytest.mark.parametrize("title", [words(252), "x_" * 84])  # 252 characters once escaped
def test_discord_topic_title_of_exactly_256_characters_is_kept(title: str) -> None:
    topics = [topic(i, f"topic {i}") for i in range(1, 10)] + [topic(10, title)]
    (embed,) = discord_render.render_details(digest(topics))[9].embeds
    assert embed["title"] == "10. " + title.replace("_", r"\_")
    assert len(embed["title"]) == 256


@pytest.mark.parametrize("title", [words(253), words(600), "x_" * 84 + "y", "_" * 300])
def test_discord_topic_title_past_256_characters_is_shortened(title: str) -> None:
    topics = [topic(i, f"topic {i}") for i in range(1, 10)] + [topic(10, title)]
    messages = discord_render.render_details(digest(topics))
    check_discord(messages)
    (embed,) = messages[9].embeds
    shown = embed["title"]
    assert shown.startswith("10. ") and shown.endswith("…")
    kept = shown.removeprefix("10. ").removesuffix("…")
    assert (len(kept) - len(kept.rstrip("\\"))) % 2 == 0  # no escape cut in half
    if " " in title:
        assert is_cut_between_words(title, shown.removeprefix("10. "))


@pytest.mark.parametrize("size", [1, 2000, 2029, 5000, 20_000])
def test_discord_analysis_fits_the_4096_description(size: int) -> None:
    b, r = words(size, "ben"), words(size, "ram")
    embed = discord_render.topic_embed(1, topic(1, "t", b=b, r=r))
    assert len(embed["description"]) <= 4096 and embed_chars(embed) <= 6000
    benefits, ramifications = embed["description"].split("\n\n")
    if size <= 2000:  # both whole while they fit
        assert (benefits, ramifications) == (f"**Benefits**\n{b}", f"**Ramifications**\n{r}")
    else:  # both shortened between words, with a fair share of the room each
        assert is_cut_between_words(b, benefits.removeprefix("**Benefits**\n"))
        assert is_cut_between_words(r, ramifications.removeprefix("**Ramifications**\n"))
        assert min(len(benefits), len(ramifications)) > 1900


@pytest.mark.parametrize("extra", [0, 1])
def test_discord_trending_description_fills_4096_and_continues_in_another_embed_past_it(
    extra: int,
) -> None:
    # Lines "• " + title: 13 * 292 + 12 newlines = 3808; "\n• " + 285 ends at 4096.
    titles = [words(290, f"tr{i}") for i in range(13)] + [words(285 + extra, "tr13")]
    trending = [Trending(f"t{i}", t, "") for i, t in enumerate(titles)]
    messages = discord_render.render_details(digest(trending=trending))
    check_discord(messages)
    embeds = [e for m in messages for e in m.embeds if e["title"].startswith("Currently")]
    descriptions = [e["description"].split("\n") for e in embeds]
    if extra:  # whole lines, in order, the last one in a second embed
        assert [e["title"] for e in embeds] == [
            "Currently trending",
            "Currently trending (continued)",
        ]
        assert descriptions == [[f"• {t}" for t in titles[:13]], [f"• {titles[13]}"]]
    else:
        assert descriptions == [[f"• {t}" for t in titles]]
        assert len(embeds[0]["description"]) == 4096


def test_discord_keeps_every_trending_title_of_a_busy_day() -> None:
    # 50 titles with long links: about 41,000 characters, ten embeds' worth.
    titles = [words(300, f"tr{i:02d}") for i in range(50)]
    trending = [
        Trending(f"t{i}", t, "https://e.example/" + "b" * 490) for i, t in enumerate(titles)
    ]
    messages = discord_render.render_details(digest(trending=trending))
    check_discord(messages)
    text = "\n".join(e["description"] for m in messages for e in m.embeds if "description" in e)
    positions = [text.index(f"[{t}](<https://e.example/") for t in titles]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("size", "kept"), [(512, True), (513, False), (5000, False)])
def test_discord_embed_link_holds_at_most_512_characters(size: int, kept: bool) -> None:
    url = "https://e.example/" + "a" * (size - len("https://e.example/"))
    post = SourcePost(id="p", source="reddit:x", title="t", url=url, created_utc=MOMENT)
    embed = discord_render.topic_embed(1, Topic(post=post, title="t"))
    assert embed.get("url") == (url if kept else None)


@pytest.mark.parametrize(("topics", "trending", "predictions", "counts"), [
    (1, 0, 250, [1, 10]), (1, 0, 251, [1, 10, 1]), (1, 1, 225, [1, 10]), (1, 1, 226, [1, 10, 1]),
    (25, 0, 500, [1] * 25 + [10, 10]),
])  # fmt: skip
def test_discord_puts_a_topic_in_a_message_and_at_most_10_embeds_in_one(
    topics: int, trending: int, predictions: int, counts: list[int]
) -> None:
    # 25 predictions an embed, each embed about 500 characters: ten fit in 6,000, so the
    # tenth embed is where a message ends. Every topic is an embed alone in its message.
    d = digest(
        [topic(i, f"topic {i}") for i in range(1, topics + 1)],
        [Trending("t", "trending", "")] * trending,
        [Prediction(f"event {i}", "2030", "why") for i in range(predictions)],
    )
    messages = discord_render.render_details(d)
    check_discord(messages)
    assert [len(m.embeds) for m in messages] == counts
    assert [m.topic for m in messages[:topics]] == [f"p{i}" for i in range(1, topics + 1)]
    titles = [m.embeds[0]["title"] for m in messages[:topics]]
    assert titles == [f"{i}. topic {i}" for i in range(1, topics + 1)]
    assert not any(m.topic for m in messages[topics:])


@pytest.mark.parametrize("extra", [0, 1])
def test_discord_embeds_fill_6000_characters_and_split_between_embeds_past_them(
    extra: int,
) -> None:
    # Trending: "Currently trending" 18 + 13 lines "• " + 290, 12 newlines = 3,826.
    # Predictions: "Predictions" 11 + (50 + 7 + 1024) + (51 + 7 + 1024) = 2,174: 6,000.
    trending = [Trending(f"t{i}", words(290, f"tr{i}"), "") for i in range(13)]
    events = [words(50, "ev0"), words(51 + extra, "ev1")]
    predictions = [Prediction(e, "2030", words(1024, "why")) for e in events]
    messages = discord_render.render_details(digest(trending=trending, predictions=predictions))
    check_discord(messages)
    lists = messages[1:]  # after the one topic's message
    assert [sum(map(embed_chars, m.embeds)) for m in lists] == ([3826, 2175] if extra else [6000])
    assert [e["title"] for m in lists for e in m.embeds] == ["Currently trending", "Predictions"]


@pytest.mark.parametrize(("count", "fields"), [(24, [24]), (25, [25]), (26, [25, 1]),
                                               (60, [25, 25, 10])])  # fmt: skip
def test_discord_predictions_take_at_most_25_fields_an_embed_and_all_are_kept(
    count: int, fields: list[int]
) -> None:
    predictions = [Prediction(f"event {i}", "2030", f"why {i}") for i in range(count)]
    messages = discord_render.render_details(digest(predictions=predictions))
    check_discord(messages)
    embeds = [e for m in messages for e in m.embeds if "fields" in e]
    assert [len(e["fields"]) for e in embeds] == fields
    names = [f["name"] for e in embeds for f in e["fields"]]
    assert names == [f"event {i} (2030)" for i in range(count)]


@pytest.mark.parametrize("extra", [0, 1])
def test_discord_predictions_fill_6000_characters_and_split_between_fields_past_them(
    extra: int,
) -> None:
    # "Predictions" 11 + 4 * (177 + 1024) + (161 + 1024) = 6000: one embed, alone in a message.
    events = [words(170, f"ev{i}") for i in range(4)] + [words(154 + extra, "ev4")]
    predictions = [Prediction(e, "2030", words(1024, "why")) for e in events]
    messages = discord_render.render_details(digest(predictions=predictions))
    check_discord(messages)
    embeds = [e for m in messages for e in m.embeds if "fields" in e]
    assert [len(e["fields"]) for e in embeds] == ([4, 1] if extra else [5])
    if not extra:
        assert sum(map(embed_chars, messages[-1].embeds)) == 6000
    assert [f["name"] for e in embeds for f in e["fields"]] == [f"{e} (2030)" for e in events]


@pytest.mark.parametrize("size", [0, 1, 1024, 1025, 5000])
def test_discord_prediction_field_value_holds_1024_characters(size: int) -> None:
    rationale = words(size) if size else ""
    (field,) = discord_render.render_details(
        digest(predictions=[Prediction(words(400), words(100), rationale)])
    )[-1].embeds[-1]["fields"]
    assert 0 < len(field["name"]) <= 256
    assert 0 < len(field["value"]) <= 1024  # Discord refuses an empty value
    if 0 < size <= 1024:
        assert field["value"] == rationale
    elif size > 1024:
        assert is_cut_between_words(rationale, field["value"])


def test_discord_largest_digest_stays_within_every_limit_and_loses_no_topic() -> None:
    hostile = "**[x](https://e.example)** <@1> @everyone `#` > _~|" * 40
    topics = [
        Topic(
            SourcePost(f"p{i}", "r", hostile, "https://e.example/" + "a" * 600, MOMENT, hostile),
            title=f"T{i:02d} {hostile}",
            analysis=Analysis(OK if i % 3 else FAILED, hostile * 5, hostile * 5),
        )
        for i in range(1, 26)
    ]
    trending = [Trending(f"t{i}", hostile, "https://e.example/" + "b" * 490) for i in range(50)]
    predictions = [Prediction(hostile, hostile, hostile * 3) for _ in range(60)]
    d = digest(topics, trending, predictions)
    messages = discord_render.render_discord(d)
    check_discord(messages)
    shown = [m.topic for m in messages]  # a message per topic, each its only embed
    assert [t for t in shown if t] == [f"p{i}" for i in range(1, 26)]
    assert all(len(m.embeds) == 1 for m in messages if m.topic)
    titles = [e["title"] for m in messages for e in m.embeds]
    assert [t[: t.index(" ", 4)] for t in titles[:25]] == [f"{i}. T{i:02d}" for i in range(1, 26)]
    headline = "\n".join(m.content or "" for m in messages)
    assert [headline.index(f"{i}. T{i:02d}") for i in range(1, 26)] == sorted(
        headline.index(f"{i}. T{i:02d}") for i in range(1, 26)
    )


def test_a_300_character_source_name_is_cut_to_60_and_every_limit_holds() -> None:
    # A user's settings can name a source at any length; every post of every story here
    # has one, with links at the longest kept, on the busiest day.
    url = "https://e.example/" + "a" * 494  # 512: the longest link that stays a link
    others = tuple(
        SourcePost(f"o{n}", words(300, f"o{n}"), words(200, "ot"), url, MOMENT) for n in range(4)
    )
    name = words(300, "src")
    topics = [
        Topic(
            SourcePost(f"p{i}", name, words(200, f"t{i}"), url, MOMENT, link=url),
            words(200, f"t{i}"),
            Analysis(OK, words(5000, "b"), words(5000, "r")),
            also=others,
            update_of=Coverage(date(2026, 11, 1), "t", url),
        )
        for i in range(1, 26)
    ]
    for mode in DigestMode:
        d = replace(digest(topics), mode=mode)
        discord, slack = discord_render.render_discord(d), slack_render.render_slack(d)
        check_discord(discord)
        check_slack(slack)
        shown = name[: name.rindex(" ", 0, 60)] + "…"  # cut between words
        headline = [line for line in content_lines(discord) if line[:1].isdigit()]
        assert len(headline) == 25 and all(f" · {shown} · " in line for line in headline)
        # The other sources are named as room allows: on Slack's 3,000, one of them.
        slack_lines = sections(slack_render.render_headline(d))
        slack_lines = [line for text in slack_lines for line in text.split("\n")]
        assert [line.count("also on ") for line in slack_lines] == [1] * 25
        described = [e["description"] for m in discord for e in m.embeds][:25]
        assert all(f"**Sources:** [{shown}](<{url}>)" in text for text in described)
        assert all(name not in text for m in slack for text in map(str, m.blocks))


# Slack --------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 1])
def test_slack_headline_section_fills_3000_and_splits_between_lines_past_it(extra: int) -> None:
    # Each line ends with its source's name, " · r/x": 9 * 209 + 5 * 210 + 13 newlines
    # = 2944; "\n15. " + 45 + 6 ends at 3000 exactly.
    titles = [words(200, f"t{i}") for i in range(1, 15)] + [words(45 + extra, "t15")]
    messages = slack_render.render_headline(digest([topic(i, t) for i, t in enumerate(titles, 1)]))
    check_slack(messages)
    texts = sections(messages)
    expected = [f"{i}. {t} · r/x" for i, t in enumerate(titles, 1)]
    assert [line for s in texts for line in s.split("\n")] == expected
    assert [len(s) for s in texts] == ([2944, 4 + 46 + 6] if extra else [3000])


def test_slack_headline_splits_long_trending_and_prediction_lines_between_items() -> None:
    trending = [Trending(f"t{i}", words(150, f"tr{i}"), "") for i in range(50)]
    predictions = [Prediction(words(100, f"ev{i}"), "2030", "why") for i in range(50)]
    messages = slack_render.render_headline(digest(trending=trending, predictions=predictions))
    check_slack(messages)
    text = "\n".join(sections(messages))
    positions = [text.index(t.title) for t in trending] + [text.index(p.event) for p in predictions]
    assert positions == sorted(positions)


def test_slack_headline_breaks_an_overlong_list_line_at_exactly_3000() -> None:
    # "*Trending:* " + 19 * 147 + 138 + 19 * " · " = 3000; the 21st title starts the next.
    titles = [words(147, f"tr{i:02d}") for i in range(19)] + [words(138, "tr19"), words(9, "tr20")]
    trending = [Trending(f"t{i}", t, "") for i, t in enumerate(titles)]
    messages = slack_render.render_headline(digest(trending=trending))
    check_slack(messages)
    assert sections(messages)[-2:] == ["*Trending:* " + " · ".join(titles[:20]), titles[20]]
    assert len(sections(messages)[-2]) == 3000


@pytest.mark.parametrize("size", [1, 2900, 2980, 2981, 5000, 20_000])
def test_slack_analysis_fits_3000_a_section(size: int) -> None:
    b, r = words(size, "ben"), words(size, "ram")
    messages = slack_render.render_details(digest([topic(1, "t", b=b, r=r)]))
    check_slack(messages)
    _, benefits, ramifications = sections(messages)
    if size <= 2900:
        assert (benefits, ramifications) == (f"*Benefits:* {b}", f"*Ramifications:* {r}")
    else:
        assert min(len(benefits), len(ramifications)) > 2800
    if size > 2980:
        assert is_cut_between_words(b, benefits.removeprefix("*Benefits:* "))
        assert is_cut_between_words(r, ramifications.removeprefix("*Ramifications:* "))


@pytest.mark.parametrize(("ok", "failed"), [(7, 7), (13, 0), (25, 0), (0, 25)])
def test_slack_puts_each_topic_in_a_message_of_its_own(ok: int, failed: int) -> None:
    # A topic with an analysis is 3 blocks (title, benefits, ramifications); 2 without.
    statuses = [OK] * ok + [FAILED] * failed
    d = digest([topic(i, f"topic {i}", s) for i, s in enumerate(statuses, 1)])
    messages = slack_render.render_details(d)
    check_slack(messages)
    assert [len(m.blocks) for m in messages] == [3] * ok + [2] * failed
    assert [m.topic for m in messages] == [f"p{i}" for i in range(1, ok + failed + 1)]
    numbers = [m.blocks[0]["text"]["text"].split(".")[0] for m in messages]
    assert numbers == [f"*{i}" for i in range(1, ok + failed + 1)]


@pytest.mark.parametrize(("trending", "count", "blocks"), [
    (0, 48, [3, 49]), (0, 49, [3, 50]), (0, 50, [3, 50, 1]), (1, 48, [3, 50]), (1, 49, [3, 1, 50]),
])  # fmt: skip
def test_slack_predictions_fill_50_blocks_and_all_are_kept(
    trending: int, count: int, blocks: list[int]
) -> None:
    # The one topic's message (3 blocks) comes first; then trending (1 block) and the
    # predictions (a heading and one a prediction), split between them where they can be.
    predictions = [Prediction(f"event {i}", "2030", "why") for i in range(count)]
    d = digest(trending=[Trending("t", "trending", "")] * trending, predictions=predictions)
    messages = slack_render.render_details(d)
    check_slack(messages)
    assert [len(m.blocks) for m in messages] == blocks
    events = [s for s in sections(messages) if s.startswith("*event ")]
    assert events == [f"*event {i}* (2030): why" for i in range(count)]


@pytest.mark.parametrize("extra", [0, 1])
def test_slack_message_holds_the_9000_budget_and_splits_between_blocks_past_it(
    extra: int,
) -> None:
    # 9,000 is the renderer's documented budget under what Slack refuses, not a platform
    # number. "*Predictions*" 13 + 80, then each "*" + 178 + "* (2030): " + 2700 + 80
    # = 2,969, three of them: 9,000. One more character and the last goes on its own.
    events = [words(178, "ev0"), words(178, "ev1"), words(178 + extra, "ev2")]
    predictions = [Prediction(e, "2030", words(2700, "why")) for e in events]
    messages = slack_render.render_details(digest(predictions=predictions))
    check_slack(messages)
    lists = messages[1:]  # after the one topic's message
    assert [slack_size(m) for m in lists] == ([6031, 2970] if extra else [9000])


def test_slack_splits_a_realistic_oversized_message() -> None:
    # Two long analyses together pass 12,000: they must not share a message.
    topics = [topic(i, words(120, f"t{i}"), b=words(2990), r=words(2990)) for i in (1, 2)]
    messages = slack_render.render_details(digest(topics))
    check_slack(messages)
    assert len(messages) == 2


def test_slack_largest_digest_stays_within_every_limit_and_loses_no_topic() -> None:
    hostile = "<!channel> <@U1> <https://e.example|x> & *b* _i_ ~s~ `c` > q " * 40
    topics = [
        Topic(
            SourcePost(f"p{i}", "r", hostile, "https://e.example/" + "a" * 490, MOMENT, hostile),
            title=f"T{i:02d} {hostile}",
            analysis=Analysis(OK if i % 3 else FAILED, hostile * 5, hostile * 5),
        )
        for i in range(1, 26)
    ]
    trending = [Trending(f"t{i}", hostile, "https://e.example/" + "b" * 490) for i in range(50)]
    predictions = [Prediction(hostile, hostile, hostile * 3) for _ in range(60)]
    messages = slack_render.render_slack(digest(topics, trending, predictions))
    check_slack(messages)
    shown = [m.topic for m in messages]  # a message per topic
    assert [t for t in shown if t] == [f"p{i}" for i in range(1, 26)]
    first = shown.index("p1")  # right after the headline, which takes several messages
    assert messages[first - 1].blocks[-1]["type"] == "context"  # the headline's last
    assert shown[first : first + 25] == [f"p{i}" for i in range(1, 26)]
    titles = [s for s in sections(messages) if s.startswith("*") and s[1:2].isdigit()]
    assert [t[: t.index(" ")] for t in titles] == [f"*{i}." for i in range(1, 26)]
    assert sum(s.startswith("*&lt;!channel&gt;") for s in sections(messages)) == 60


def test_slack_notice_keeps_whole_sections_up_to_the_9000_budget() -> None:
    lines = [words(2920, f"l{i}") for i in range(3)]
    message = slack_render.notice("\n".join(lines))
    check_slack([message])
    assert sections([message]) == lines  # 3 * (2,920 + 80) = 9,000: all kept
    longer = slack_render.notice("\n".join([*lines, words(100, "l3")]))  # a fourth section
    assert sections([longer]) == lines  # whole sections kept, in order, the rest left out


def test_slack_notices_stay_within_the_limits_and_always_have_a_fallback() -> None:
    for text in ["", "   \n  ", "\u200b", "ok", "\n".join(words(3000, f"l{i}") for i in range(60))]:
        check_slack([slack_render.notice(text)])
