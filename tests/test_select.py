from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from digestbot.core.models import Coverage, SourcePost
from digestbot.core.select import SelectionRules, select_topics, select_trending
from digestbot.core.stories import Covered, CoveredTopic, StoryRules, strip_flair, title_key

NOW = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
DAY = date(2026, 11, 23)
NOTHING = Covered(DAY)  # no earlier digests
STORIES = StoryRules()


def post(id: str, title: str, score: int = 10, hours_old: float = 1, **flags) -> SourcePost:
    return SourcePost(
        id=id,
        source="reddit:test",
        title=title,
        url=f"https://www.reddit.com/{id}",
        created_utc=NOW - timedelta(hours=hours_old),
        score=score,
        **flags,
    )


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("[D] Why is my loss flat?", "Why is my loss flat?"),
        ("[R][P] Two tags", "Two tags"),
        ("[Discussion] - A spaced tag", "A spaced tag"),
        ("(N)  Spaces   folded", "Spaces folded"),
        ("No tag [R] in the middle", "No tag [R] in the middle"),
        ("[2401.01234] an arXiv id is not a flair", "[2401.01234] an arXiv id is not a flair"),
        ("[D]", "[D]"),
        ("Zero\u200bwidth and \u202eoverride", "Zerowidth and override"),
        ("Line\nbreak", "Line break"),
    ],
)
def test_strip_flair(raw: str, clean: str) -> None:
    assert strip_flair(raw) == clean


def test_topics_are_the_top_scored_usable_uncovered_posts() -> None:
    posts = [
        post("a", "[R] Alpha", score=50),
        post("b", "Pinned rules", score=999, stickied=True),
        post("c", "Not safe", score=900, nsfw=True),
        post("d", "Removed one", score=800, removed=True),
        post("e", "Covered yesterday", score=700),
        post("f", "Too old", score=600, hours_old=72),
        post("g", "[D] Gamma", score=40),
        post("h", "Alpha", score=30),  # the same topic as "a" once flair is gone
        post("i", "Iota", score=20),
    ]
    rules = SelectionRules(topics=3)
    covered = Covered(DAY, post_ids=frozenset({"e"}))
    topics = select_topics(posts, covered, rules, STORIES, now=NOW)
    assert [t.post.id for t in topics] == ["a", "g", "i"]
    assert [t.title for t in topics] == ["Alpha", "Gamma", "Iota"]
    assert [[p.id for p in t.also] for t in topics] == [["h"], [], []]


def test_topics_keep_source_order_without_scores() -> None:
    posts = [post(x, x.upper(), score=0) for x in "zyx"]
    topics = select_topics(posts, NOTHING, SelectionRules(topics=2), STORIES, NOW)
    assert [t.post.id for t in topics] == ["z", "y"]


def test_min_score_is_a_setting() -> None:
    posts = [post("a", "A", score=5), post("b", "B", score=50)]
    topics = select_topics(posts, NOTHING, SelectionRules(min_score=10), STORIES, NOW)
    assert [t.post.id for t in topics] == ["b"]


def test_trending_skips_todays_topics_and_recent_titles() -> None:
    topics = select_topics(
        [post("a", "[R] Sparse attention, revisited")], NOTHING, SelectionRules(), STORIES, NOW
    )
    trending_posts = [
        post("t1", "Sparse Attention Revisited"),  # today's topic, other words' case
        post("t2", "A model that reads maps"),  # shown three days ago
        post("a", "Same post id as a topic"),
        post("t3", "Humane launches the Ai Pin"),
        post("t4", "Humane launches the Ai Pin!"),  # duplicate within the list
        post("t5", "Nvidia unveils the H200"),
        post("t6", "Kyutai, a new AI lab, opens in Paris"),
        post("t7", "Amazon unveils Q for businesses"),
    ]
    rules = SelectionRules(trending_max=3)
    shown = Covered(
        DAY, trending=(CoveredTopic(DAY - timedelta(days=3), "A model that reads maps"),)
    )
    picked = select_trending(trending_posts, topics, shown, rules, STORIES)
    assert [t.post_id for t in picked] == ["t3", "t5", "t6"]


def test_title_key_ignores_flair_case_and_punctuation() -> None:
    assert title_key("[R] GPT-5: What's new?") == title_key("gpt 5 what s new")


# -- stories: each kind of repeat, and distinct stories that share words --------------


def covered(*topics: CoveredTopic, post_ids: set[str] = frozenset()) -> Covered:
    return Covered(DAY, topics=topics, post_ids=frozenset(post_ids))


FIRED = CoveredTopic(
    DAY - timedelta(days=5),
    "OpenAI announces leadership transition",
    post_ids=("sam17", "brock"),
    links=("https://openai.com/blog/openai-announces-leadership-transition",),
)
RETURNS = CoveredTopic(
    DAY - timedelta(days=1),
    "Sam Altman returns to OpenAI as CEO",
    post_ids=("back",),
    links=("https://openai.com/blog/sam-altman-returns",),
    first_day=FIRED.day,
    first_title=FIRED.title,
)


def linked(id: str, title: str, link: str, score: int = 10) -> SourcePost:
    return SourcePost(id, "reddit:test", title, f"https://www.reddit.com/{id}",
                      NOW - timedelta(hours=1), link=link, score=score)  # fmt: skip


def test_a_post_covered_on_another_day_never_comes_back() -> None:
    posts = [post("sam17", "[N] OpenAI announces leadership transition", score=900), post("b", "B")]
    topics = select_topics(
        posts, covered(FIRED, post_ids={"sam17"}), SelectionRules(), STORIES, NOW
    )
    assert [t.post.id for t in topics] == ["b"]  # not even as an update: it needs a new post


@pytest.mark.parametrize(
    "repeat",
    [
        post("new1", "[N] OpenAI announces leadership transition"),  # a repost under a new id
        linked(
            "new2",
            "Altman is out",
            "http://openai.com/blog/openai-announces-leadership-transition/?utm_source=x",
        ),
        linked(
            "new3",
            "Sam Altman officially back as CEO",
            "https://www.openai.com/blog/sam-altman-returns",
        ),
        post("new4", "[D] Sam Altman returns to OpenAI as CEO: what now?"),  # the same event
    ],
    ids=["repost", "same link", "link of an update", "same event"],
)
def test_a_story_covered_recently_is_an_update_of_its_first_coverage(repeat: SourcePost) -> None:
    posts = [repeat, post("other", "[R] Orca 2: teaching small language models to reason", score=5)]
    # Shown again two days ago, not known then as an update: the first day still counts.
    again = replace(FIRED, day=DAY - timedelta(days=2), post_ids=("again",))
    topics = select_topics(posts, covered(again, FIRED, RETURNS), SelectionRules(), STORIES, NOW)
    assert [t.post.id for t in topics] == [repeat.id, "other"]
    assert topics[0].update_of == Coverage(FIRED.day, FIRED.title)  # first covered, not last
    assert topics[1].update_of is None


def test_or_is_left_out_and_another_story_takes_its_place() -> None:
    posts = [
        post("new1", "[N] OpenAI announces leadership transition", score=90),
        post("x", "X marks a story", score=50),
        post("y", "Y is another", score=40),
    ]
    skip = StoryRules(on_repeat="skip")
    topics = select_topics(posts, covered(FIRED), SelectionRules(topics=2), skip, NOW)
    assert [t.post.id for t in topics] == ["x", "y"]


def test_only_the_lookback_counts() -> None:
    old = CoveredTopic(DAY - timedelta(days=20), "OpenAI announces leadership transition")
    posts = [post("new1", "[N] OpenAI announces leadership transition")]
    topics = select_topics(posts, covered(old), SelectionRules(), STORIES, NOW)
    assert topics[0].update_of is None
    longer = StoryRules(lookback_days=30)
    assert select_topics(posts, covered(old), SelectionRules(), longer, NOW)[0].update_of


def test_posts_of_one_story_today_are_one_topic_with_all_its_sources() -> None:
    posts = [
        post("a", "[N] Meta disbands its Responsible AI team", score=500),
        post("b", "[D] OpenAI fires Sam Altman", score=900),
        post("c", "Meta breaks up its Responsible AI team", score=700),  # better scored
        post("d", "[N] OpenAI releases GPT-4 Turbo", score=400),  # shares a name only
        post("e", "[R] Orca 2", score=300),
    ]
    topics = select_topics(posts, NOTHING, SelectionRules(topics=3), STORIES, NOW)
    assert [t.post.id for t in topics] == ["b", "c", "d"]  # still three topics
    assert [[p.id for p in t.also] for t in topics] == [[], ["a"], []]
    assert topics[1].title == "Meta breaks up its Responsible AI team"


def test_distinct_stories_sharing_words_stay_apart() -> None:
    titles = [
        "[R] S-LoRA: Serving Thousands of Concurrent LoRA Adapters",
        "[R] LCM-LoRA: a universal Stable-Diffusion acceleration module",
        "[R] Tied-LoRA: enhancing parameter efficiency of LoRA with weight tying",
        "[N] Stability AI releases Stable Video Diffusion",
        "[N] Stability AI releases SDXL Turbo: real-time text-to-image in one step",
        "[N] Microsoft announces the Maia 100 AI accelerator and the Cobalt CPU",
        "[N] Microsoft announces Phi-2, a 2.7B model matching 7B-13B models",
    ]
    posts = [post(f"p{n}", title, score=100 - n) for n, title in enumerate(titles)]
    topics = select_topics(posts, NOTHING, SelectionRules(topics=10), STORIES, NOW)
    assert len(topics) == len(titles) and not any(t.also for t in topics)


def test_embeddings_find_the_same_story_in_other_words() -> None:
    posts = [post("a", "Microsoft hires Sam Altman", score=9)]
    old = CoveredTopic(DAY - timedelta(days=2), "Emmett Shear named interim CEO of OpenAI")
    assert select_topics(posts, covered(old), SelectionRules(), STORIES, NOW)[0].update_of is None

    def similar(a: str, b: str) -> float:
        return 0.9 if {a, b} == {"Microsoft hires Sam Altman", old.title} else 0.1

    topics = select_topics(posts, covered(old), SelectionRules(), STORIES, NOW, similar)
    assert topics[0].update_of == Coverage(old.day, old.title)


def test_a_recent_topic_is_no_trending_title() -> None:
    recent = CoveredTopic(DAY - timedelta(days=3), "Meta disbands its Responsible AI team")
    older = CoveredTopic(DAY - timedelta(days=9), "Cruise CEO Kyle Vogt resigns")
    shown = Covered(DAY, topics=(recent, older))
    trending = [
        post("t1", "Meta breaks up its Responsible AI team"),
        post("t2", "Cruise's Kyle Vogt steps down as CEO"),  # shown longer ago than 7 days
        post("t3", "Humane launches the Ai Pin"),
    ]
    picked = select_trending(trending, (), shown, SelectionRules(), STORIES)
    assert [t.post_id for t in picked] == ["t2", "t3"]


# -- several sources: one ranking, a cap per source, one story however it came ---------


def from_source(id: str, source: str, score: int = 0, link: str = "", url: str = "") -> SourcePost:
    return SourcePost(id, source, f"Item {id}", url or f"https://x.example/{id}",
                      NOW - timedelta(hours=1), link=link, score=score)  # fmt: skip


def test_sources_are_ranked_together_by_weight() -> None:
    posts = [
        *(from_source(f"r{i}", "r/ml", score=1000 - 100 * i) for i in range(3)),
        *(from_source(f"h{i}", "Hacker News", score=50 - 20 * i) for i in range(2)),
    ]
    rules = SelectionRules(topics=3)
    assert [t.post.id for t in select_topics(posts, NOTHING, rules, STORIES, NOW)] == [
        "r0",
        "h0",
        "r1",
    ]
    heavier = replace(rules, weights={"Hacker News": 2.0})
    assert [t.post.id for t in select_topics(posts, NOTHING, heavier, STORIES, NOW)] == [
        "h0",
        "h1",
        "r0",
    ]


@pytest.mark.parametrize(
    ("cap", "picked"),
    [
        (0, ["r0", "h0", "r1", "r2"]),  # no cap
        (3, ["r0", "h0", "r1", "r2"]),  # three from r/ml: at the cap, not over it
        (2, ["r0", "h0", "r1", "h1"]),  # its third makes way for the next source's
        (1, ["r0", "h0"]),  # one from each, and no more sources
    ],
)
def test_at_most_max_per_source_topics_from_one_source(cap: int, picked: list[str]) -> None:
    reddit = [from_source(f"r{i}", "r/ml", score=900 - 100 * i) for i in range(3)]
    hn = [from_source(f"h{i}", "Hacker News", score=s) for i, s in enumerate((50, 10, 5))]
    rules = SelectionRules(topics=4, max_per_source=cap)  # ranked r0 h0 r1 r2 h1 h2
    topics = select_topics([*reddit, *hn], NOTHING, rules, STORIES, NOW)
    assert [t.post.id for t in topics] == picked


def test_a_feed_post_and_a_link_to_it_are_one_topic() -> None:
    article = "https://blog.example/2026/11/new-model"
    feed = from_source("feed:1", "blog.example", url=article)  # the article itself
    hn = from_source("hn1", "Hacker News", 300, link=f"{article}?utm_source=hn")
    hn = replace(
        hn, title="A lab releases its new model", url="https://news.ycombinator.com/item?id=1"
    )
    other = from_source("r1", "r/ml", 50)
    topics = select_topics([other, hn, feed], NOTHING, SelectionRules(), STORIES, NOW)
    assert len(topics) == 2
    (story,) = [t for t in topics if t.post.id != "r1"]
    assert {story.post.id, *(p.id for p in story.also)} == {"feed:1", "hn1"}


def test_trending_sources_are_merged_each_in_its_listing_order() -> None:
    news = [from_source(f"n{i}", "News", score=s) for i, s in enumerate((0, 900, 0))]
    hn = [from_source(f"h{i}", "Hacker News", score=s) for i, s in enumerate((300, 200))]
    rules = SelectionRules(trending_max=5)
    picked = select_trending([*news, *hn], (), NOTHING, rules, STORIES, now=NOW)
    assert [t.post_id for t in picked] == ["n0", "h0", "n1", "h1", "n2"]
    heavier = replace(rules, weights={"Hacker News": 3.0})
    picked = select_trending([*news, *hn], (), NOTHING, heavier, STORIES, now=NOW)
    assert [t.post_id for t in picked] == ["h0", "h1", "n0", "n1", "n2"]
