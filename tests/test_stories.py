"""Stories: the matcher on labelled pairs, what the history remembers of them (real SQLite),
and embeddings from a local fake /v1/embeddings (and from endpoints without one)."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from digestbot.core.models import Coverage, Digest, DigestMode, SourcePost, Topic, Trending
from digestbot.core.select import SelectionRules, select_topics
from digestbot.core.stories import (
    CoveredTopic,
    StoryRules,
    by_vectors,
    covered_telling,
    link_key,
    post_telling,
    same_story,
    story_text,
)
from digestbot.llm.embeddings import StoryEmbeddings
from digestbot.storage.store import open_store
from tests.fakes.embeddings import FakeEmbeddings
from tests.fakes.server import Fault

RULES = StoryRules()
DAY = date(2023, 11, 22)


def post(id: str, title: str, link: str = "", body: str = "", score: int = 10) -> SourcePost:
    moment = datetime(2023, 11, 22, 5, 30, tzinfo=UTC)
    return SourcePost(
        id, "reddit:test", title, f"https://www.reddit.com/{id}", moment, body, link, score
    )


def same(a: SourcePost, b: SourcePost, rules: StoryRules = RULES, similar=None) -> str:
    return same_story(post_telling(a), post_telling(b), rules, similar)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.Example.org/news/story/", "http://example.org/news/story"),
        ("https://example.org/a?utm_source=reddit&utm_medium=social", "https://example.org/a"),
        ("https://example.org/a?id=3&fbclid=x#comments", "https://example.org/a?id=3"),
        ("https://example.org/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        ("https://arxiv.org/abs/2311.11045", "http://arxiv.org/pdf/2311.11045v2.pdf"),
        ("https://arxiv.org/abs/2311.11045v1", "https://export.arxiv.org/abs/2311.11045"),
        ("https://m.youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=abc"),
    ],
)
def test_one_link_however_it_was_shared(a: str, b: str) -> None:
    assert link_key(a) == link_key(b) != ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://arxiv.org/abs/2311.11045", "https://arxiv.org/abs/2311.11829"),
        ("https://www.youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=xyz"),
        ("https://example.org/a", "https://example.com/a"),
        ("https://example.org/story/1", "https://example.org/story/2"),
    ],
)
def test_two_links_stay_two(a: str, b: str) -> None:
    assert link_key(a) != link_key(b)


@pytest.mark.parametrize("url", ["", "not a link", "http://[::1", "mailto:someone"])
def test_no_link_is_no_story(url: str) -> None:
    assert link_key(url) == ""


# Labelled pairs: (why they are one story, or "" for two stories), from a month of titles.
PAIRS = [
    ("post", post("x1", "[N] OpenAI announces leadership transition"), post("x1", "Other")),
    (
        "link",
        post("a", "OpenAI researchers warned the board", "https://r.com/q?utm_source=reddit.com"),
        post("b", "Reuters: a letter to the board about a discovery", "https://r.com/q/"),
    ),
    (
        "link",
        post("a", "[R] Orca 2", "https://arxiv.org/abs/2311.11045"),
        post("b", "Small models reason", "http://arxiv.org/pdf/2311.11045v2"),
    ),
    (
        "title",
        post("a", "[N] Meta disbands its Responsible AI team"),
        post("b", "Meta breaks up its Responsible AI team"),
    ),
    (
        "title",
        post("a", "[N] Cruise CEO Kyle Vogt resigns"),
        post("b", "Cruise's Kyle Vogt steps down as CEO"),
    ),
    (
        "title",
        post("a", "[D] How do I get into ML research without a PhD?"),
        post("b", "[D] Getting into ML research without a PhD: is it realistic?"),
    ),
    # Words are compared as stems, without the words every title of the field uses.
    (
        "title",
        post("a", "OpenAI board fires Sam Altman"),
        post("b", "Sam Altman fired by the board"),
    ),
    (
        "title",
        post("a", "Anthropic releases Claude 2.1 with a 200K context window"),
        post("b", "[N] Anthropic releases Claude 2.1: 200K context and half the hallucinations"),
    ),
    # A title posted again inside a longer one.
    (
        "title",
        post("a", "Breaking down the Segment Anything paper!"),
        post("b", "Breaking down the Segment Anything paper! (Self Promotional)"),
    ),
    (
        "text",
        post(
            "a",
            "[D] LCM-LoRA: 4-step SDXL is usable, impressions thread",
            body="Plugged the LCM-LoRA weights into SDXL: four steps, a second per image.",
        ),
        post(
            "b",
            "[D] LCM-LoRA on a laptop GPU: about one second per image",
            body="A 3060 laptop does 4-step SDXL with the LCM-LoRA weights in a second.",
        ),
    ),
    # Names matter: words in common do not make one story.
    ("", post("a", "OpenAI fires Sam Altman"), post("b", "OpenAI releases GPT-4 Turbo")),
    (
        "",
        post("a", "[R] S-LoRA: Serving Thousands of Concurrent LoRA Adapters"),
        post("b", "[R] Tied-LoRA: enhancing parameter efficiency of LoRA with weight tying"),
    ),
    (
        "",
        post("a", "[R] Emu Video: factorizing text-to-video generation"),
        post("b", "[R] Emu Edit: precise image editing via recognition and generation"),
    ),
    ("", post("a", "Meta releases Llama 2"), post("b", "Meta releases Llama 3")),
    (
        "",
        post("a", "[N] AWS announces Amazon Q, a generative AI assistant for work"),
        post("b", "[N] AWS unveils its Trainium2 and Graviton4 chips"),
    ),
    (
        "",
        post("a", "[N] Stability AI releases Stable Video Diffusion"),
        post("b", "[N] Stability AI releases SDXL Turbo: real-time text-to-image"),
    ),
    ("", post("a", "[D] What do you think about this?"), post("b", "[D] What do you think?")),
    # The field's own words ("language models", "machine learning") tell no story apart.
    (
        "",
        post("a", "Tiny Language Models"),
        post("b", "Meet CoT Collection: an instruction dataset for language models"),
    ),
    (
        "",
        post("a", "Machine Learning On The Edge"),
        post("b", "Feeling burnt out after doing machine learning interviews"),
    ),
    # A name of several words is one thing in common, not several.
    (
        "",
        post("a", "Microsoft Copilot is coming to Windows 10"),
        post("b", "Bing Chat is now Microsoft Copilot"),
    ),
    (
        "",
        post("a", "[N] Stability AI releases Stable Video Diffusion"),
        post("b", "[P] Stable Video Diffusion on an 8GB card with ComfyUI"),
    ),
    (
        "",
        post("a", "Anthropic releases Claude 2.1 with a 200K context window"),
        post("b", "Anthropic releases Claude 2.0 with a 100K context window"),
    ),
    (
        "",
        post("a", "[N] DeepSeek LLM 67B released, outperforms Llama 2 70B"),
        post("b", "[D] Qwen-72B: how does it compare to DeepSeek 67B and Llama 2 70B?"),
    ),
]


@pytest.mark.parametrize(
    ("why", "a", "b"), PAIRS, ids=[f"{w or 'two'}-{a.title[:30]}" for w, a, _ in PAIRS]
)
def test_the_matcher_on_labelled_pairs(why: str, a: SourcePost, b: SourcePost) -> None:
    assert same(a, b) == why
    assert same(b, a) == why


def test_a_threshold_is_a_setting() -> None:
    a, b = (
        post("a", "Meta disbands its Responsible AI team"),
        post("b", "Meta breaks up its AI team"),
    )
    assert same(a, b, StoryRules(title_similarity=0.5)) == "title"
    assert same(a, b, StoryRules(title_similarity=0.95)) == ""


def test_embeddings_join_what_words_do_not() -> None:
    a = post("a", "Microsoft hires Sam Altman")
    b = post("b", "Emmett Shear named interim CEO of OpenAI")
    vectors = {story_text(a.title, ""): [1.0, 0.1], story_text(b.title, ""): [0.9, 0.2]}
    assert same(a, b) == ""
    assert same(a, b, similar=by_vectors(vectors)) == "embedding"
    assert same(a, b, StoryRules(embedding_similarity=0.999), by_vectors(vectors)) == ""
    assert by_vectors(vectors)("unknown text", a.title) is None


def test_a_covered_topic_is_matched_by_any_of_its_posts() -> None:
    topic = CoveredTopic(DAY, "Altman is out", post_ids=("p1", "p2"), links=("https://x.org/2",))
    assert same_story(post_telling(post("p2", "Other words")), covered_telling(topic), RULES)
    by_link = post("p3", "New words", link="https://www.x.org/2/")
    assert same_story(post_telling(by_link), covered_telling(topic), RULES) == "link"


# -- what the history remembers ----------------------------------------------------


def digest(day: date, *topics: Topic, trending: tuple[Trending, ...] = ()) -> Digest:
    moment = datetime.combine(day, datetime.min.time(), UTC)
    return Digest(day, moment, "", DigestMode.HEADLINES, topics, trending, ())


def test_the_history_gives_recent_topics_with_all_their_posts(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "h.db")) as store:
        head = post("p1", "[N] Sam Altman departs as CEO", link="https://openai.com/t")
        other = post("p2", "Brockman quits", link="https://verge.com/b")
        link_only = post("p3", "Stable Video Diffusion", link="https://stability.ai/svd")
        first = Coverage(date(2023, 11, 18), "Sam Altman departs")
        store.digests.save(digest(date(2023, 11, 1), Topic(post("old", "Old"), "Old")), None)
        store.digests.save(
            digest(
                date(2023, 11, 20),
                Topic(head, "Sam Altman departs", also=(other,), update_of=first),
                trending=(Trending("t1", "Altman in talks", "https://news.example/t"),),
            ),
            None,
        )
        store.digests.save(digest(date(2023, 11, 21), Topic(link_only, "SVD")), None)
        store.db.execute(
            "insert into articles (url, final_url, title, text, error, fetched_at) "
            "values (?, ?, '', ?, '', '')",
            [link_only.link, link_only.link, "An image-to-video model. " * 30],
        )
        store.digests.save(digest(DAY, Topic(post("today", "Today's own"), "Today's own")), None)

        covered = store.stories.covered(DAY, 14, 7, ["p2", "today", "old", "new"])
    assert covered.day == DAY
    assert [t.title for t in covered.topics] == ["Sam Altman departs", "SVD"]  # not today's
    saga, svd = covered.topics
    assert saga.post_ids == ("p1", "p2")
    assert saga.links == (head.link, head.url, other.link, other.url)  # pages too
    assert (saga.first_day, saga.first_title) == (first.day, first.title)
    assert svd.lead.startswith("An image-to-video model.") and len(svd.lead) == 300
    assert [(t.title, t.links) for t in covered.trending] == [
        ("Altman in talks", ("https://news.example/t",))
    ]
    # Ids covered on another day, however long ago, and as one of a topic's posts; not
    # today's own: a day made again does not take its own topics for earlier coverage.
    assert covered.post_ids == {"p2", "old"}


def test_the_windows_are_the_settings(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "h.db")) as store:
        for n in (5, 10, 20):
            day = DAY - timedelta(days=n)
            trending = (Trending(f"t{n}", f"Trend {n}", ""),)
            store.digests.save(
                digest(day, Topic(post(f"p{n}", f"T{n}"), f"T{n}"), trending=trending), None
            )
        covered = store.stories.covered(DAY, 14, 7, [])
        assert [t.title for t in covered.topics] == ["T10", "T5"]
        assert [t.title for t in covered.trending] == ["Trend 5"]
        assert [t.title for t in store.stories.covered(DAY, 3, 12, []).topics] == ["T10", "T5"]
        assert store.stories.covered(DAY, 0, 0, ["p5"]).topics == ()


def test_a_story_covered_from_a_feed_is_known_when_hacker_news_links_it(tmp_path: Path) -> None:
    article = "https://blog.example/2023/11/video-diffusion"
    moment = datetime(2023, 11, 21, 5, 30, tzinfo=UTC)
    feed = SourcePost("feed:1", "blog.example", "Introducing our video model", article, moment)
    today = SourcePost(
        "hn1", "Hacker News", "Show HN: we made a diffusion thing",
        "https://news.ycombinator.com/item?id=1", moment + timedelta(days=1),
        link=f"{article}/?utm_source=hn", score=300,
    )  # fmt: skip
    with open_store(str(tmp_path / "h.db")) as store:
        store.digests.save(digest(DAY - timedelta(days=1), Topic(feed, feed.title)), None)
        covered = store.stories.covered(DAY, 14, 7, ["hn1"])
    now = today.created_utc + timedelta(hours=1)
    (topic,) = select_topics([today], covered, SelectionRules(), RULES, now)
    assert topic.update_of == Coverage(DAY - timedelta(days=1), feed.title)
    skip = StoryRules(on_repeat="skip")
    assert select_topics([today], covered, SelectionRules(), skip, now) == ()


# -- embeddings -----------------------------------------------------------------------


TEXTS = ["OpenAI fires Sam Altman", "Sam Altman fired by OpenAI", "Stable Video Diffusion"]


async def test_embeddings_from_the_endpoint_asked_once_a_run() -> None:
    with FakeEmbeddings() as fake:
        async with AsyncOpenAI(api_key="k", base_url=f"{fake.url}/v1") as client:
            embeddings = StoryEmbeddings(client, "embedder")
            similar = await embeddings.similarity(TEXTS)
            assert similar is not None and embeddings.note == ""
            assert similar(TEXTS[0], TEXTS[1]) > 0.6 > similar(TEXTS[0], TEXTS[2])
            again = await embeddings.similarity([*TEXTS, "One more"])
            assert again is not None and again(TEXTS[0], TEXTS[1]) == similar(TEXTS[0], TEXTS[1])
    asked = fake.seen("/v1/embeddings")
    assert [r.json()["input"] for r in asked] == [TEXTS, ["One more"]]
    assert {r.json()["model"] for r in asked} == {"embedder"}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (None, "the endpoint has no /v1/embeddings (404)"),
        (Fault(400, '{"error": {"message": "not an embedding model"}}'), "answered 400"),
        (Fault(501, "Not Implemented"), "answered 501"),
        (Fault(200, '{"object": "list", "data": []}'), "not usable"),
        (Fault(200, "not json", {"Content-Type": "application/json"}), "not usable"),
        (Fault(200, '{"data": [{"index": 0, "embedding": null}]}'), "not usable"),
        (
            Fault(
                200,
                '{"data": ['
                + ", ".join(f'{{"index": {i}, "embedding": {[1.0] * (i + 1)}}}' for i in range(3))
                + "]}",
            ),
            "not usable",
        ),
        (Fault(delay=1), "did not answer within 0.3 s"),
    ],
)
async def test_an_endpoint_without_embeddings_means_text_only(
    fault: Fault | None, said: str
) -> None:
    with FakeEmbeddings(available=fault is not None) as fake:
        if fault:
            fake.fail("/v1/embeddings", fault)
        async with AsyncOpenAI(api_key="k", base_url=f"{fake.url}/v1") as client:
            embeddings = StoryEmbeddings(client, "embedder", timeout=0.3)
            assert await embeddings.similarity(TEXTS) is None
            assert said in embeddings.note and embeddings.note.startswith("stories matched by")
            assert await embeddings.similarity(TEXTS) is None  # not asked again this run
    assert len(fake.seen("/v1/embeddings")) == 1


async def test_a_refused_connection_means_text_only() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    async with AsyncOpenAI(api_key="k", base_url=url) as client:
        embeddings = StoryEmbeddings(client, "embedder")
        assert await embeddings.similarity(TEXTS) is None
    assert "could not be reached (connection refused)" in embeddings.note
