"""`[[sources]]`: each table checked with its number, the list checked whole, the pair
`[reddit]` names when there is none, and the list from the environment as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digestbot.config.loader import load
from digestbot.config.sources import sources_in_force
from digestbot.core.errors import ConfigError


def settings_of(tmp_path: Path, toml: str, environ: dict[str, str] | None = None):
    path = tmp_path / "digestbot.toml"
    path.write_text(toml)
    return load(str(path), env_file=None, environ=environ or {}).settings


def refusal(tmp_path: Path, toml: str) -> str:
    with pytest.raises(ConfigError) as raised:
        settings_of(tmp_path, toml)
    return str(raised.value)


def test_without_sources_the_pair_reddit_names_is_read(tmp_path: Path) -> None:
    settings = settings_of(
        tmp_path, '[reddit]\nmain_subreddit = "LocalLLaMA"\ntrending_listing = "new"\n'
    )
    main, trending = sources_in_force(settings)
    assert (main.kind, main.subreddit, main.role, main.chosen_listing) == (
        "reddit",
        "LocalLLaMA",
        "topics",
        "top",
    )
    assert (trending.shown_name, trending.role, trending.chosen_listing) == (
        "r/machinelearningnews",
        "trending",
        "new",
    )


def test_sources_replace_the_pair_and_are_named_for_readers(tmp_path: Path) -> None:
    settings = settings_of(
        tmp_path,
        """
[[sources]]
kind = "feed"
url = "https://www.example.org/feed.xml"
[[sources]]
kind = "arxiv"
category = "cs.LG"
weight = 0.5
[[sources]]
kind = "hackernews"
listing = "best"
role = "trending"
[[sources]]
kind = "reddit"
subreddit = "LocalLLaMA+MachineLearning"
name = "  Local   models  "
""",
    )
    names = [s.shown_name for s in sources_in_force(settings)]
    assert names == ["example.org", "arXiv cs.LG", "Hacker News (best)", "Local models"]
    assert [s.role for s in sources_in_force(settings)] == ["topics"] * 2 + ["trending", "topics"]


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[[sources]]\nurl = "https://a.example/f"', "sources #1: kind is required"),
        ('[[sources]]\nkind = "rss"', "sources #1.kind: must be one of reddit, feed"),
        ('[[sources]]\nkind = "feed"', "sources #1: a feed source needs url"),
        ('[[sources]]\nkind = "reddit"', "a reddit source needs subreddit"),
        ('[[sources]]\nkind = "arxiv"', "an arxiv source needs category"),
        ('[[sources]]\nkind = "feed"\nurl = "feed.xml"', "sources #1.url: 'feed.xml' is not"),
        ('[[sources]]\nkind = "reddit"\nsubreddit = "r/ML"', "without r/"),
        ('[[sources]]\nkind = "arxiv"\ncategory = "cs LG"', "is not an arXiv category"),
        ('[[sources]]\nkind = "hackernews"\nlisting = "new"', "listing must be one of top, best"),
        ('[[sources]]\nkind = "hackernews"\ncategory = "cs.LG"', "category is not read by a"),
        ('[[sources]]\nkind = "hackernews"\nrole = "main"', "must be one of topics, trending"),
        ('[[sources]]\nkind = "hackernews"\nweight = -1', "must be at least 0"),
        ('[[sources]]\nkind = "hackernews"\ntimeout_seconds = 0', "must be more than 0"),
        ('[[sources]]\nkind = "hackernews"\nlsting = "top"', "did you mean listing?"),
        ('[[sources]]\nkind = "hackernews"\nrole = "trending"', 'none has role = "topics"'),
        ('sources = "hn"', "sources: must be a list of tables: [[sources]] in TOML"),
        ("[sources]\nkind = 1", "must be a list of tables"),
    ],
)
def test_a_bad_source_is_refused_with_its_number(tmp_path: Path, toml: str, problem: str) -> None:
    assert problem in refusal(tmp_path, toml + "\n")


def test_two_sources_of_one_name_are_refused(tmp_path: Path) -> None:
    toml = (
        '[[sources]]\nkind = "feed"\nurl = "https://example.org/a.xml"\n'
        '[[sources]]\nkind = "feed"\nurl = "https://example.org/b.xml"\n'
    )
    assert "two are named 'example.org': give each a name" in refusal(tmp_path, toml)


def test_every_bad_table_is_named_at_once(tmp_path: Path) -> None:
    toml = '[[sources]]\nkind = "feed"\n[[sources]]\nkind = "hackernews"\n[[sources]]\nkind = "x"\n'
    message = refusal(tmp_path, toml)
    assert "sources #1: a feed source needs url" in message
    assert "sources #3.kind" in message and "sources #2" not in message


def test_the_list_comes_from_the_environment_as_json(tmp_path: Path) -> None:
    tables = [{"kind": "hackernews"}, {"kind": "arxiv", "category": "stat.ML", "weight": 2}]
    settings = settings_of(tmp_path, "", {"DIGESTBOT_SOURCES": json.dumps(tables)})
    assert [s.shown_name for s in settings.sources] == ["Hacker News", "arXiv stat.ML"]
    assert settings.sources[1].weight == 2.0
    with pytest.raises(ConfigError, match="must be a list of tables"):
        settings_of(tmp_path, "", {"DIGESTBOT_SOURCES": "hackernews"})
    with pytest.raises(ConfigError, match="DIGESTBOT_SOURCES__KIND: names no setting"):
        settings_of(tmp_path, "", {"DIGESTBOT_SOURCES__KIND": "feed"})
