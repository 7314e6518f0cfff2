"""Reading the pages link posts point to: the real reader (aiohttp, trafilatura) against a
fake web on 127.0.0.1, with the real SQLite cache.

The fake lives on a loopback address, which the reader refuses by default: most tests
allow private hosts; the address guard's tests keep the default and check that nothing
reached the server.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digestbot.core.models import Article, SourcePost
from digestbot.sources.address_guard import PRIVATE, is_public
from digestbot.sources.articles import ArticleOptions, ArticleReader, article_address
from digestbot.storage.store import Store, open_store
from tests.fakes.article_server import (
    ARXIV_ABSTRACT,
    HUGE_BYTES,
    HUGE_END,
    LEAD,
    PARAGRAPHS,
    FakeArticles,
)
from tests.fakes.server import Fault

AGENT = "digestbot/0.2 (a daily news digest; reads the pages posts link to)"


@pytest.fixture
def web() -> Iterator[FakeArticles]:
    with FakeArticles() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(str(tmp_path / "history.db")) as opened:
        yield opened


def options(**changes: object) -> ArticleOptions:
    values: dict = {
        "allow_private_hosts": True,
        "timeout_seconds": 5.0,
        "max_bytes": 3_000_000,
        "user_agent": AGENT,
    }
    return ArticleOptions(**(values | changes))


def post(link: str, n: int = 1) -> SourcePost:
    return SourcePost(
        id=f"p{n}",
        source="reddit:MachineLearning",
        title=f"Post {n}",
        url=f"https://www.reddit.com/r/MachineLearning/comments/p{n}/slug/",
        created_utc=datetime(2023, 11, 21, tzinfo=UTC),
        link=link,
    )


async def read_one(store: Store, link: str, **changes: object) -> Article:
    found = await ArticleReader(options(**changes), store.articles).read([post(link)])
    return found[link]


# -- pages read ---------------------------------------------------------------------


async def test_a_news_page_gives_its_main_text_and_title(web: FakeArticles, store: Store) -> None:
    link = f"{web.url}/news/weights"
    article = await read_one(store, link)
    assert article == Article(link, text="\n".join(PARAGRAPHS), title=article.title)
    assert article.title == "A lab opens the weights of its newest model"
    assert "Most read" not in article.text and "Cookie" not in article.text
    assert web.agents == {AGENT} and "digestbot" in AGENT


async def test_an_arxiv_abstract_page_gives_its_abstract(web: FakeArticles, store: Store) -> None:
    link = f"{web.url}/abs/2311.01234"
    article = await read_one(store, link)
    assert article.text == ARXIV_ABSTRACT  # not the page's chrome around it
    assert article.title == "Sparse Mixtures of Depth for Cheaper Inference"


def test_an_arxiv_pdf_is_read_as_its_abstract_page() -> None:
    assert article_address(post("https://arxiv.org/pdf/2311.01234v2.pdf")) == (
        "https://arxiv.org/abs/2311.01234v2"
    )
    assert article_address(post("https://arxiv.org/pdf/2311.01234")) == (
        "https://arxiv.org/abs/2311.01234"
    )
    assert article_address(post("https://arxiv.org/abs/2311.01234")) == (
        "https://arxiv.org/abs/2311.01234"
    )


async def test_only_posts_that_link_to_an_article_are_read(web: FakeArticles, store: Store) -> None:
    self_post = post("", 1)
    posts = [
        self_post,
        replace(self_post, id="p2", link=self_post.url),  # a link to its own discussion
        post("https://i.redd.it/abc.png", 3),
        post("https://v.redd.it/abc", 4),
        post("https://www.reddit.com/gallery/abc", 5),
        post("https://old.reddit.com/r/LocalLLaMA/comments/x/y/", 6),
        post(f"{web.url}/news/one", 7),
        post(f"{web.url}/news/one", 8),  # the same link twice: read once
    ]
    found = await ArticleReader(options(), store.articles).read(posts)
    assert list(found) == [f"{web.url}/news/one"]
    assert len(web.requests) == 1


async def test_pages_are_read_a_few_at_a_time(web: FakeArticles, store: Store) -> None:
    web.page_delay = 0.2
    posts = [post(f"{web.url}/news/{n}", n) for n in range(14)]
    found = await ArticleReader(options(), store.articles).read(posts)
    assert all(a.text for a in found.values()) and len(found) == 14
    assert web.in_flight_peak == 6


# -- pages that cannot be read ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/status/404", "the page answered 404"),
        ("/status/410", "the page answered 410"),
        ("/paper.pdf", "a PDF, not a web page"),
        ("/photo.png", "an image, not a web page"),
        ("/garbage", "no readable text"),
        ("/empty", "no readable text"),
        ("/hops/6", "more than 5 redirects"),
    ],
)
async def test_a_page_that_will_not_change_is_an_error_kept_in_the_cache(
    web: FakeArticles, store: Store, path: str, error: str
) -> None:
    link = web.url + path
    article = await read_one(store, link)
    assert article.error == error and not article.text
    asked = len(web.requests)
    assert await read_one(store, link) == article  # from the cache
    assert len(web.requests) == asked


@pytest.mark.parametrize(
    ("path", "error"),
    [("/status/503", "the page answered 503"), ("/status/429", "the page answered 429")],
)
async def test_a_failure_that_may_pass_is_tried_again_next_time(
    web: FakeArticles, store: Store, path: str, error: str
) -> None:
    link = web.url + path
    assert (await read_one(store, link)).error == error
    assert (await read_one(store, link)).error == error
    assert len(web.requests) == 2 and store.articles.get(link) is None


@pytest.mark.parametrize("path", ["/slow", "/trickle"])
async def test_a_page_gets_its_time_all_told_and_no_more(
    web: FakeArticles, store: Store, path: str
) -> None:
    # A trickle keeps every read busy: only a limit on the whole page ends it.
    article = await read_one(store, web.url + path, timeout_seconds=0.5)
    assert article.error == "no answer within 0.5 s"
    assert store.articles.get(web.url + path) is None  # tried again next run


async def test_a_huge_page_is_read_up_to_the_cap(web: FakeArticles, store: Store) -> None:
    article = await read_one(store, f"{web.url}/huge", max_bytes=200_000)
    assert article.text.startswith(LEAD) and HUGE_END not in article.text
    assert 50_000 < len(article.text.encode()) <= 200_000
    assert web.huge_sent < HUGE_BYTES  # the reader stopped; the server noticed


async def test_redirects_are_followed_to_the_page(web: FakeArticles, store: Store) -> None:
    link = f"{web.url}/hops/4"  # 301, 308, 307, 303, 302
    article = await read_one(store, link)
    assert article.text.startswith(LEAD)
    row = store.db.one("select final_url from articles where url = ?", [link])
    assert row == {"final_url": f"{web.url}/news/after-hops"}


async def test_a_refused_connection_is_an_error_tried_again_next_time(store: Store) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    link = f"http://127.0.0.1:{port}/page"
    assert (await read_one(store, link)).error == "the connection was refused"
    assert store.articles.get(link) is None


async def test_a_link_that_is_not_a_web_address_is_an_error(store: Store) -> None:
    assert (await read_one(store, "ftp://example.org/file")).error == "not a web address (ftp)"
    assert (await read_one(store, "mailto:someone@example.org")).error.startswith(
        "not a web address"
    )


# -- the cache ----------------------------------------------------------------------


async def test_a_page_read_once_is_not_fetched_again(web: FakeArticles, store: Store) -> None:
    link = f"{web.url}/news/cached"
    first = await read_one(store, link)
    again = await ArticleReader(options(), store.articles).read([post(link), post(link, 2)])
    assert again == {link: first} and len(web.requests) == 1


async def test_a_refresh_reads_again_but_keeps_the_page_through_a_blip(
    web: FakeArticles, store: Store
) -> None:
    link = f"{web.url}/news/refreshed"
    reader = ArticleReader(options(), store.articles)
    first = (await reader.read([post(link)]))[link]
    assert (await reader.read([post(link)], refresh=True))[link] == first
    assert len(web.requests) == 2
    web.fail("/news/", Fault(503))
    assert (await reader.read([post(link)], refresh=True))[link] == first
    assert len(web.requests) == 3


# -- the address guard --------------------------------------------------------------


def private_links(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/news/x",
        f"http://localhost:{port}/news/x",  # a name: refused by the resolver
        f"http://[::1]:{port}/news/x",
        f"http://0x7f000001:{port}/news/x",
        f"http://2130706433:{port}/news/x",
        f"http://127.1:{port}/news/x",
        f"http://[::ffff:127.0.0.1]:{port}/news/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://0.0.0.0/",
    ]


async def test_private_addresses_are_refused_and_never_reached(
    web: FakeArticles, store: Store
) -> None:
    links = private_links(web.port)
    posts = [post(link, n) for n, link in enumerate(links)]
    reader = ArticleReader(options(allow_private_hosts=False, timeout_seconds=2), store.articles)
    found = await reader.read(posts)
    assert {link: a.error for link, a in found.items()} == dict.fromkeys(links, PRIVATE)
    assert web.requests == []


async def test_a_redirect_is_checked_like_the_first_address(
    web: FakeArticles, store: Store
) -> None:
    # The fake is on a loopback address: the first page is let through by allowing
    # private hosts, and the redirect's target is refused for its scheme, checked at
    # the same place as the address.
    link = f"{web.url}/redirect?to=file:///etc/passwd"
    assert (await read_one(store, link)).error == "not a web address (file)"
    assert len(web.requests) == 1


async def test_a_cached_refusal_is_read_again_once_private_hosts_are_allowed(
    web: FakeArticles, store: Store
) -> None:
    link = f"{web.url}/news/intranet"
    assert (await read_one(store, link, allow_private_hosts=False)).error == PRIVATE
    assert (await read_one(store, link, allow_private_hosts=False)).error == PRIVATE
    assert web.requests == []
    assert (await read_one(store, link)).text.startswith(LEAD)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("::ffff:93.184.215.14", True),  # IPv4-mapped: judged by its IPv4 address
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::5db8:d70e", True),
        ("::127.0.0.1", False),  # IPv4-compatible, reserved
        ("224.0.0.1", False),
        ("ff0e::1", False),  # global-scope multicast
        ("240.0.0.1", False),
        ("192.0.2.1", False),  # documentation
    ],
)
def test_public_means_global_unicast_wherever_an_ipv4_address_hides(
    address: str, public: bool
) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


async def test_a_broken_page_is_said_once_in_its_error_not_in_the_log(
    web: FakeArticles, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert (await read_one(store, f"{web.url}/garbage")).error == "no readable text"
    assert [r for r in caplog.records if r.name.startswith("trafilatura")] == []
