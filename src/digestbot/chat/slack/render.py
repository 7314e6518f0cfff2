"""The digest as Slack Block Kit messages: pure functions, inside Slack's limits.

A headline message (header, the topics linked to their sources, trending, predictions)
comes first, then each topic as a message of its own (so that a reaction to it names
that topic alone), then trending and predictions packed into as few messages as the
limits allow: 50 blocks, 3,000 characters a section, and a size budget well under
what Slack has been seen to reject (see SIZE_BUDGET). A group too big for one message
(a long trending list, many predictions) is split between its blocks. Untrusted text
has `&`, `<` and `>` escaped, which disarms `<!channel>`, `<@U…>` and `<url|label>`;
mrkdwn is `verbatim`, so Slack does not turn plain words into links or mentions
either. Every message carries a `text` fallback for notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digestbot.core.excerpt import excerpt
from digestbot.core.headlines import (
    headline_lines,
    topic_notes,
)
from digestbot.core.lines import search_lines
from digestbot.core.models import AnalysisStatus, Digest, DigestMode, SearchPage, Topic
from digestbot.core.text import fit, one_line, pack_lines, safe_url, shorten

SECTION_MAX = 3000
HEADER_MAX = 150
BLOCKS_MAX = 50
# Slack documents no total size for a message's blocks, yet chat.postMessage refuses big
# ones with msg_blocks_too_long: at about 13,200 characters of block text
# (https://github.com/slackapi/bolt-js/issues/2509, where Slack's maintainers advised
# 12,000 "with a buffer for block containers"), and once already at 11,341
# (https://github.com/slackapi/bolt-js/issues/2867). So a message here holds at most
# 9,000, counting each block's text plus BLOCK_ALLOWANCE for its JSON container (a
# section's is 77 characters as slack_sdk sends it): a fifth under the lowest report.
SIZE_BUDGET = 9_000
BLOCK_ALLOWANCE = 80
FALLBACK_MAX = 300
URL_MAX = 512
QUOTE_MAX = 300
SOURCES_MAX = 1500  # the links: room is kept for the analysis

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    text: str  # the notification fallback
    blocks: tuple[Block, ...]
    topic: str = ""  # the post id of the topic the message shows; "" for any other


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str, limit: int = SECTION_MAX) -> str:
    """Untrusted text as inert mrkdwn on one line, at most `limit` characters."""
    return fit(one_line(text), limit, _entities)


def notice(text: str) -> SlackMessage:
    """Several lines of our own words as one message, each line made inert."""
    lines = [escape(line, SECTION_MAX) for line in text.splitlines() if line.strip()]
    blocks = _leading(_sections(lines))
    return SlackMessage(
        text=escape(text, FALLBACK_MAX) or "-", blocks=tuple(blocks) or (section("-"),)
    )


class _SlackMarkup:
    def text(self, text: str, limit: int) -> str:
        return escape(text, limit)

    def bold(self, text: str) -> str:
        return f"*{text}*"

    def italic(self, text: str) -> str:
        return f"_{text}_"

    def quote(self, text: str, limit: int) -> str:
        return f"&gt; {escape(text, limit)}"  # Slack's text for a line quoted with ">"

    def link(self, title: str, url: str, limit: int) -> str:
        """A link; a missing, odd or overlong URL leaves the plain title."""
        target = safe_url(url)
        label = escape(title, limit)
        return f"<{target}|{label}>" if target and len(target) <= URL_MAX else label


MARKUP = _SlackMarkup()


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _sections(lines: list[str]) -> list[Block]:
    """Lines (each at most SECTION_MAX) into as few sections as fit, split between lines."""
    return [section(chunk) for chunk in pack_lines(lines, SECTION_MAX)]


def _size(blocks: list[Block]) -> int:
    """What counts toward SIZE_BUDGET: the blocks' text, and an allowance for each block."""
    text = sum(
        len(b.get("text", {}).get("text", "")) + sum(len(e["text"]) for e in b.get("elements", []))
        for b in blocks
    )
    return text + BLOCK_ALLOWANCE * len(blocks)


def _fits(blocks: list[Block]) -> bool:
    return len(blocks) <= BLOCKS_MAX and _size(blocks) <= SIZE_BUDGET


def _leading(blocks: list[Block]) -> list[Block]:
    """As many whole blocks from the start as one message holds; for the answers that
    must be one message (each fits whole in practice, this only keeps it true)."""
    kept: list[Block] = []
    for block in blocks:
        if not _fits([*kept, block]):
            break
        kept.append(block)
    return kept


def _fallback(digest: Digest, suffixes: list[str]) -> list[str]:
    """The notification text of each message: the heading, a suffix, the topics' titles."""
    titles = "; ".join(t.title[:FALLBACK_MAX] for t in digest.topics)  # enough to fill it
    return [escape(f"{digest.heading}{suffix}: {titles}", FALLBACK_MAX) for suffix in suffixes]


def render_headline(digest: Digest) -> list[SlackMessage]:
    """The short form: the topics linked, trending and predictions; one message if it fits."""
    header = {
        "type": "header",
        "text": {"type": "plain_text", "text": shorten(digest.heading, HEADER_MAX)},
    }
    lines = headline_lines(digest, MARKUP, SECTION_MAX)
    context = (
        f"Headline edition: {escape(digest.headline_reason or 'no LLM configured', 120)}"
        if digest.mode is DigestMode.HEADLINES
        else f"Analysed by {escape(digest.model, 100)}"
    )
    element = {"type": "mrkdwn", "text": context, "verbatim": True}
    footer = {"type": "context", "elements": [element]}
    groups = [[header], *([block] for block in _sections(lines)), [footer]]
    return _pack(groups, digest, "")


def topic_blocks(number: int, topic: Topic) -> list[Block]:
    """A topic's blocks: its title linked to its discussion, what it continues, the
    analysis (or an excerpt), its quotes, how sure it is, and where it comes from; one
    message's worth (a /digest topic answer is one), the analysis taking what is left."""
    title = section(f"*{number}. {MARKUP.link(topic.title, topic.post.url, 300)}*")
    notes_before, notes_after = topic_notes(topic, MARKUP, QUOTE_MAX, SOURCES_MAX)
    before = [title, *map(section, notes_before)]
    after = [section(line) for line in notes_after if line]
    analysis = topic.analysis
    if analysis.status is AnalysisStatus.OK:
        room = SIZE_BUDGET - _size([*before, *after]) - 3 * BLOCK_ALLOWANCE - 40
        share = min(room // 2, SECTION_MAX) - 20
        body = [
            section(f"*Benefits:* {escape(analysis.benefits, share)}"),
            section(f"*Ramifications:* {escape(analysis.ramifications, share)}"),
        ]
    else:
        label = (
            "From the source"
            if analysis.status is AnalysisStatus.SKIPPED
            else "Analysis unavailable today; from the source"
        )
        body = [section(f"_{label}:_ {escape(excerpt(topic, 400))}")]
    return [*before, *body, *after, {"type": "divider"}]


def topic_message(number: int, topic: Topic) -> SlackMessage:
    """A topic's message: its blocks (no closing divider, a message ends it), marked
    with the topic it shows; the fallback is its numbered title."""
    text = escape(f"{number}. {topic.title}", FALLBACK_MAX)
    return SlackMessage(
        text=text, blocks=tuple(topic_blocks(number, topic)[:-1]), topic=topic.post.id
    )


def _list_groups(digest: Digest) -> list[list[Block]]:
    """Trending and predictions; a message break falls between them where it can."""
    groups: list[list[Block]] = []
    if digest.trending:
        lines = [f"• {MARKUP.link(t.title, t.url, 300)}" for t in digest.trending]
        groups.append(_sections(["*Currently trending*", *lines]))
    if digest.predictions:
        groups.append(
            [section("*Predictions*")]
            + [
                section(
                    f"*{escape(p.event, 200)}* ({escape(p.predicted, 40)}): "
                    f"{escape(p.rationale, SECTION_MAX - 300)}"
                )
                for p in digest.predictions
            ]
        )
    return groups


def _fitting(groups: list[list[Block]]) -> list[list[Block]]:
    """The groups, a group too big for one message broken between its blocks (a single
    block always fits: 3,000 characters at most, against a budget of 9,000)."""
    fitting: list[list[Block]] = []
    for group in groups:
        fitting += [group] if _fits(group) else [[block] for block in group]
    return fitting


def _pack(groups: list[list[Block]], digest: Digest, part: str) -> list[SlackMessage]:
    """Groups of blocks, in order, into messages within the block count and size budget."""
    batches: list[list[Block]] = []
    batch: list[Block] = []
    for group in _fitting(groups):
        if batch and not _fits(batch + group):
            batches.append(batch)
            batch = []
        batch += group
    if batch:
        batches.append(batch)
    total = len(batches)
    suffixes = [f" ({part}{n}/{total})" if total > 1 else "" for n in range(1, total + 1)]
    return [
        SlackMessage(text=text, blocks=tuple(blocks))
        for text, blocks in zip(_fallback(digest, suffixes), batches, strict=True)
    ]


def render_details(digest: Digest) -> list[SlackMessage]:
    """What follows the headline: a message per topic, then trending and predictions packed."""
    topics = [topic_message(i, t) for i, t in enumerate(digest.topics, start=1)]
    return topics + _pack(_list_groups(digest), digest, "details ")


def render_slack(digest: Digest) -> list[SlackMessage]:
    """Everything a channel receives for one digest, in posting order."""
    return [*render_headline(digest), *render_details(digest)]


def render_search(found: SearchPage) -> list[SlackMessage]:
    """Search results: when last covered, then each hit's day, linked title, snippet and
    links; an ordinary page is one message, one of long titles and links takes more."""
    batches: list[list[Block]] = []
    for block in _sections(search_lines(found, MARKUP)):
        if not batches or not _fits([*batches[-1], block]):
            batches.append([])
        batches[-1].append(block)
    text = escape(f"Search: {found.query}", FALLBACK_MAX)
    return [SlackMessage(text=text, blocks=tuple(blocks)) for blocks in batches]
