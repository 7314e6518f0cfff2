"""The digest as Slack Block Kit messages: pure functions, inside Slack's limits.

A headline message (header, the topics linked to their sources, trending, predictions)
comes first, then the details, grouped by topic and packed into as few messages as
the limits allow: 50 blocks, 3,000 characters a section, and a text budget well
under the ~13k characters Slack rejects. Untrusted text has `&`, `<` and `>` escaped,
which disarms `<!channel>`, `<@U…>` and `<url|label>`; sections are `verbatim`, so
Slack does not turn plain words into links or mentions either. Every message carries
a `text` fallback for notifications.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from digestbot.core.lines import headline_lines, search_lines
from digestbot.core.models import AnalysisStatus, Digest, DigestMode, SearchPage, Topic
from digestbot.core.text import fit, one_line, pack_lines, safe_url, split_list_lines

SECTION_MAX = 3000
BLOCKS_MAX = 50
TEXT_BUDGET = 11_000  # block text per message; Slack rejects around 13k
FALLBACK_MAX = 300
URL_MAX = 512

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    text: str  # the notification fallback
    blocks: tuple[Block, ...]


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str, limit: int = SECTION_MAX) -> str:
    """Untrusted text as inert mrkdwn on one line, at most `limit` characters."""
    return fit(one_line(text), limit, _entities)


def notice(text: str) -> SlackMessage:
    """Several lines of our own words as one message, each line made inert."""
    lines = [escape(line, SECTION_MAX) for line in text.splitlines() if line.strip()]
    blocks: list[Block] = []
    for block in _sections(lines)[:BLOCKS_MAX]:
        if sum(map(_block_text, blocks)) + _block_text(block) > TEXT_BUDGET:
            break
        blocks.append(block)
    return SlackMessage(
        text=escape(text, FALLBACK_MAX) or "-", blocks=tuple(blocks) or (section("-"),)
    )


class _SlackMarkup:
    def text(self, text: str, limit: int) -> str:
        return escape(text, limit)

    def bold(self, text: str) -> str:
        return f"*{text}*"

    def link(self, title: str, url: str, limit: int) -> str:
        """A link; a missing, odd or overlong URL leaves the plain title."""
        target = safe_url(url)
        label = escape(title, limit)
        return f"<{target}|{label}>" if target and len(target) <= URL_MAX else label


MARKUP = _SlackMarkup()


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _sections(lines: list[str]) -> list[Block]:
    """Lines into as few sections as fit SECTION_MAX, split only between lines (and an
    overlong list line, "a · b · c", between its items)."""
    fitted = split_list_lines(lines, SECTION_MAX)
    return [section(chunk) for chunk in pack_lines(fitted, SECTION_MAX)]


def _block_text(block: Block) -> int:
    text = block.get("text", {}).get("text", "")
    return len(text) + sum(len(e.get("text", "")) for e in block.get("elements", []))


def _fallback(digest: Digest, suffix: str = "") -> str:
    titles = "; ".join(one_line(t.title) for t in digest.topics)
    return escape(f"{digest.heading}{suffix}: {titles}", FALLBACK_MAX)


def render_headline(digest: Digest) -> list[SlackMessage]:
    """The short form: the topics linked, trending and predictions; one message if it fits."""
    header = {"type": "header", "text": {"type": "plain_text", "text": digest.heading}}
    lines = headline_lines(digest, MARKUP)
    context = (
        "Headline edition: no LLM configured"
        if digest.mode is DigestMode.HEADLINES
        else f"Analysed by {escape(digest.model, 100)}"
    )
    footer = {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]}
    groups = [[header], *([section] for section in _sections(lines)), [footer]]
    return _pack(groups, digest, "")


def topic_blocks(number: int, topic: Topic) -> list[Block]:
    blocks = [section(f"*{number}. {MARKUP.link(topic.title, topic.post.url, 300)}*")]
    analysis = topic.analysis
    if analysis.status is AnalysisStatus.OK:
        blocks.append(section(f"*Benefits:* {escape(analysis.benefits, SECTION_MAX - 20)}"))
        blocks.append(
            section(f"*Ramifications:* {escape(analysis.ramifications, SECTION_MAX - 20)}")
        )
    else:
        label = (
            "From the source"
            if analysis.status is AnalysisStatus.SKIPPED
            else "Analysis unavailable today; from the source"
        )
        excerpt = escape(topic.post.body, 400) or "(a link post)"
        blocks.append(section(f"_{label}:_ {excerpt}"))
    return [*blocks, {"type": "divider"}]


def _detail_groups(digest: Digest) -> list[list[Block]]:
    """Blocks that belong together; a message break falls only between groups."""
    groups = [topic_blocks(i, t) for i, t in enumerate(digest.topics, start=1)]
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
    """The groups, a group too big for one message broken between its blocks."""
    fitting: list[list[Block]] = []
    for group in groups:
        if len(group) <= BLOCKS_MAX and sum(map(_block_text, group)) <= TEXT_BUDGET:
            fitting.append(group)
        else:
            fitting += [[block] for block in group]
    return fitting


def _pack(groups: list[list[Block]], digest: Digest, part: str) -> list[SlackMessage]:
    """Groups of blocks, in order, into messages within the block and text limits."""
    batches: list[list[Block]] = []
    batch: list[Block] = []
    for group in _fitting(groups):
        size = sum(map(_block_text, batch)) + sum(map(_block_text, group))
        if batch and (len(batch) + len(group) > BLOCKS_MAX or size > TEXT_BUDGET):
            batches.append(batch)
            batch = []
        batch += group
    if batch:
        batches.append(batch)
    return [
        SlackMessage(
            text=_fallback(digest, f" ({part}{n}/{len(batches)})" if len(batches) > 1 else ""),
            blocks=tuple(blocks),
        )
        for n, blocks in enumerate(batches, start=1)
    ]


def render_details(digest: Digest) -> list[SlackMessage]:
    return _pack(_detail_groups(digest), digest, "details ")


def render_slack(digest: Digest) -> list[SlackMessage]:
    """Everything a channel receives for one digest, in posting order."""
    return [*render_headline(digest), *render_details(digest)]


def render_search(found: SearchPage) -> SlackMessage:
    """Search results: date and title, linked where the source is known."""
    blocks = tuple(_sections(search_lines(found, MARKUP)))
    return SlackMessage(text=escape(f"Search: {found.query}", FALLBACK_MAX), blocks=blocks)
