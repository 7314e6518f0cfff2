"""What every rendering says about a topic beyond its analysis, in words shared by the
blog and the chat platforms: where it came from, what it continues, how sure it is,
and that a day was quiet. Each platform brings its own markup."""

from __future__ import annotations

from digestbot.core.excerpt import domain
from digestbot.core.lines import Markup, list_lines
from digestbot.core.models import AnalysisStatus, Digest, Topic
from digestbot.core.stories import strip_flair

UNVERIFIED = "Unverified: the quotes this analysis rests on were not found in its source."
UNREAD = "The linked page could not be read; this rests on the post alone."
MAX_ALSO = 3  # other posts of a story named with it


def quiet_day(digest: Digest) -> str:
    """The line a short edition carries, or ""."""
    if not digest.short_by:
        return ""
    return f"Quiet day: only {len(digest.topics)} new posts qualified today."


def is_unverified(topic: Topic) -> bool:
    """An analysis whose quotes were checked and not found in its source."""
    return topic.analysis.status is AnalysisStatus.OK and topic.analysis.verified is False


def unread(topic: Topic) -> bool:
    """A link post whose page could not be read."""
    return bool(topic.article and topic.article.error and not topic.article.text)


def source_links(topic: Topic) -> list[tuple[str, str]]:
    """(label, url) of where a topic comes from: its discussion, its article, and the
    other posts of its story that day; plain words, to be escaped by the platform."""
    links = [("discussion", topic.post.url)] if topic.post.url else []
    if topic.post.link:
        links.append((f"article ({domain(topic.post.link) or 'link'})", topic.post.link))
    for post in topic.also[:MAX_ALSO]:
        links.append((f"also: {strip_flair(post.title)}", post.url or post.link))
    return links


def sources_line(topic: Topic, markup: Markup, limit: int) -> str:
    """ "Sources: …" with as many of the topic's links as fit in `limit`, or ""."""
    line = ""
    for label, url in source_links(topic):
        item = markup.link(label, url, 120)
        candidate = f"{line} · {item}" if line else f"{markup.bold('Sources:')} {item}"
        if len(candidate) <= limit:
            line = candidate
    return line


def topic_notes(
    topic: Topic, markup: Markup, quote_max: int, sources_max: int
) -> tuple[list[str], list[str]]:
    """What a topic shows in chat besides its title and analysis, each line bounded:
    before the analysis, what it continues; after it, its quotes, how sure it is, and its
    links beyond the title's (which links the discussion)."""
    before = [markup.italic(update)] if (update := update_line(topic, markup)) else []
    after = [markup.quote(f"“{q}”", quote_max) for q in topic.analysis.quotes[:2]]
    if is_unverified(topic):
        after.append(markup.italic(markup.text(UNVERIFIED, 200)))
    if unread(topic):
        after.append(markup.italic(markup.text(UNREAD, 200)))
    if topic.post.link or topic.also:
        after.append(sources_line(topic, markup, sources_max))
    return before, after


def update_line(topic: Topic, markup: Markup) -> str:
    """ "Update, first covered on <date>", the date linked to that day's digest."""
    if not topic.update_of:
        return ""
    day = topic.update_of.day.isoformat()
    when = markup.link(day, topic.update_of.url, 20) if topic.update_of.url else day
    return f"Update, first covered on {when}"


def headline_lines(digest: Digest, markup: Markup, limit: int) -> list[str]:
    """The blog post's link and a quiet day's word; the topics, numbered and linked to
    their discussions and articles, updates marked; trending titles linked and
    predictions listed, each broken between items into more lines where one would pass
    `limit` (every item is far shorter than any platform's limit)."""
    lines = []
    if digest.url:
        lines.append(f"Read it on the blog: {markup.link('the post', digest.url, 20)}")
    if quiet := quiet_day(digest):
        lines.append(markup.text(quiet, 100))
    for number, topic in enumerate(digest.topics, 1):
        line = f"{number}. {markup.link(topic.title, topic.post.url, 200)}"
        if topic.post.link:
            line += f" · {markup.link('article', topic.post.link, 20)}"
        if update := update_line(topic, markup):
            line += f" · {update}"
        lines.append(line)
    if digest.trending:
        titles = [markup.link(t.title, t.url, 150) for t in digest.trending]
        lines += list_lines(markup.bold("Trending:"), titles, limit)
    if digest.predictions:
        predictions = [
            f"{markup.text(p.event, 100)} ({markup.text(p.predicted, 40)})"
            for p in digest.predictions
        ]
        lines += list_lines(markup.bold("Predictions:"), predictions, limit)
    return lines
