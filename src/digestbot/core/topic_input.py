"""What the LLM is given about a topic: its source, cut to a budget, and its history.

The source is the post's title and text, the page a link post points to (or why it could
not be read), and the other posts on the same story that day. Each part gets a fair
share of the budget: a short part takes only what it needs and leaves the rest to the
others, so a long article cannot push out the post, nor the post the article. Our own
labels between the parts are not source: quotes are checked against the parts alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from digestbot.core.models import SourcePost, Topic
from digestbot.core.text import as_data, one_line

EARLIER_TITLE_TOKENS = 60


@dataclass(frozen=True, slots=True)
class TopicInput:
    title: str  # for $title: safe to place between the <source> tags
    body: str  # for $body: the post's text, the linked page, the story's other posts
    earlier: str  # for $earlier: when the digest first covered the story, or ""
    source: str  # the source's own words as given, without our labels: what quotes are in


def community(post: SourcePost) -> str:
    """Where a post was posted, for the prompt: a subreddit's bare name ("MachineLearning",
    as posts stored as "reddit:MachineLearning" always gave), else its source's name
    ("Hacker News", "arXiv cs.LG", a feed's); an imported post says "imported"."""
    return one_line(post.source_name.removeprefix("r/") or post.source)


def earlier_note(topic: Topic) -> str:
    """A line on the story's first coverage, for an update; "" for a new story."""
    if (first := topic.update_of) is None:
        return ""
    title = as_data(one_line(first.title), EARLIER_TITLE_TOKENS)
    return (
        f"Earlier coverage: the digest first covered this story on {first.day.isoformat()}, "
        f"under the title: {title}"
    )


def topic_input(topic: Topic, budget_tokens: int) -> TopicInput:
    """The topic's source within about `budget_tokens`, and its earlier coverage."""
    article = topic.article
    article_text = article.text if article and article.text else ""
    others = [_other(post) for post in topic.also]
    sizes = [
        min(_tokens(topic.title), budget_tokens // 4),
        _tokens(topic.post.body),
        _tokens(article_text),
        *(min(_tokens(text), budget_tokens // 8) for text in others),
    ]
    title_share, body_share, article_share, *other_shares = _shares(sizes, budget_tokens)
    title = as_data(topic.title, title_share)
    parts = [title]
    sections = []
    if topic.post.body.strip():
        parts.append(as_data(topic.post.body, body_share))
        sections.append(parts[-1])
    link = (article.url if article else "") or topic.post.link
    if article_text:
        parts.append(as_data(article_text, article_share))
        sections.append(f"The linked page ({_domain(link)}):\n{parts[-1]}")
    elif link:
        sections.append(_unread(link, article.error if article else "", bool(sections)))
    elif not sections and not others:
        sections.append("(No text: only the title is known.)")
    for post, text, share in zip(topic.also, others, other_shares, strict=True):
        parts.append(as_data(text, share))
        sections.append(f"Another post on this story (in {community(post)}):\n{parts[-1]}")
    return TopicInput(title, "\n\n".join(sections), earlier_note(topic), "\n".join(parts))


def _unread(link: str, error: str, has_text: bool) -> str:
    known = "the post's text above" if has_text else "the title"
    if error:
        return f"(The linked page at {_domain(link)} could not be read: only {known} is known.)"
    return f"(A link to {_domain(link)}, not read: only {known} is known.)"


def _other(post: SourcePost) -> str:
    return f"{post.title}\n{post.body}".rstrip()


def _domain(url: str) -> str:
    host = urlsplit(one_line(url)).hostname or "an unnamed site"
    return host.removeprefix("www.")


def _tokens(text: str) -> int:
    return -(-len(text) // 4)  # as_data's 4 characters a token, rounded up: no cut


def _shares(sizes: list[int], total: int) -> list[int]:
    """`total` split fairly (max-min): the smallest needs are met in full, and what they
    leave is shared equally by the larger ones."""
    shares = [0] * len(sizes)
    left, parts = total, len(sizes)
    for i in sorted(range(len(sizes)), key=sizes.__getitem__):
        shares[i] = min(sizes[i], left // parts)
        left, parts = left - shares[i], parts - 1
    return shares
