"""An arXiv category's newest papers through the export API, against the fake API.

Its faults (429, 5xx, no answer, a body that is not a feed) are tested with the web
feed's in test_web_feed.py; here: the query, the papers, and arXiv's own answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from digestbot.core.errors import SourceError
from digestbot.sources.arxiv import API_URL, ArxivOptions, ArxivSource, query_url
from tests.fakes.feed_server import FakeFeeds, error_feed
from tests.fakes.server import Fault

AGENT = "digestbot-tests/1.0 (+https://example.org/digestbot)"
QUERY = "/api/query"


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    with FakeFeeds() as server:
        yield server


def arxiv(feeds: FakeFeeds, category: str = "cs.LG", limit: int = 25) -> ArxivSource:
    return ArxivSource(ArxivOptions("ml", category, limit, AGENT, 5.0, f"{feeds.url}/api/"))


async def test_it_asks_for_the_categorys_newest_submissions(feeds: FakeFeeds) -> None:
    await arxiv(feeds, limit=7).fetch()
    (request,) = feeds.seen(QUERY)
    assert request.query == {
        "search_query": "cat:cs.LG",
        "sortBy": "submittedDate",
        "sortOrder": "descending",
        "max_results": "7",
    }
    assert request.headers["User-Agent"] == AGENT


async def test_a_category_is_one_query_value_however_it_is_written(feeds: FakeFeeds) -> None:
    await arxiv(feeds, category="cs.LG&max_results=1 OR cat:x#").fetch()
    (request,) = feeds.seen(QUERY)
    assert request.query["search_query"] == "cat:cs.LG&max_results=1 OR cat:x#"
    assert request.query["max_results"] == "25"


def test_the_default_api_is_arxivs_export_api() -> None:
    options = ArxivOptions("ml", "cs.LG", 3, AGENT, 5.0)
    assert query_url(options) == (
        "http://export.arxiv.org/api/query?search_query=cat%3Acs.LG"
        "&sortBy=submittedDate&sortOrder=descending&max_results=3"
    )
    assert options.api_url == API_URL


async def test_papers_are_posts_known_by_their_id_without_version(feeds: FakeFeeds) -> None:
    newest, second, old_style = await arxiv(feeds).fetch()
    assert newest.id == "arxiv:2411.01234" and newest.source == "ml"  # was v2
    assert newest.url == "https://arxiv.org/abs/2411.01234"
    assert newest.title == "Mixture-of-Depths: Routing Tokens Past Layers"  # one line
    assert newest.body == (
        "Transformers spend the same compute on every token. We route tokens past "
        "layers they do not need, at half the cost for $n < 10^6$ tokens."
    )
    assert newest.created_utc == datetime(2026, 11, 28, 17, 59, 1, tzinfo=UTC)
    assert (newest.link, newest.score) == ("", 0)
    assert second.id == "arxiv:2411.01001" and second.created_utc < newest.created_utc
    assert old_style.id == "arxiv:hep-th/9901001"
    assert old_style.url == "https://arxiv.org/abs/hep-th/9901001"


async def test_the_fetch_limit_is_the_number_of_papers(feeds: FakeFeeds) -> None:
    posts = await arxiv(feeds, limit=2).fetch()
    assert [p.id for p in posts] == ["arxiv:2411.01234", "arxiv:2411.01001"]


async def test_an_unknown_category_is_no_papers_and_no_error(feeds: FakeFeeds) -> None:
    assert await arxiv(feeds, category="cs.NOPE").fetch() == []


@pytest.mark.parametrize("status", [400, 200])
async def test_arxivs_error_entry_is_its_reason_and_not_retried(
    feeds: FakeFeeds, status: int
) -> None:
    answer = error_feed("max_results must be an integer")
    feeds.fail(QUERY, Fault(status, answer), Fault(status, answer))
    with pytest.raises(SourceError) as caught:
        await arxiv(feeds).fetch()
    assert str(caught.value) == (
        'the arXiv listing "ml": arXiv refused the query: max_results must be an integer'
    )
    assert len(feeds.seen(QUERY)) == 1


async def test_an_entry_that_is_no_paper_is_left_out(feeds: FakeFeeds) -> None:
    document = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>q</title>
<entry><id>http://arxiv.org/abs/2411.05555v1</id><title>A paper</title>
<published>2026-11-28T01:00:00Z</published><summary>Text.</summary></entry>
<entry><id>http://example.org/not-a-paper</id><title>Not a paper</title></entry></feed>"""
    feeds.fail(QUERY, Fault(200, document))
    (post,) = await arxiv(feeds).fetch()
    assert (post.id, post.title, post.body) == ("arxiv:2411.05555", "A paper", "Text.")
