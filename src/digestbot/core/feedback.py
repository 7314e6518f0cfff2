"""Reactions as votes, and what the team's votes say: which emoji is a vote, how a
topic's votes add up by source and subject, and the weights `selection.learn_from_feedback`
gives the next days' ranking.

Pure: the chat adapters turn their platform's events into a `Reaction`, storage keeps
the votes (`storage/votes.py`), `digestbot feedback` shows them.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple, Protocol

from digestbot.core.story_words import content_words, is_number, strip_flair

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

UP, DOWN = 1, -1
# Slack names a skin tone after the emoji ("+1::skin-tone-2"); Discord's emoji carries it
# as a Fitzpatrick modifier (U+1F3FB..U+1F3FF), often with a variation selector (U+FE0F).
_SLACK_SKIN_TONE = re.compile(r"::skin-tone-\d+$")
_EMOJI_MODIFIERS = re.compile("[\U0001f3fb-\U0001f3ff\ufe0f]")
_WORD = re.compile(r"\d+(?:\.\d+)+|\w+")  # as story_words splits a title

# Learned weights: VOTES net votes move a source's multiplier (or a subject's boost)
# about three quarters of the way to its bound; the bound is reached only in the limit.
VOTES = 5.0
LOWEST, HIGHEST = 0.5, 2.0  # a source's (and a topic's whole) multiplier


class Reaction(NamedTuple):
    """A reaction added to or removed from a message, as a chat platform reported it."""

    platform: str  # "discord", "slack"
    channel: str  # where the message is, as the event names it (Discord: maybe a thread)
    message_id: str  # Discord's message id; Slack's ts
    user: str
    emoji: str  # Discord's emoji (a custom one by its name); Slack's reaction name
    added: bool  # False: removed


class ChannelVotes(NamedTuple):
    platform: str
    channel: str  # the channel the digest was delivered to
    up: int
    down: int


class TopicVotes(NamedTuple):
    """A topic delivered to chat, with the votes it got in every channel."""

    day: str
    post_id: str
    title: str
    link: str  # the discussion's address
    source: str  # the source's name as readers see it
    up: int
    down: int
    channels: tuple[ChannelVotes, ...] = ()

    @property
    def net(self) -> int:
        return self.up - self.down


class Liking(NamedTuple):
    """How the team voted on the topics of one source, or of one subject word."""

    name: str
    topics: int  # topics with votes
    up: int
    down: int

    @property
    def net(self) -> int:
        return self.up - self.down


def base_emoji(emoji: str) -> str:
    """The emoji without its skin tone: "+1::skin-tone-2" is "+1", "👍🏽" is "👍"."""
    name = _SLACK_SKIN_TONE.sub("", emoji.strip())
    return _EMOJI_MODIFIERS.sub("", name) or name


def vote_value(emoji: str, up: Collection[str], down: Collection[str]) -> int:
    """1 for an up vote, -1 for a down vote, 0 for a reaction that is no vote."""
    name = base_emoji(emoji)
    if name in {base_emoji(e) for e in up}:
        return UP
    if name in {base_emoji(e) for e in down}:
        return DOWN
    return 0


class VoteBook(Protocol):
    """Where votes are kept (storage/votes.py)."""

    def record(
        self, platform: str, channel: str, message_id: str, user: str, emoji: str, value: int
    ) -> bool: ...

    def remove(
        self, platform: str, channel: str, message_id: str, user: str, emoji: str
    ) -> bool: ...


class VoteCounter:
    """Turns the reactions the chat platforms report into votes kept in a VoteBook: what
    the wiring hands the platforms' reaction handlers."""

    def __init__(self, book: VoteBook, up: Collection[str], down: Collection[str]) -> None:
        self._book = book
        self._up = up
        self._down = down

    async def __call__(self, reaction: Reaction) -> bool:
        """Whether a vote was kept or forgotten."""
        where = (reaction.platform, reaction.channel, reaction.message_id, reaction.user)
        emoji = base_emoji(reaction.emoji)
        if not reaction.added:  # whatever the settings say now: no vote outlives its reaction
            return self._book.remove(*where, emoji)
        value = vote_value(emoji, self._up, self._down)
        return bool(value) and self._book.record(*where, emoji, value)


def voted(topics: Iterable[TopicVotes]) -> list[TopicVotes]:
    return [t for t in topics if t.up or t.down]


def by_source(topics: Iterable[TopicVotes]) -> list[Liking]:
    """Each source's votes, most liked first; topics without votes leave no trace."""
    totals: dict[str, list[int]] = {}
    for topic in voted(topics):
        _add(totals, topic.source or "(no source)", topic)
    return _likings(totals, {})


def subjects(title: str) -> dict[str, str]:
    """A title's subject words: each content word's stem, with the word as written."""
    found: dict[str, str] = {}
    for word in _WORD.findall(strip_flair(title).casefold()):
        stems = content_words(word)
        if stems and not is_number(word):
            found.setdefault(stems[0], word)
    return found


def by_subject(topics: Iterable[TopicVotes]) -> list[Liking]:
    """Each subject word's votes (a word's forms count as one: "agent", "agents"), most
    liked first, named by the form the titles used most."""
    totals: dict[str, list[int]] = {}
    forms: dict[str, dict[str, int]] = {}
    for topic in voted(topics):
        for stem, word in subjects(topic.title).items():
            _add(totals, stem, topic)
            seen = forms.setdefault(stem, {})
            seen[word] = seen.get(word, 0) + 1
    names = {stem: max(seen, key=lambda w: (seen[w], -len(w), w)) for stem, seen in forms.items()}
    return _likings(totals, names)


def _add(totals: dict[str, list[int]], key: str, topic: TopicVotes) -> None:
    counts = totals.setdefault(key, [0, 0, 0])
    counts[0] += 1
    counts[1] += topic.up
    counts[2] += topic.down


def _likings(totals: dict[str, list[int]], names: dict[str, str]) -> list[Liking]:
    likings = [Liking(names.get(key, key), *counts) for key, counts in totals.items()]
    return sorted(likings, key=lambda x: (-x.net, -x.up, x.name))


class LearnedWeights(NamedTuple):
    """What past votes make of a post in the ranking: a multiplier for its source and a
    boost for each subject word of its title, together a factor from LOWEST to HIGHEST."""

    sources: dict[str, float]  # by source name: LOWEST..HIGHEST, 1 for no opinion
    words: dict[str, float]  # by subject stem: -1..1, 0 for no opinion

    def source_factor(self, source: str) -> float:
        return self.sources.get(source, 1.0)

    def subject_factor(self, title: str) -> float:
        """2 to the power of the title's subject words' boosts together (at most ±1)."""
        boost = sum(self.words.get(stem, 0.0) for stem in subjects(title))
        return 2.0 ** max(-1.0, min(1.0, boost))

    def factor(self, source: str, title: str) -> float:
        """What a post's ranking score is multiplied by."""
        both = self.source_factor(source) * self.subject_factor(title)
        return max(LOWEST, min(HIGHEST, both))


def learned_weights(topics: Iterable[TopicVotes]) -> LearnedWeights:
    """The weights past votes give: a source's multiplier is 2^tanh(net / VOTES) (net up
    votes raise it towards 2, net down votes lower it towards 0.5); a subject word's
    boost is tanh(net / VOTES), from the votes of the topics whose titles have it."""
    topics = list(topics)
    sources = {
        like.name: 2.0 ** math.tanh(like.net / VOTES) for like in by_source(topics) if like.net
    }
    words: dict[str, int] = {}
    for topic in voted(topics):
        for stem in subjects(topic.title):
            words[stem] = words.get(stem, 0) + topic.net
    boosts = {stem: math.tanh(net / VOTES) for stem, net in words.items() if net}
    return LearnedWeights(sources, boosts)
