"""The digest as Discord messages: pure functions, every message inside Discord's limits.

A headline message lists the topics linked to their sources (more messages if they
pass 2,000 characters, split between lines); then each topic is a message of its own,
one embed (so that a reaction to it names that topic alone); then trending and
predictions as embeds, each continued in more embeds as needed, packed into as few
messages as the limits allow, always split between embeds and never inside a word.
Discord counts characters as code points (its API is Python), as `len` does.
Untrusted text is escaped so it can open no markdown, link or mention; the publisher
also sends every message with AllowedMentions.none(), which is what really stops a ping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from digestbot.core.excerpt import excerpt
from digestbot.core.headlines import (
    headline_lines,
    topic_notes,
)
from digestbot.core.lines import search_lines
from digestbot.core.models import AnalysisStatus, Digest, DigestMode, SearchPage, Topic
from digestbot.core.text import fit, one_line, pack_lines, safe_url

CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
URL_MAX = 512
QUOTE_MAX = 300
SOURCES_MAX = 1000  # the links beyond the title's: room is kept for the analysis
COLOUR = 0x5865F2

_MARKUP = re.compile(r"([\\*_~`|\[\]<>#])")
_LINE_START = re.compile(r"^([-+>]|\d+[.)])")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    content: str | None = None
    embeds: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    files: tuple[tuple[str, bytes], ...] = ()  # (file name, contents) to attach
    topic: str = ""  # the post id of the topic the message shows; "" for any other


def _inert(text: str) -> str:
    line = _MARKUP.sub(r"\\\1", text)
    line = _LINE_START.sub(lambda m: m[0][:-1] + "\\" + m[0][-1], line)
    return _MASS_MENTION.sub("@\u200b\\1", line)


def escape(text: str, limit: int = CONTENT_MAX) -> str:
    """Untrusted text as inert Discord markdown on one line, at most `limit` characters."""
    return fit(one_line(text), limit, _inert)


def escape_lines(text: str, limit: int = CONTENT_MAX) -> str:
    """Several lines of text, each made inert, as many whole lines as fit in `limit`; never
    blank, which Discord refuses as an empty message."""
    chunks = pack_lines([escape(line, limit) for line in text.splitlines()], limit)
    return (chunks[0] if chunks else "").strip("\n") or "—"


class _DiscordMarkup:
    def text(self, text: str, limit: int) -> str:
        return escape(text, limit)

    def bold(self, text: str) -> str:
        return f"**{text}**"

    def italic(self, text: str) -> str:
        return f"*{text}*"

    def quote(self, text: str, limit: int) -> str:
        return f"> {escape(text, limit)}"

    def link(self, title: str, url: str, limit: int) -> str:
        """A masked link; a missing, odd or overlong URL leaves the plain title."""
        target = safe_url(url)
        label = escape(title, limit)
        if target:  # "@everyone" in a link target is still a mass mention in the content
            target = _MASS_MENTION.sub(r"%40\1", target)
        return f"[{label}](<{target}>)" if target and len(target) <= URL_MAX else label


MARKUP = _DiscordMarkup()


def heading(digest: Digest) -> str:
    headlines_only = digest.mode is DigestMode.HEADLINES
    reason = escape(digest.headline_reason or "no LLM configured", 120)
    edition = f" (headline edition: {reason})" if headlines_only else ""
    return f"**{digest.heading}**{edition}"


def render_headline(digest: Digest) -> list[DiscordMessage]:
    """The short form: the topics linked to their sources, trending and predictions listed."""
    lines = [heading(digest), *headline_lines(digest, MARKUP, CONTENT_MAX)]
    return [DiscordMessage(content=chunk) for chunk in pack_lines(lines, CONTENT_MAX)]


def topic_embed(number: int, topic: Topic) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "title": f"{number}. {escape(topic.title, TITLE_MAX - 4)}",
        "color": COLOUR,
    }
    if (url := safe_url(topic.post.url)) and len(url) <= URL_MAX:
        embed["url"] = url
    analysis = topic.analysis
    before, after = topic_notes(topic, MARKUP, QUOTE_MAX, SOURCES_MAX)
    if analysis.status is AnalysisStatus.OK:
        # The analysis takes the room the rest leaves, half each.
        rest = sum(len(part) + 2 for part in before + after) + 40
        half = (DESCRIPTION_MAX - rest) // 2
        body = [
            f"**Benefits**\n{escape(analysis.benefits, half)}",
            f"**Ramifications**\n{escape(analysis.ramifications, half)}",
        ]
    else:
        label = (
            "From the source"
            if analysis.status is AnalysisStatus.SKIPPED
            else "Analysis unavailable today; from the source"
        )
        body = [f"*{label}:* {escape(excerpt(topic, 400))}"]
    embed["description"] = "\n\n".join(part for part in before + body + after if part)
    return embed


def topic_message(number: int, topic: Topic) -> DiscordMessage:
    """A topic's message: its embed alone, marked with the topic it shows."""
    return DiscordMessage(embeds=(topic_embed(number, topic),), topic=topic.post.id)


def _list_embeds(digest: Digest) -> list[dict[str, Any]]:
    """Trending and predictions, the embeds that follow the topics' messages."""
    lines = [f"• {MARKUP.link(t.title, t.url, 300)}" for t in digest.trending]
    embeds: list[dict[str, Any]] = []
    for n, description in enumerate(pack_lines(lines, DESCRIPTION_MAX)):
        title = "Currently trending (continued)" if n else "Currently trending"
        embeds.append({"title": title, "description": description})
    return embeds + _prediction_embeds(digest)


def _prediction_embeds(digest: Digest) -> list[dict[str, Any]]:
    """One field a prediction, in as many embeds as 25 fields and 6,000 characters allow."""
    embeds: list[dict[str, Any]] = []
    for p in digest.predictions:
        name = escape(p.event, FIELD_NAME_MAX - 40) + f" ({escape(p.predicted, 36)})"
        value = escape(p.rationale, FIELD_VALUE_MAX) or "—"  # Discord refuses an empty one
        last = embeds[-1] if embeds else None
        if (
            last is None
            or len(last["fields"]) == FIELDS_MAX
            or embed_size(last) + len(name) + len(value) > EMBED_TOTAL_MAX
        ):
            last = {"title": "Predictions (continued)" if embeds else "Predictions", "fields": []}
            embeds.append(last)
        last["fields"].append({"name": name, "value": value})
    return embeds


def embed_size(embed: dict[str, Any]) -> int:
    """Characters that count toward Discord's 6,000 per message."""
    size = len(embed.get("title", "")) + len(embed.get("description", ""))
    size += len(embed.get("footer", {}).get("text", ""))
    size += len(embed.get("author", {}).get("name", ""))
    return size + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


def _packed(embeds: list[dict[str, Any]]) -> list[DiscordMessage]:
    """Embeds, in order, into as few messages as the count and size limits allow."""
    messages: list[DiscordMessage] = []
    batch: list[dict[str, Any]] = []
    for embed in embeds:
        too_many = len(batch) == EMBEDS_PER_MESSAGE
        too_big = sum(map(embed_size, batch)) + embed_size(embed) > EMBED_TOTAL_MAX
        if batch and (too_many or too_big):
            messages.append(DiscordMessage(embeds=tuple(batch)))
            batch = []
        batch.append(embed)
    if batch:
        messages.append(DiscordMessage(embeds=tuple(batch)))
    return messages


def render_details(digest: Digest) -> list[DiscordMessage]:
    """What follows the headline: a message per topic, then trending and predictions packed."""
    topics = [topic_message(i, t) for i, t in enumerate(digest.topics, start=1)]
    return topics + _packed(_list_embeds(digest))


def render_discord(digest: Digest) -> list[DiscordMessage]:
    """Everything a channel receives for one digest, in posting order."""
    return render_headline(digest) + render_details(digest)


def render_search(found: SearchPage) -> list[DiscordMessage]:
    """Search results: date and title, linked where the source is known; a page of links
    can pass 2,000 characters, and then takes more messages."""
    return [DiscordMessage(content=c) for c in pack_lines(search_lines(found, MARKUP), CONTENT_MAX)]
