"""Whether two posts tell the same story: the same post, the same link, alike titles,
alike titles and lead text, or (when the endpoint has them) alike embeddings.

Pure functions of the posts and the thresholds, chosen on two labelled months of titles
and checked on the blog's archive (benchmarks/stories.py). Titles are compared by their
words (core.story_words); a title match needs two words in common, so that a shared name
alone ("OpenAI fires its CEO", "OpenAI releases GPT-4 Turbo") does not make two stories
one. Lead text is compared with rapidfuzz's token_set_ratio. Rules tried and left out,
for merging distinct stories: a shared product name ("Mixtral", "Stable Video Diffusion")
with little else in common, and a looser threshold within one day.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit

from digestbot.core.models import SourcePost
from digestbot.core.story_words import (
    alike,
    contains,
    content_words,
    is_number,
    numbers,
    strip_flair,
    title_key,
)
from digestbot.core.text import one_line

LEAD_CHARS = 300  # how much of a post's text, or its article's, tells what it is about

_ARXIV = re.compile(r"^/(?:abs|pdf|html)/(.+?)(?:v\d+)?(?:\.pdf)?/?$")
_TRACKING = frozenset((
    "fbclid", "gclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "ref", "ref_src",
    "ref_url", "smid", "cmpid", "si", "share", "s",
))  # fmt: skip

Similar = Callable[[str, str], "float | None"]  # two texts' embeddings' cosine, if known


def link_key(url: str) -> str:
    """A link as the story it points to: the same page however it was shared (scheme,
    "www.", trailing slash, tracking parameters, fragment), an arXiv paper as one whatever
    its form (abs, pdf, version). "" for no link."""
    try:
        parts = urlsplit(one_line(url))
        host = (parts.hostname or "").removeprefix("www.").removeprefix("m.")
    except ValueError:
        return ""
    if not host:
        return ""
    path = parts.path.rstrip("/")
    if host in ("arxiv.org", "export.arxiv.org") and (paper := _ARXIV.match(parts.path)):
        return f"arxiv.org/abs/{paper.group(1)}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    )
    return host + path + (f"?{urlencode(query)}" if query else "")


def lead(text: str) -> str:
    """The start of a post's or an article's text, on one line."""
    return one_line(text)[:LEAD_CHARS]


def story_text(title: str, lead_text: str) -> str:
    """What a post or topic is embedded as: its title, then its lead."""
    title = strip_flair(title)
    return f"{title}\n{lead_text}" if lead_text else title


@dataclass(frozen=True, slots=True)
class StoryRules:
    """How stories are recognised ([stories] settings)."""

    lookback_days: int = 14
    on_repeat: str = "update"  # or "skip": a story covered recently is left out
    title_similarity: float = 0.55  # 0-1 (story_words.alike)
    text_similarity: float = 0.7
    embedding_similarity: float = 0.85


@dataclass(frozen=True, slots=True)
class CoveredTopic:
    """A topic (or trending title) of an earlier digest, as stories are matched against it."""

    day: date
    title: str
    post_ids: tuple[str, ...] = ()  # its post and the other posts of its story that day
    links: tuple[str, ...] = ()
    lead: str = ""
    first_day: date | None = None  # it was an update of a story first covered that day
    first_title: str = ""


@dataclass(frozen=True, slots=True)
class Covered:
    """What the digests before `day` covered, as selection needs it."""

    day: date  # the day being made: nothing here is from it
    topics: tuple[CoveredTopic, ...] = ()  # recent topics, oldest first
    trending: tuple[CoveredTopic, ...] = ()  # recent trending titles
    post_ids: frozenset[str] = frozenset()  # of today's candidates, those covered on another day


class StoryArchive(Protocol):
    """The history's part that says what earlier digests covered (storage.stories)."""

    def covered(
        self, day: date, lookback_days: int, trending_days: int, candidate_ids: Iterable[str]
    ) -> Covered: ...


@dataclass(frozen=True, slots=True)
class Telling:
    """A post or a covered topic as the matcher compares them."""

    ids: frozenset[str]
    links: frozenset[str]
    key: str  # title_key of the title
    words: tuple[str, ...]  # its title's content words, in order
    numbers: frozenset[str]  # those with a digit
    text: str  # content words of the title and lead; "" without a lead
    embedded: str  # what its embedding was asked for


def _telling(ids: Iterable[str], links: Iterable[str], title: str, lead_text: str) -> Telling:
    words = content_words(title)
    return Telling(
        ids=frozenset(ids),
        links=frozenset(k for k in map(link_key, links) if k),
        key=title_key(title),
        words=words,
        numbers=numbers(words),
        text=" ".join((*words, *content_words(lead_text))) if lead_text else "",
        embedded=story_text(title, lead_text),
    )


def post_telling(post: SourcePost) -> Telling:
    """A post as the matcher compares it. Its links are its outbound link and its own page:
    a feed's or arXiv's post is the article or paper itself (`url`, no `link`), which a
    Hacker News or Reddit post links; their own pages are discussions, one per post."""
    return _telling((post.id,), (post.link, post.url), post.title, lead(post.body))


def covered_telling(topic: CoveredTopic) -> Telling:
    return _telling(topic.post_ids, topic.links, topic.title, topic.lead)


def story_texts(posts: Iterable[SourcePost], covered: Covered) -> list[str]:
    """The texts whose embeddings selection can use: the candidates' and the covered
    topics' and trending titles' (each once)."""
    tellings = [post_telling(p) for p in posts]
    tellings += [covered_telling(t) for t in (*covered.topics, *covered.trending)]
    return list(dict.fromkeys(t.embedded for t in tellings))


def by_vectors(vectors: Mapping[str, Sequence[float]]) -> Similar:
    """A Similar over texts' embeddings: their cosine, or None for a text without one."""
    unit: dict[str, list[float]] = {}
    for text, v in vectors.items():
        norm = math.sqrt(math.fsum(x * x for x in v))
        if norm:
            unit[text] = [x / norm for x in v]

    def similar(a: str, b: str) -> float | None:
        ua, ub = unit.get(a), unit.get(b)
        if ua is None or ub is None or len(ua) != len(ub):
            return None
        return sum(map(operator.mul, ua, ub))

    return similar


def _alike_text(a: str, b: str) -> float:
    """How alike two texts' words are, 0-1 (rapidfuzz is imported on first use)."""
    from rapidfuzz.fuzz import token_set_ratio

    return token_set_ratio(a, b) / 100


def same_story(a: Telling, b: Telling, rules: StoryRules, similar: Similar | None = None) -> str:
    """Why `a` and `b` tell the same story ("post", "link", "title", "text", "embedding"),
    or "" when they do not."""
    if a.ids & b.ids:
        return "post"
    if a.links & b.links:
        return "link"
    if a.key == b.key != "":
        return "title"
    # No number of one title missing from the other on both sides: "Llama 2" and "Llama 3"
    # are two releases however alike their titles.
    if not (a.numbers - b.numbers and b.numbers - a.numbers):
        if contains(a.words, b.words):
            return "title"
        shared = sum(not is_number(w) for w in set(a.words) & set(b.words)) >= 2
        if shared and alike(a.words, b.words) >= rules.title_similarity:
            return "title"
        if shared and a.text and b.text and _alike_text(a.text, b.text) >= rules.text_similarity:
            return "text"
    if similar is not None:
        cosine = similar(a.embedded, b.embedded)
        if cosine is not None and cosine >= rules.embedding_similarity:
            return "embedding"
    return ""
