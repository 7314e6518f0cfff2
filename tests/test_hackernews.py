"""The Hacker News source against the fake Firebase API: what a story becomes, what is
skipped, how many item requests run at once, and a bad day (one bad story is skipped; a
failing list, or most stories failing, is one SourceError naming the source). The waits
between tries are recorded instead of slept."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from digestbot.core.errors import SourceError
from digestbot.sources import retry
from digestbot.sources.hackernews import AT_ONCE, HackerNewsOptions, HackerNewsSource
from tests.fakes.hackernews import T0, FakeHackerNews, story
from tests.fakes.server import Fault

AGENT = "digestbot-tests/1.0 (+https://example.org/digestbot)"
NAME = "hn-main"
TOP = "/v0/topstories.json"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def hn() -> Iterator[FakeHackerNews]:
    with FakeHackerNews() as server:
        yield server


def source(
    url: str, *, listing: str = "top", limit: int = 30, timeout: float = 5.0
) -> HackerNewsSource:
    return HackerNewsSource(HackerNewsOptions(NAME, listing, f"{url}/v0", limit, AGENT, timeout))


def stories(server: FakeHackerNews, count: int) -> None:
    """`count` plain stories, ids 1..count, as the whole top listing."""
    server.items = {i: story(i, f"Story {i}", score=1000 - i) for i in range(1, count + 1)}
    server.lists["top"] = list(server.items)


def item_requests(server: FakeHackerNews) -> list[str]:
    return [r.path for r in server.seen("/v0/item/")]


# -- what a story becomes -------------------------------------------------------------


async def test_a_story_and_an_ask_hn_are_mapped_field_by_field(hn: FakeHackerNews) -> None:
    link, ask, _ = await source(hn.url).fetch()
    assert link.id == "hn:11" and link.source == NAME
    assert link.title == "A new approach to sparse attention"
    assert link.url == "https://news.ycombinator.com/item?id=11"  # the discussion
    assert link.link == "https://example.org/11" and link.body == ""
    assert (link.score, link.num_comments) == (512, 128)
    assert link.created_utc == datetime.fromtimestamp(T0 - 1800, UTC)
    assert ask.id == "hn:12" and ask.link == ""  # an Ask HN links nowhere else
    assert ask.body == (
        "I'm choosing between two stacks & can't decide.\n\n"
        "The docs are at https://example.org/docs/a-very-long-path and say x < y.\n\n"
        "Thoughts?"
    )


async def test_jobs_deleted_dead_and_missing_items_are_skipped_not_failures(
    hn: FakeHackerNews,
) -> None:
    # 4 of the 7 ids give no story (a job, a deleted, a dead one, an id answering null):
    # more than half, and still no failure, since each answered.
    posts = await source(hn.url).fetch()
    assert [p.id for p in posts] == ["hn:11", "hn:12", "hn:16"]  # in the listing's order
    assert len(item_requests(hn)) == 7


async def test_ids_the_api_answers_null_for_are_skipped_however_many(
    hn: FakeHackerNews,
) -> None:
    hn.lists["top"] = [42, 11, 43, 44]
    assert [p.id for p in await source(hn.url).fetch()] == ["hn:11"]


async def test_the_best_listing_is_read_from_beststories(hn: FakeHackerNews) -> None:
    posts = await source(hn.url, listing="best").fetch()
    assert [p.id for p in posts] == ["hn:16", "hn:12", "hn:11"]
    assert hn.seen("/v0/beststories.json") and not hn.seen(TOP)


async def test_only_the_first_fetch_limit_items_are_read(hn: FakeHackerNews) -> None:
    stories(hn, 40)
    posts = await source(hn.url, limit=5).fetch()
    assert [p.id for p in posts] == [f"hn:{i}" for i in range(1, 6)]
    assert sorted(item_requests(hn)) == sorted(f"/v0/item/{i}.json" for i in range(1, 6))


async def test_item_requests_run_at_once_up_to_the_bound(hn: FakeHackerNews) -> None:
    stories(hn, 3 * AT_ONCE)
    hn.item_delay = 0.2  # long enough for every free slot to fill while one is held
    posts = await source(hn.url).fetch()
    assert len(posts) == 3 * AT_ONCE and hn.peak == AT_ONCE  # at once, and never more


async def test_every_request_carries_our_user_agent(hn: FakeHackerNews) -> None:
    await source(hn.url).fetch()
    assert {r.headers.get("User-Agent") for r in hn.requests} == {AGENT}


# -- the list: retried when it may pass, one SourceError when it does not ------------


async def test_a_failing_list_is_retried_with_backoff(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.fail(TOP, Fault(503, b"down"), Fault(502, b"bad gateway"))
    assert len(await source(hn.url).fetch()) == 3
    assert len(hn.seen(TOP)) == 3 and len(waits) == 2 and 0 < waits[0] < waits[1]


async def test_a_rate_limited_list_waits_what_retry_after_asks(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.fail(TOP, Fault(429, b"{}", {"Retry-After": "7", **JSON}))
    assert len(await source(hn.url).fetch()) == 3
    assert waits == [7.0] and len(hn.seen(TOP)) == 2


async def test_a_list_failing_past_the_last_try_is_a_source_error(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.fail(TOP, *[Fault(500, b"oops")] * retry.ATTEMPTS)
    with pytest.raises(SourceError, match=rf"\({NAME}\), top stories after 3 tries: it answered"):
        await source(hn.url).fetch()
    assert len(hn.seen(TOP)) == retry.ATTEMPTS and item_requests(hn) == []


async def test_a_hanging_list_times_out_on_every_try(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.hang(TOP, times=retry.ATTEMPTS)
    with pytest.raises(SourceError, match=rf"\({NAME}\).* after 3 tries: no answer within 0.3 s"):
        await source(hn.url, timeout=0.3).fetch()
    assert len(hn.seen(TOP)) == retry.ATTEMPTS


async def test_a_refused_connection_is_retried_then_reported(waits: list[float]) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SourceError, match=rf"\({NAME}\).* after 3 tries: the connection failed"):
        await source(f"http://127.0.0.1:{port}").fetch()
    assert len(waits) == retry.ATTEMPTS - 1


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault(200, b"<html>the site is down", JSON), "its answer is not JSON"),
        (Fault(200, b'{"error": "Permission denied"}', JSON), "its answer is not a list of ids"),
        (Fault(200, b"null", JSON), "its answer is not a list of ids"),
        (Fault(200, b'[11, "12"]', JSON), "its answer is not a list of ids"),
        (Fault(200, b"[" * 100_000, JSON), "its answer is not JSON"),
        (Fault(200, b"\xff\xfe[1]", JSON), "its answer is not JSON"),
        (Fault(401, b'{"error": "Permission denied"}', JSON), "answered 401"),
    ],
)
async def test_a_garbage_or_refused_list_fails_at_once(
    hn: FakeHackerNews, fault: Fault, message: str, waits: list[float]
) -> None:
    hn.fail(TOP, fault, fault)
    with pytest.raises(SourceError, match=message) as caught:
        await source(hn.url).fetch()
    assert f"Hacker News ({NAME}), top stories" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(hn.seen(TOP)) == 1 and waits == []


async def test_a_listing_the_api_does_not_open_is_a_source_error(hn: FakeHackerNews) -> None:
    with pytest.raises(SourceError, match=r"newest stories answered 401"):
        await source(hn.url, listing="newest").fetch()


# -- one bad story is skipped; most stories failing fail the source ------------------


async def test_a_story_failing_past_its_retries_is_skipped(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.fail("/v0/item/12.json", *[Fault(503, b"down")] * retry.ATTEMPTS)
    posts = await source(hn.url).fetch()
    assert [p.id for p in posts] == ["hn:11", "hn:16"]
    assert len(hn.seen("/v0/item/12.json")) == retry.ATTEMPTS and len(waits) == 2


async def test_a_rate_limited_story_is_read_after_its_retry_after(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    hn.fail("/v0/item/11.json", Fault(429, b"{}", {"Retry-After": "2", **JSON}))
    assert [p.id for p in await source(hn.url).fetch()] == ["hn:11", "hn:12", "hn:16"]
    assert waits == [2.0]


async def test_a_story_that_hangs_is_retried(hn: FakeHackerNews, waits: list[float]) -> None:
    hn.hang("/v0/item/16.json")
    assert [p.id for p in await source(hn.url, timeout=0.3).fetch()] == ["hn:11", "hn:12", "hn:16"]
    assert len(hn.seen("/v0/item/16.json")) == 2 and len(waits) == 1


@pytest.mark.parametrize(
    "body",
    [
        b"<html>oops",
        b"[1, 2]",
        b'{"id": 16, "type": "story", "time": 1}',  # no title
        b'{"id": 16, "type": "story", "title": "x", "time": "yesterday"}',
        b'{"id": 16, "type": "story", "title": "x", "time": 1, "score": "many"}',
        b'{"id": 16, "type": "story", "title": "x", "time": 1, "url": 7}',
        b'{"id": 16, "type": "story", "title": "x", "time": 1e300}',
        b'{"id": 16, "type": "story", "title": "x", "time": 99999999999999999999}',
    ],
)
async def test_a_garbage_story_is_skipped_without_retrying(
    hn: FakeHackerNews, body: bytes, waits: list[float]
) -> None:
    hn.fail("/v0/item/16.json", Fault(200, body, JSON))
    assert [p.id for p in await source(hn.url).fetch()] == ["hn:11", "hn:12"]
    assert len(hn.seen("/v0/item/16.json")) == 1 and waits == []


async def test_half_the_stories_failing_still_gives_the_rest(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    stories(hn, 4)
    hn.fail("/v0/item/1.json", Fault(404, b"null", JSON))
    hn.fail("/v0/item/2.json", Fault(200, b"garbage", JSON))
    assert [p.id for p in await source(hn.url).fetch()] == ["hn:3", "hn:4"]


async def test_more_than_half_the_stories_failing_is_a_source_error(
    hn: FakeHackerNews, waits: list[float]
) -> None:
    stories(hn, 4)
    for i in (1, 2, 3):
        hn.fail(f"/v0/item/{i}.json", *[Fault(503, b"down")] * retry.ATTEMPTS)
    with pytest.raises(SourceError, match=rf"Hacker News \({NAME}\) is not answering: 3 of 4"):
        await source(hn.url).fetch()
