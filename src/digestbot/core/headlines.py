"""What every rendering says about a topic beyond its analysis, in words shared by the
blog and the chat platforms: where it came from, what it continues, how sure it is,
and that a day was quiet. Each platform brings its own markup."""

from __future__ import annotations

from digestbot.core.excerpt import domain
from digestbot.core.lines import SEPARATOR, Markup, list_lines
from digestbot.core.models import AnalysisStatus, Digest, SourcePost, Topic
from digestbot.core.stories import strip_flair
from digestbot.core.text import one_line, shorten

UNVERIFIED = "Unverified: the quotes this analysis rests on were not found in its source."
UNREAD = "The linked page could not be read; this rests on the post alone."
MAX_ALSO = 3  # other posts of a story named with it
SOURCE_NAME_MAX = 60  # a source's name as shown: the user's settings may make it any length
SHOWN_NAME_MAX = 2 * SOURCE_NAME_MAX  # the name once the platform has escaped it


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


def source_name(post: SourcePost) -> str:
    """The name of the source a post came from, bounded, as plain words; "" if unknown."""
    return shorten(one_line(post.source_name), SOURCE_NAME_MAX)


def article_link(topic: Topic) -> str:
    """The page the topic's post points to, "" for none or for the post's own page (a
    feed's entry points to the page it is)."""
    return topic.post.link if topic.post.link != topic.post.url else ""


def other_sources(topic: Topic) -> list[tuple[str, str]]:
    """(name, url) of each other source the topic's story was posted on that day, first
    post of each, among the MAX_ALSO other posts named with it."""
    seen = {source_name(topic.post), ""}
    found = []
    for post in topic.also[:MAX_ALSO]:
        if (name := source_name(post)) not in seen:
            seen.add(name)
            found.append((name, post.url or post.link))
    return found


def source_links(topic: Topic) -> list[tuple[str, str]]:
    """(label, url) of where a topic comes from: its discussion (named by its source), its
    article, and the other posts of its story that day (with their source, if another);
    plain words, to be escaped by the platform."""
    own = source_name(topic.post)
    links = [(own or "discussion", topic.post.url)] if topic.post.url else []
    if article := article_link(topic):
        links.append((f"article ({domain(article) or 'link'})", article))
    for post in topic.also[:MAX_ALSO]:
        name = source_name(post)
        where = f" on {name}" if name and name != own else ""
        links.append((f"also{where}: {strip_flair(post.title)}", post.url or post.link))
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
    links, the first naming the source whose discussion the title links."""
    before = [markup.italic(update)] if (update := update_line(topic, markup)) else []
    after = [markup.quote(f"“{q}”", quote_max) for q in topic.analysis.quotes[:2]]
    if is_unverified(topic):
        after.append(markup.italic(markup.text(UNVERIFIED, 200)))
    if unread(topic):
        after.append(markup.italic(markup.text(UNREAD, 200)))
    if sources := sources_line(topic, markup, sources_max):
        after.append(sources)
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
    their discussions, named by their sources (the story's other sources linked as room
    allows), their articles linked, updates marked; trending titles linked and
    predictions listed, each broken between items into more lines where one would pass
    `limit` (every item is far shorter than any platform's limit)."""
    lines = []
    if digest.url:
        lines.append(f"Read it on the blog: {markup.link('the post', digest.url, 20)}")
    if quiet := quiet_day(digest):
        lines.append(markup.text(quiet, 100))
    for number, topic in enumerate(digest.topics, 1):
        lines.append(_headline(number, topic, markup, limit))
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


def _headline(number: int, topic: Topic, markup: Markup, limit: int) -> str:
    """ "1. <title> · r/MachineLearning · article · also on <Hacker News> · Update, …": the
    title links the discussion, so its source's name is plain; the other sources are
    linked while the line stays within `limit`."""
    parts = [f"{number}. {markup.link(topic.title, topic.post.url, 200)}"]
    if name := source_name(topic.post):
        parts.append(markup.text(name, SHOWN_NAME_MAX))
    if article := article_link(topic):
        parts.append(markup.link("article", article, 20))
    update = update_line(topic, markup)
    room = limit - len(SEPARATOR.join(parts)) - (len(SEPARATOR + update) if update else 0)
    also = ""
    for other, url in other_sources(topic):
        item = markup.link(other, url, SHOWN_NAME_MAX)
        candidate = f"{also}, {item}" if also else f"also on {item}"
        if len(SEPARATOR + candidate) <= room:
            also = candidate
    return SEPARATOR.join([*parts, *([also] if also else []), *([update] if update else [])])
