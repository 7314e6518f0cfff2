"""Reddit (praw) and its RSS feeds (aiohttp) on a bad day, against the fake Reddit.

What may pass (429, 5xx, a lost connection, no answer in time) is tried again, a few
times, with a hard timeout on every try; what will not (401, 403, 404, a body that is
not a listing) fails at once, in one SourceError line that names the subreddit. The
waits between tries are recorded instead of slept.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import pytest

from digestbot.core.errors import SourceError
from digestbot.core.ports import Source
from digestbot.sources import retry
from digestbot.sources.feeds import FeedOptions, FeedSource
from digestbot.sources.reddit import RedditOptions, RedditSource
from tests.fakes.reddit import FakeReddit, reddit_post
from tests.fakes.server import Fault

AGENT = "digestbot-tests/1.0"
SUB = "MachineLearning"
NAME = f"r/{SUB}"
LISTING = {"reddit": f"/r/{SUB}/top", "rss": f"/r/{SUB}/top/.rss"}
JSON = {"Content-Type": "application/json"}

MakeSource = Callable[..., Source]


@pytest.fixture(params=["reddit", "rss"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_source(kind: str, reddit: FakeReddit) -> MakeSource:
    """The source of this kind (praw with credentials, or the feeds) on the fake Reddit."""

    def make(timeout: float = 5.0, url: str = reddit.url) -> Source:
        if kind == "reddit":
            return RedditSource(
                RedditOptions(NAME, SUB, "top", "id", "secret", AGENT, 25, url, url, timeout)
            )
        return FeedSource(FeedOptions(NAME, SUB, "top", url, AGENT, timeout))

    return make


# -- what may pass is tried again ---------------------------------------------------


async def test_server_errors_are_retried_with_backoff(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    reddit.fail(LISTING[kind], Fault(503, b"down"), Fault(502, b"bad gateway"))
    posts = await make_source().fetch()
    assert [p.title for p in posts] == [p["title"] for p in reddit.listings[SUB]]
    assert len(reddit.seen(LISTING[kind])) == 3 == retry.ATTEMPTS
    assert len(waits) == 2 and 0 < waits[0] < waits[1] <= 4.5  # backoff, growing


async def test_server_errors_past_the_last_try_are_one_clear_error(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    reddit.fail(LISTING[kind], *[Fault(500, b"oops")] * retry.ATTEMPTS)
    with pytest.raises(SourceError, match=rf"r/{SUB}.* after 3 tries: it answered 500$"):
        await make_source().fetch()
    assert len(reddit.seen(LISTING[kind])) == retry.ATTEMPTS and len(waits) == 2


async def test_a_rate_limit_waits_what_retry_after_asks(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    reddit.fail(LISTING[kind], Fault(429, b"{}", {"Retry-After": "7", **JSON}))
    posts = await make_source().fetch()
    assert len(posts) == len(reddit.listings[SUB])
    assert waits == [7.0] and len(reddit.seen(LISTING[kind])) == 2


async def test_a_rate_limit_asking_for_too_long_a_wait_fails_at_once(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    reddit.fail(LISTING[kind], Fault(429, b"{}", {"Retry-After": "3600", **JSON}))
    with pytest.raises(SourceError, match=rf"r/{SUB}.*\(429\) and asks to wait 3600 s"):
        await make_source().fetch()
    assert waits == [] and len(reddit.seen(LISTING[kind])) == 1


async def test_a_refused_connection_is_retried_then_reported(
    make_source: MakeSource, waits: list[float]
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match=rf"r/{SUB}.* after 3 tries: the connection failed"):
        await make_source(url=f"http://127.0.0.1:{port}").fetch()
    assert len(waits) == retry.ATTEMPTS - 1


# -- a hard timeout on every try ------------------------------------------------------


async def test_a_hanging_server_fails_within_a_bounded_time_and_never_blocks_the_loop(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    timeout = 0.5
    reddit.hang(LISTING[kind], times=retry.ATTEMPTS)  # no answer before the test ends
    gaps: list[float] = []

    async def tick() -> None:  # the loop's pulse: it must keep beating while Reddit hangs
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    with pytest.raises(SourceError, match=rf"r/{SUB}.* after 3 tries: no answer within 0.5 s"):
        await make_source(timeout=timeout).fetch()
    elapsed = time.monotonic() - started
    ticker.cancel()
    assert elapsed < 2 * retry.ATTEMPTS * timeout  # each try ends at its timeout
    assert len(reddit.seen(LISTING[kind])) == retry.ATTEMPTS
    assert max(gaps) < timeout


async def test_a_try_that_times_out_is_retried(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    timeout = 0.5
    reddit.hang(LISTING[kind])
    started = time.monotonic()
    posts = await make_source(timeout=timeout).fetch()
    assert time.monotonic() - started < 4 * timeout  # the hanging try ended at its timeout
    assert len(posts) == len(reddit.listings[SUB])
    assert len(reddit.seen(LISTING[kind])) == 2 and len(waits) == 1


# -- what will not pass fails at once -------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fault", "message"),
    [
        ("reddit", Fault(403, b'{"reason": "private", "error": 403}', JSON), r"private.*\(403, private\)"),
        ("reddit", Fault(404, b'{"reason": "banned", "error": 404}', JSON), r"not found \(404, banned\)"),
        ("reddit", Fault(404, b'{"message": "Not Found", "error": 404}', JSON), r"not found \(404\)$"),
        ("reddit", Fault(401, b'{"message": "Unauthorized"}', JSON), r"refused the client credentials \(401\)"),
        ("reddit", Fault(302, b"", {"Location": "/subreddits/search?q=x"}), "does not exist"),
        ("rss", Fault(403, b"<html>forbidden"), r"answered 403: the subreddit is private"),
        ("rss", Fault(404, b"<html>not found"), r"answered 404: no such subreddit"),
        ("rss", Fault(401, b"<html>no"), r"answered 401: Reddit refused"),
    ],
)  # fmt: skip
async def test_a_refusal_is_not_retried(
    make_source: MakeSource,
    reddit: FakeReddit,
    kind: str,
    fault: Fault,
    message: str,
    waits: list[float],
) -> None:
    reddit.fail(LISTING[kind], fault, fault)
    with pytest.raises(SourceError, match=message) as caught:
        await make_source().fetch()
    assert f"r/{SUB}" in str(caught.value) and "\n" not in str(caught.value)
    assert len(reddit.seen(LISTING[kind])) == 1 and waits == []


@pytest.mark.parametrize("kind", ["reddit"])
async def test_refused_credentials_are_not_retried(
    make_source: MakeSource, reddit: FakeReddit, kind: str, waits: list[float]
) -> None:
    reddit.fail("/api/v1/access_token", Fault(401, b'{"error": 401}', JSON))
    with pytest.raises(SourceError, match=r"refused the client credentials \(401\)"):
        await make_source().fetch()
    assert len(reddit.seen("/api/v1/access_token")) == 1 and reddit.seen(LISTING[kind]) == []
    assert waits == []


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("reddit", b"<html>the site is down", "its answer is not JSON"),
        ("reddit", b"{}", "its answer is not a listing"),
        ("reddit", b'{"kind": "Listing"}', "its answer is not a listing"),
        ("reddit", b'{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {}}]}}', "its answer is not a listing"),
        ("rss", b"<<< not a feed", "is not a readable feed"),
        ("rss", b'{"kind": "Listing"}', "is not a readable feed"),
    ],
)  # fmt: skip
async def test_a_malformed_body_is_one_clear_error_and_not_retried(
    make_source: MakeSource,
    reddit: FakeReddit,
    kind: str,
    body: bytes,
    message: str,
    waits: list[float],
) -> None:
    reddit.fail(LISTING[kind], Fault(200, body, JSON), Fault(200, body, JSON))
    with pytest.raises(SourceError, match=message) as caught:
        await make_source().fetch()
    assert f"r/{SUB}" in str(caught.value) and "\n" not in str(caught.value)
    assert len(reddit.seen(LISTING[kind])) == 1 and waits == []


# -- what a post says and where it links, in both modes -----------------------------


async def test_a_post_keeps_its_own_words_and_its_link(
    make_source: MakeSource, reddit: FakeReddit
) -> None:
    words = "The review was submitted by the authors & checked twice.\n\nsubmitted by me too"
    reddit.listings[SUB] = [
        reddit_post("A link post", id="l1", selftext=words, url="https://example.org/a?b=1&c=2"),
        reddit_post(
            "A self post",
            id="s1",
            is_self=True,
            url="https://www.reddit.com/r/test/comments/s1/slug/",
        ),
    ]
    link_post, self_post = await make_source().fetch()
    assert " ".join(link_post.body.split()) == " ".join(words.split())
    assert link_post.link == "https://example.org/a?b=1&c=2"
    assert self_post.body == "" and self_post.link == ""


async def test_a_crosspost_takes_its_parents_text_and_link(reddit: FakeReddit) -> None:
    parent_link = reddit_post("Original", id="o1", url="https://example.org/paper")
    parent_self = reddit_post(
        "Original discussion",
        id="o2",
        selftext="What the original post says.",
        is_self=True,
        url="https://www.reddit.com/r/test/comments/o2/slug/",
    )
    reddit.listings[SUB] = [
        reddit_post("Crosspost of a link", id="x1", url="/r/other/comments/o1/slug/",
                    crosspost_parent_list=[parent_link]),
        reddit_post("Crosspost of a discussion", id="x2", url="/r/other/comments/o2/slug/",
                    crosspost_parent_list=[parent_self]),
    ]  # fmt: skip
    source = RedditSource(
        RedditOptions(NAME, SUB, "top", "id", "secret", AGENT, 25, reddit.url, reddit.url, 5)
    )
    of_link, of_self = await source.fetch()
    assert (of_link.link, of_link.body) == ("https://example.org/paper", "")
    assert (of_self.link, of_self.body) == ("", "What the original post says.")
    assert of_link.url.endswith("/comments/x1/slug/")  # its own discussion


async def test_a_feeds_crosspost_links_its_parents_discussion_in_full(reddit: FakeReddit) -> None:
    # A feed's [link] of a crosspost is relative to Reddit: made whole, it is usable.
    reddit.listings[SUB] = [reddit_post("Crosspost", id="x3", url="/r/other/comments/o3/slug/")]
    (post,) = await FeedSource(FeedOptions(NAME, SUB, "top", reddit.url, AGENT, 5)).fetch()
    assert post.link.startswith(("http://", "https://"))
    assert post.link.endswith("/r/other/comments/o3/slug/")
