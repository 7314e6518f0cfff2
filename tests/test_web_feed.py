"""Any RSS 2.0, Atom or RSS 1.0 feed, and both feed-like sources (a web feed, arXiv) on a
bad day, against the fake feed server.

What may pass (429, 5xx, no answer in time) is tried again; what will not (a refusal, a
body that is not a feed) fails at once, in one SourceError line naming the source. The
waits between tries are recorded instead of slept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digestbot.core.errors import SourceError
from digestbot.sources import http, retry
from digestbot.sources.arxiv import ArxivOptions, ArxivSource
from digestbot.sources.web_feed import WebFeedOptions, WebFeedSource
from tests.fakes.feed_server import PAPERS, RSS, FakeFeeds, arxiv_feed
from tests.fakes.server import Fault

AGENT = "digestbot-tests/1.0 (+https://example.org/digestbot)"
BLOG = "/blog/feed.xml"
Fetch = Callable[..., WebFeedSource | ArxivSource]


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    with FakeFeeds() as server:
        yield server


def web_feed(feeds: FakeFeeds, path: str = BLOG, limit: int = 25, timeout: float = 5.0):
    return WebFeedSource(WebFeedOptions("lab", feeds.url + path, limit, AGENT, timeout))


# -- each format's entries, as posts --------------------------------------------------


async def test_an_rss2_feeds_items_are_posts_in_feed_order(feeds: FakeFeeds) -> None:
    before = datetime.now(UTC)
    first, second, undated = await web_feed(feeds).fetch()
    # A feed's own numbering is made global by its address, not by the source's name.
    assert first.id == f"feed:{feeds.url}{BLOG}#blog-post-42" and first.source == "lab"
    assert first.title == "Sparse attention, explained"
    assert first.url == "https://blog.example.org/2026/11/sparse-attention/"
    # The full content, not the teaser; tags out, entities unescaped, one line.
    assert first.body == "Sparse attention skips most pairs & keeps the rest. Costs fall — a lot."
    assert first.created_utc == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # from +0100
    assert (first.link, first.score) == (first.url, 0)  # its page is read for its text
    # No guid: known by its link; a description's escaped HTML is read as HTML.
    assert second.id == "feed:https://blog.example.org/2026/11/evaluation/"
    assert second.title == "Q & A: our evaluation setup"
    assert second.body == "We test on held-out data & say so."
    assert before <= undated.created_utc <= datetime.now(UTC)  # no date: when fetched
    (request,) = feeds.seen(BLOG)
    assert request.headers["User-Agent"] == AGENT


async def test_github_releases_atom_entries_are_posts(feeds: FakeFeeds) -> None:
    new, old = await web_feed(feeds, "/example/trainer/releases.atom").fetch()
    assert new.id == "feed:tag:github.com,2008:Repository/123456/v2.1.0"
    assert (new.title, new.url) == (
        "v2.1.0",
        "https://github.com/example/trainer/releases/tag/v2.1.0",
    )
    assert new.body == "What's new Faster data loading & fewer copies"
    assert new.created_utc == datetime(2026, 11, 28, 12, tzinfo=UTC)  # updated: no published
    assert old.title == "v2.0.0" and old.created_utc < new.created_utc


async def test_an_rss1_rdf_items_are_posts(feeds: FakeFeeds) -> None:
    (article,) = await web_feed(feeds, "/journal/rss").fetch()
    assert article.id == "feed:https://journal.example.org/articles/7"
    assert article.url == "https://journal.example.org/articles/7"
    assert article.title == "On the limits of scaling"
    assert article.body == "We find that returns diminish <sooner> than thought."
    assert article.created_utc == datetime(2026, 11, 26, 15, tzinfo=UTC)


async def test_the_fetch_limit_keeps_the_first_entries(feeds: FakeFeeds) -> None:
    posts = await web_feed(feeds, limit=2).fetch()
    assert [p.title for p in posts] == [
        "Sparse attention, explained",
        "Q & A: our evaluation setup",
    ]


async def test_entries_link_web_pages_and_plain_text_stays_as_written(feeds: FakeFeeds) -> None:
    document = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Orphan</title><summary>no id, no link</summary></entry>
<entry><id>urn:x:1</id><title type="text">a &lt;b&gt; c</title>
<summary type="text">if a &lt; b and c &gt; d</summary></entry>
<entry><id>urn:x:2</id><title>Relative</title><link href="../posts/2/"/></entry></feed>"""
    feeds.fail(BLOG, Fault(200, document))
    no_page, relative = await web_feed(feeds).fetch()  # the orphan is left out
    assert (no_page.id, no_page.url) == ("feed:urn:x:1", "")  # a urn is no page
    assert (no_page.title, no_page.body) == ("a <b> c", "if a < b and c > d")
    assert relative.url == f"{feeds.url}/posts/2/"  # resolved against the feed's address


async def test_a_date_out_of_range_is_no_date(feeds: FakeFeeds) -> None:
    dates = ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"]
    items = "".join(
        f"<item><title>{d}</title><link>https://x.example/{i}</link><pubDate>{d}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    document = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    feeds.fail(BLOG, Fault(200, document.encode()))
    before = datetime.now(UTC)
    posts = await web_feed(feeds).fetch()
    assert len(posts) == 2 and all(before <= p.created_utc <= datetime.now(UTC) for p in posts)


async def test_an_empty_feed_is_no_posts(feeds: FakeFeeds) -> None:
    feeds.fail(
        BLOG,
        Fault(
            200,
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
        ),
    )
    assert await web_feed(feeds).fetch() == []


# -- both feed-like sources on a bad day ------------------------------------------------


@pytest.fixture(params=["feed", "arxiv"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def path(kind: str) -> str:
    return BLOG if kind == "feed" else "/api/query"


@pytest.fixture
def make(kind: str, feeds: FakeFeeds) -> Fetch:
    def make(timeout: float = 5.0) -> WebFeedSource | ArxivSource:
        if kind == "feed":
            return web_feed(feeds, timeout=timeout)
        return ArxivSource(ArxivOptions("ml", "cs.LG", 25, AGENT, timeout, f"{feeds.url}/api"))

    return make


@pytest.fixture
def named(kind: str) -> str:
    """How the source's errors name it."""
    return '^the feed "lab"' if kind == "feed" else '^the arXiv listing "ml"'


async def test_server_errors_are_retried_with_backoff(
    make: Fetch, feeds: FakeFeeds, path: str, waits: list[float]
) -> None:
    feeds.fail(path, Fault(503, b"down"), Fault(502, b"bad gateway"))
    assert len(await make().fetch()) == 3
    assert len(feeds.seen(path)) == 3 == retry.ATTEMPTS
    assert len(waits) == 2 and 0 < waits[0] < waits[1] <= 4.5


async def test_server_errors_past_the_last_try_are_one_error_naming_the_source(
    make: Fetch, feeds: FakeFeeds, path: str, named: str, waits: list[float]
) -> None:
    feeds.fail(path, *[Fault(500, b"oops")] * retry.ATTEMPTS)
    with pytest.raises(SourceError, match=rf"{named} failed after 3 tries: it answered 500$"):
        await make().fetch()
    assert len(feeds.seen(path)) == retry.ATTEMPTS and len(waits) == 2


async def test_a_rate_limit_waits_what_retry_after_asks(
    make: Fetch, feeds: FakeFeeds, path: str, waits: list[float]
) -> None:
    feeds.fail(path, Fault(429, b"slow down", {"Retry-After": "7"}))
    assert len(await make().fetch()) == 3
    assert waits == [7.0] and len(feeds.seen(path)) == 2


async def test_a_hanging_server_is_tried_again_then_reported(
    make: Fetch, feeds: FakeFeeds, path: str, named: str, waits: list[float]
) -> None:
    feeds.hang(path, times=retry.ATTEMPTS)
    match = rf"{named} failed after 3 tries: no answer within 0.2 s"
    with pytest.raises(SourceError, match=match):
        await asyncio.wait_for(make(timeout=0.2).fetch(), 5)
    assert len(feeds.seen(path)) == retry.ATTEMPTS and len(waits) == 2


async def test_a_try_that_times_out_is_retried(
    make: Fetch, feeds: FakeFeeds, path: str, waits: list[float]
) -> None:
    feeds.hang(path)
    assert len(await asyncio.wait_for(make(timeout=0.2).fetch(), 5)) == 3
    assert len(feeds.seen(path)) == 2 and len(waits) == 1


async def test_a_refusal_is_not_retried(
    make: Fetch, feeds: FakeFeeds, path: str, named: str, kind: str, waits: list[float]
) -> None:
    feeds.fail(path, Fault(403, b"<html>no"), Fault(403, b"<html>no"))
    with pytest.raises(SourceError, match=rf"{named} answered 403"):
        await make().fetch()
    assert len(feeds.seen(path)) == 1 and waits == []


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><head><title>Home</title></head><body><p>Welcome</p></body></html>",
        bytes(range(256)) * 8,
        b'{"items": []}',
        b"",
    ],
    ids=["html", "garbage", "json", "empty"],
)
async def test_a_body_that_is_not_a_feed_is_one_error_and_not_retried(
    make: Fetch, feeds: FakeFeeds, path: str, named: str, body: bytes, waits: list[float]
) -> None:
    feeds.fail(path, Fault(200, body), Fault(200, body))
    with pytest.raises(SourceError, match=rf"{named} is not a readable feed$"):
        await make().fetch()
    assert len(feeds.seen(path)) == 1 and waits == []


async def test_a_body_too_large_is_refused_and_not_retried(
    make: Fetch,
    feeds: FakeFeeds,
    path: str,
    named: str,
    waits: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = RSS if path == BLOG else arxiv_feed("q", PAPERS[:3])
    monkeypatch.setattr(http, "MAX_BYTES", len(body))
    feeds.fail(path, Fault(200, body), Fault(200, body + b" "), Fault(200, body + b" "))
    assert len(await make().fetch()) == 3  # up to the limit, read
    with pytest.raises(SourceError, match=rf"{named} sent more than {len(body):,} bytes"):
        await make().fetch()
    assert len(feeds.seen(path)) == 2 and waits == []


async def test_a_body_naming_a_local_file_is_not_read_as_that_file(
    make: Fetch, feeds: FakeFeeds, path: str, named: str, tmp_path: Path
) -> None:
    local = tmp_path / "feed.xml"
    local.write_bytes(RSS)  # a feed feedparser would read, were it handed the name
    feeds.fail(path, Fault(200, str(local).encode()))
    with pytest.raises(SourceError, match=rf"{named} is not a readable feed$"):
        await make().fetch()
