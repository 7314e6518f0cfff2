"""Full-text search over history: what a query finds, in which order, what each result
shows, and the indexes beneath kept in step with the digests (saved, replaced, imported
in bulk, migrated from an older database)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from digestbot.app.archive import import_posts
from digestbot.app.digests import App
from digestbot.core.commands import DigestService, parse_text, search_page
from digestbot.core.models import (
    Analysis,
    AnalysisStatus,
    Digest,
    DigestMode,
    SourcePost,
    Topic,
    Trending,
    Want,
)
from digestbot.storage import schema
from digestbot.storage.search import FEW, SNIPPET_CHARS, search_terms, snippet
from digestbot.storage.store import Store, open_store
from tests.conftest import ConfigFactory

POSTS = Path(__file__).parent / "fixtures" / "posts"
BLOG = "https://digest.example.org/posts/{}-ai-auto-summary/".format


def topic(
    title: str, benefits: str = "", ramifications: str = "", *, quotes=(), link: str = "", n=0
) -> Topic:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    post_id = "-".join(re.findall(r"\w+", title.lower()))[:40] + f"-{n}"
    post = SourcePost(post_id, "reddit:ML", title, f"https://www.reddit.com/c/{post_id}/", moment)
    status = AnalysisStatus.OK if benefits or ramifications else AnalysisStatus.SKIPPED
    analysis = Analysis(status, benefits, ramifications, quotes=tuple(quotes), verified=True)
    return Topic(replace(post, link=link), title, analysis)


def edition(day: date, *topics: Topic, trending: tuple[str, ...] = ()) -> Digest:
    moment = datetime.combine(day, datetime.min.time(), UTC)
    return Digest(
        day,
        moment,
        "m",
        DigestMode.FULL,
        topics,
        tuple(
            Trending(f"{day}-t{i}", t, f"https://www.reddit.com/t/{day}/{i}/")
            for i, t in enumerate(trending)
        ),
        (),
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with open_store(str(tmp_path / "history.db")) as store:
        yield store


def titles(store: Store, query: str, **options) -> list[str]:
    return [h.title for h in search_page(store, query, **options).hits]


# -- what a query finds ---------------------------------------------------------------


def test_a_word_finds_the_words_it_is_part_of(store: Store) -> None:
    store.digests.save(edition(date(2026, 1, 5), topic("QLoRA fine-tunes a 65B model")), None)
    store.digests.save(
        edition(date(2026, 1, 6), topic("Adapters", "LoRAs are cheap to train.")), None
    )
    store.digests.save(edition(date(2026, 1, 7), topic("Sparse gates", "Routing helps.")), None)
    assert titles(store, "lora") == ["QLoRA fine-tunes a 65B model", "Adapters"]
    assert titles(store, "LORA adapters") == ["Adapters"]  # every word must match
    assert titles(store, "fine-tune") == ["QLoRA fine-tunes a 65B model"]  # as written
    # A quoted word is a word (or the start of one): LoRA, LoRAs, not QLoRA.
    assert titles(store, '"lora"') == ["Adapters"]


def test_a_quoted_phrase_is_searched_as_a_phrase(store: Store) -> None:
    day = date(2026, 2, 1)
    store.digests.save(
        edition(
            day,
            topic("Large language models get cheaper", n=1),
            topic("A language that is large", n=2),
            topic("Large, language-rich corpora", n=3),
        ),
        None,
    )
    assert titles(store, '"large language"') == [
        "Large language models get cheaper",
        "Large, language-rich corpora",  # punctuation between the words does not part them
    ]
    assert titles(store, '"large language model"') == ["Large language models get cheaper"]
    assert len(titles(store, "large language")) == 3  # unquoted: both words, anywhere
    store.digests.save(
        edition(day + timedelta(1), topic("GPT 4 arrives", n=1), topic("GPT 40 rumours", n=2)), None
    )
    assert titles(store, '"gpt 4"') == ["GPT 4 arrives"]  # a short last word is whole


def test_short_words_are_whole_words(store: Store) -> None:
    store.digests.save(
        edition(
            date(2026, 3, 1),
            topic("AI safety institutes open", n=1),
            topic("Researchers said the training was hard", n=2),
            topic("OpenAI o1 reasons longer", n=3),
        ),
        None,
    )
    assert titles(store, "AI") == ["AI safety institutes open"]
    assert titles(store, "o1") == ["OpenAI o1 reasons longer"]
    assert titles(store, "o1 reasons") == ["OpenAI o1 reasons longer"]  # short and long
    assert titles(store, "ai reasons") == []


def test_everything_a_digest_holds_is_searched(store: Store) -> None:
    store.digests.save(
        edition(
            date(2026, 4, 1),
            topic("In the title: zebra", n=1),
            topic("Benefits", "A giraffe helps.", n=2),
            topic("Ramifications", "x", "An okapi hurts.", n=3),
            topic("Quotes", "x", "y", quotes=["We saw a narwhal."], n=4),
            trending=("Trending: a pangolin",),
        ),
        None,
    )
    for word, title in [
        ("zebra", "In the title: zebra"),
        ("giraffe", "Benefits"),
        ("okapi", "Ramifications"),
        ("narwhal", "Quotes"),
        ("pangolin", "Trending: a pangolin"),
    ]:
        assert titles(store, word) == [title], word


@pytest.mark.parametrize(
    "query", ['"', "lora OR", "a AND (b", "*", "title:x", "NEAR(", "'; drop", "C++", "x -y", "_"]
)
def test_any_query_is_safe(store: Store, query: str) -> None:
    store.digests.save(edition(date(2026, 4, 2), topic("C++ and x-y plots", "OR AND NEAR")), None)
    assert search_page(store, query).total >= 0


def test_search_syntax_is_text() -> None:
    assert search_terms('C++ "large  language" NEAR( -mixture *') == [
        ("large language", True),
        ("C++", False),
        ("NEAR", False),
        ("mixture", False),
    ]
    assert search_terms('"unbalanced') == [("unbalanced", False)]
    assert search_terms("* - () ++ _") == []


# -- order, counts and pages ----------------------------------------------------------


def test_title_matches_first_then_the_rest_each_newest_first(store: Store) -> None:
    for n, (where, day) in enumerate([("title", 1), ("text", 2), ("title", 3), ("text", 4)]):
        made = topic("Sparse gates" if where == "title" else "Routing", "gates " * (n + 1), n=n)
        store.digests.save(edition(date(2026, 5, day), made), None)
    best = search_page(store, "gates")
    assert [(h.title, h.day.day) for h in best.hits] == [
        ("Sparse gates", 3),
        ("Sparse gates", 1),
        ("Routing", 4),
        ("Routing", 2),
    ]
    newest = search_page(store, "gates", newest=True)
    assert [h.day.day for h in newest.hits] == [4, 3, 2, 1]


def test_the_first_line_facts_last_covered_and_how_often(store: Store) -> None:
    store.digests.save(
        edition(date(2026, 6, 1), topic("Mamba one", n=1), topic("Mamba two", n=2)), None
    )
    store.digests.save(edition(date(2026, 6, 9), topic("Other"), trending=("Mamba three",)), None)
    store.digests.save(edition(date(2026, 6, 20), topic("Nothing to see")), None)
    found = search_page(store, "mamba")
    assert (found.total, found.digests, found.last_day) == (3, 2, date(2026, 6, 9))
    nothing = search_page(store, "zzzz")
    assert (nothing.total, nothing.digests, nothing.last_day, nothing.hits) == (0, 0, None, ())


def test_results_are_paged_across_titles_and_texts(store: Store) -> None:
    first = date(2020, 1, 1)
    for n in range(25):  # 12 with the word in the title, 13 with it in the text
        made = topic(f"Paging {n}", n=n) if n % 2 else topic(f"Other {n}", "paging here", n=n)
        store.digests.save(edition(first + timedelta(days=n), made), None)
    pages = [search_page(store, "paging", p) for p in (1, 2, 3)]
    assert [(p.total, p.pages, len(p.hits)) for p in pages] == [
        (25, 3, 10),
        (25, 3, 10),
        (25, 3, 5),
    ]
    shown = [h.title for p in pages for h in p.hits]
    assert len(set(shown)) == 25
    assert all(t.startswith("Paging") for t in shown[:12])
    assert not any(t.startswith("Paging") for t in shown[12:])
    past = search_page(store, "paging", 5)
    assert (past.page, past.pages, past.total, past.hits) == (5, 3, 25, ())


def test_many_matches_are_counted_and_paged_in_the_index(store: Store) -> None:
    """Past FEW matches, the pages are cut in the index: the same order, the same counts."""
    first, titled, texted = date(2019, 1, 1), [], []
    with store.db.transaction():
        for n in range(FEW + 50):
            day = first + timedelta(days=n)
            made = topic("Paging in title") if n % 3 == 0 else topic("Other", "paging in text")
            trending = ("Paging, trending",) if n % 10 == 0 else ()
            store.digests.save(edition(day, made, trending=trending), None)
            (titled if n % 3 == 0 else texted).append((day, "topic"))
            titled += [(day, "trending")] * len(trending)
    order = lambda hits: sorted(hits, key=lambda h: (h[0], h[1] == "topic"), reverse=True)  # noqa: E731
    best = order(titled) + order(texted)  # newest first; in a day, topics before trending
    pages = -(-len(best) // 10)
    for number in (1, 2, 9, 20, pages):  # 9: the titles end; 20: past them, counted
        found = search_page(store, "paging", number)
        assert (found.total, found.digests, found.pages) == (len(best), FEW + 50, pages)
        assert found.last_day == first + timedelta(days=FEW + 49)
        assert [(h.day, h.kind) for h in found.hits] == best[(number - 1) * 10 : number * 10]
    newest = search_page(store, "paging", 3, newest=True)
    assert [(h.day, h.kind) for h in newest.hits] == order(best)[20:30]
    assert search_page(store, "paging", pages + 1).hits == ()


# -- what each result shows -----------------------------------------------------------


def test_a_result_has_its_snippet_and_links(store: Store) -> None:
    text = (
        "Long before this point. " * 20
        + "Adapters such as QLoRA cut the memory. "
        + "More after. " * 20
    )
    link_post = topic("Adapters", text, link="https://arxiv.org/abs/2305.14314")
    store.digests.save(edition(date(2026, 7, 1), link_post, trending=("QLoRA in trending",)), None)
    found = search_page(store, "qlora", post_url=BLOG)
    assert [h.kind for h in found.hits] == ["trending", "topic"]
    trending, hit = found.hits
    assert "QLoRA cut the memory" in hit.snippet and len(hit.snippet) <= SNIPPET_CHARS
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert hit.links == (BLOG("2026-07-01"), link_post.post.url, "https://arxiv.org/abs/2305.14314")
    assert trending.links == (BLOG("2026-07-01"), "https://www.reddit.com/t/2026-07-01/0/")
    assert trending.snippet == ""
    # Without blog.site_url: the discussion and the article.
    assert search_page(store, "qlora").hits[1].links == (
        link_post.post.url,
        "https://arxiv.org/abs/2305.14314",
    )


def test_snippets_are_bounded_and_hold_the_match() -> None:
    words = [f"w{i}" for i in range(200)]
    text = " ".join(words)
    for i in range(0, 200, 7):
        pattern = re.compile(rf"\bw{i}\b")
        for limit in (20, 60, SNIPPET_CHARS):
            cut = snippet([text], [pattern], limit)
            assert len(cut) <= limit and f"w{i}" in cut, (i, limit, cut)
            assert cut.strip("…").split()[0] in words and cut.strip("…").split()[-1] in words
    unbroken = snippet(["y" * 100 + "x" * 300], [re.compile("x+")], 60)  # no word to cut at
    assert len(unbroken) == 60 and unbroken.startswith("…y") and unbroken.endswith("x…")
    assert snippet(["", "  "], [re.compile("x")]) == ""
    assert snippet(["No match here."], [re.compile("x")]) == "No match here."


def test_a_short_word_is_shown_where_it_is_whole(store: Store) -> None:
    text = "The o1x is another thing. " + "filler " * 60 + "Then the o1 model answered."
    store.digests.save(edition(date(2026, 7, 3), topic("Reasoning", text)), None)
    (hit,) = search_page(store, "o1").hits
    assert "the o1 model" in hit.snippet


def test_a_title_match_shows_the_opening_of_the_analysis(store: Store) -> None:
    store.digests.save(
        edition(date(2026, 7, 2), topic("Mamba beats transformers", "It is fast.")), None
    )
    (hit,) = search_page(store, "mamba").hits
    assert hit.snippet == "It is fast."


# -- the indexes kept in step ---------------------------------------------------------


def test_a_day_saved_again_replaces_what_it_held(store: Store) -> None:
    day = date(2026, 8, 1)
    store.digests.save(edition(day, topic("Old title kiwi", n=1), topic("Second", n=2)), None)
    store.digests.save(edition(day, topic("New title mango")), None)
    assert titles(store, "kiwi") == [] and titles(store, "second") == []
    assert titles(store, "mango") == ["New title mango"]
    store.db.execute(
        "update digest_topics set title = 'Renamed papaya' where day = ?", [day.isoformat()]
    )
    assert titles(store, "mango") == [] and titles(store, "papaya") == ["Renamed papaya"]
    assert titles(store, '"papaya"') == ["Renamed papaya"]  # the word index too


def test_saves_inside_reindexing_are_indexed_at_its_end_only(store: Store) -> None:
    day = date(2026, 8, 2)
    store.digests.save(edition(day, topic("Before: a kiwi")), None)
    indexed = lambda: [r["title"] for r in store.db.rows("select title from search_index")]  # noqa: E731
    with store.db.transaction(), store.search.reindexing() as saved:
        store.digests.save(edition(day, topic("After: a mango")), None)
        assert indexed() == ["Before: a kiwi"]  # the triggers held still
        saved.add(day)
    assert indexed() == ["After: a mango"]
    assert titles(store, "kiwi") == [] and titles(store, "mango") == ["After: a mango"]
    assert titles(store, '"kiwi"') == [] and titles(store, '"mango"') == ["After: a mango"]
    with pytest.raises(RuntimeError), store.search.reindexing():
        pass  # outside a transaction, a pause would outlive it


def test_an_import_indexes_in_bulk_exactly_as_saving_one_by_one(
    tmp_path: Path, make_config: ConfigFactory
) -> None:
    app = App(make_config())
    report = import_posts(app.wiring, [POSTS])
    assert report.imported == 3
    with app.wiring.open_store() as imported, open_store(str(tmp_path / "one-by-one.db")) as saved:
        for day in imported.digests.days():
            saved.digests.save(imported.digests.load(day), None, imported=True)
        for query in ("model", "benchmark", '"open weights"', "AI", "agents travel", "e"):
            assert search_page(imported, query) == search_page(saved, query), query
        assert imported.db.rows("select * from search_pause") == []
        # Saved again after an import, a day is indexed by the triggers as before.
        day = imported.digests.days()[0]
        imported.digests.save(edition(day, topic("Replaced by a kiwi")), None)
        assert titles(imported, "kiwi") == ["Replaced by a kiwi"]
        assert search_page(imported, "model").total < search_page(saved, "model").total


def test_an_import_that_changes_a_post_replaces_its_index_rows(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    app = App(make_config())
    post = tmp_path / "post.md"
    original = (POSTS / "spaced-paragraphs.md").read_text()
    post.write_text(original)
    import_posts(app.wiring, [post])
    post.write_text(original.replace("Sparse autoencoders", "Dense quokkas"))
    assert import_posts(app.wiring, [post]).imported == 1
    with app.wiring.open_store() as store:
        assert titles(store, "autoencoders") == []
        assert titles(store, "quokkas") == [
            "Dense quokkas find monosemantic features in a small vision model"
        ]
        assert titles(store, '"dense quokkas"') == titles(store, "quokkas")


def test_an_older_history_is_indexed_by_the_migration(tmp_path: Path) -> None:
    from sqlite_utils import Database as Tables
    from sqlite_utils.migrations import Migrations

    from digestbot.storage.base import Database
    from digestbot.storage.digests import Digests

    path = str(tmp_path / "old.db")
    migrations = Migrations(schema.MIGRATION_SET)
    for name, step in schema.STEPS:
        if name != "0010_search_substrings":  # a history without 0010's indexes
            migrations(name=name)(step)
    tables = Tables(path)
    migrations.apply(tables)
    tables.close()
    old = Database(path)
    day = edition(date(2025, 1, 1), topic("QLoRA from before", "Cheap."), trending=("An AI trend",))
    Digests(old).save(day, None)
    old.close()
    with open_store(path) as store:
        assert titles(store, "lora") == ["QLoRA from before"]
        assert titles(store, "AI") == ["An AI trend"]
        names = {r["name"] for r in store.db.rows("select name from sqlite_master")}
        assert "digest_topics_fts" not in names and "digest_trending_fts" not in names
        store.digests.save(replace(day, topics=()), None)
        assert titles(store, "lora") == []


# -- /digest search -------------------------------------------------------------------


def test_search_words_are_what_is_asked() -> None:
    request = parse_text("search lora adapters page 2", "U1", False)
    assert (request.want, request.query, request.page) == (Want.SEARCH, "lora adapters", 2)


async def test_digest_search_and_answers_carry_the_blog_url(store: Store) -> None:
    store.digests.save(edition(date(2026, 9, 1), topic("QLoRA in chat")), None)

    async def never(day: date, force: bool) -> Digest:
        raise AssertionError("stored days are not made again")

    service = DigestService(
        store, never, cooldown=timedelta(0), post_url=lambda d: BLOG(d.isoformat())
    )
    reply = await service.handle_text("search lora", "U1", False)
    assert reply.search is not None and reply.search.hits[0].links[0] == BLOG("2026-09-01")
    answer = await service.handle_text("2026-09-01", "U1", False)
    assert answer.digest is not None and answer.digest.url == BLOG("2026-09-01")
    plain = DigestService(store, never, cooldown=timedelta(0))
    assert (await plain.handle_text("2026-09-01", "U1", False)).digest.url == ""
