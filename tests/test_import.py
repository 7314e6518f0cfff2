"""Importing old blog posts: every layout, idempotent, round trip through the exporter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from digestbot.app.archive import export, import_posts
from digestbot.app.digests import App
from digestbot.blog.importer import parse_post
from digestbot.core.models import Digest
from tests.conftest import ROOT, ConfigFactory, run_cli

POSTS = Path(__file__).parent / "fixtures" / "posts"
GOOD = ["spaced-paragraphs.md", "compact-bullets.md", "inline-labels.md"]
CORPUS = ROOT.parent / "shared" / "reference"


def content(digest: Digest) -> tuple:
    """What a round trip must keep: titles, analyses, trending titles, predictions."""
    return (
        [(t.title, t.analysis.benefits, t.analysis.ramifications) for t in digest.topics],
        [t.title for t in digest.trending],
        [(p.event, p.predicted, p.rationale) for p in digest.predictions],
    )


def front_matter(text: str) -> str:
    return text.split("\n---\n", 1)[0]


def test_each_layout_is_read() -> None:
    spaced = parse_post((POSTS / "spaced-paragraphs.md").read_text()).digest
    assert spaced.day == date(2024, 2, 11) and spaced.model == "gpt-3.5-turbo"
    assert (
        spaced.topics[1].title == "Is anyone else's GPU bill growing faster than their headcount?"
    )
    assert spaced.topics[0].analysis.benefits.startswith("Interpretable features make")
    assert spaced.predictions[1].predicted == "March 2052"

    compact = parse_post((POSTS / "compact-bullets.md").read_text()).digest
    assert compact.topics[0].analysis.benefits.splitlines() == [
        "Phones could run assistants offline, protecting user privacy.",
        "Lower energy use extends battery life for always-on features.",
    ]
    assert compact.trending[1].title == "Meta AIâ€™s Segmenter Gets a Video Mode"  # as it was
    assert [(p.event, p.predicted) for p in compact.predictions] == [
        ("Artificial general intelligence", "2034"),
        ("Technological singularity", "2060"),
    ]

    inline = parse_post((POSTS / "inline-labels.md").read_text()).digest
    assert inline.topics[0].analysis.ramifications.startswith("Agents tuned to one benchmark")
    assert len(inline.topics) == 2  # the "(Note: ...)" aside is not a topic's text
    assert "Note" not in inline.topics[1].analysis.ramifications
    assert [(p.event, p.predicted) for p in inline.predictions] == [
        ("Artificial General Intelligence (AGI)", "2033"),
        ("Technological Singularity", "June 2049"),
    ]


@pytest.mark.parametrize("name", GOOD)
async def test_round_trip(make_config: ConfigFactory, tmp_path: Path, name: str) -> None:
    app = App(make_config())
    original = (POSTS / name).read_text()
    report = import_posts(app.wiring, [POSTS / name])
    assert (report.imported, report.failed) == (1, [])
    out = tmp_path / "rebuilt"
    (written,) = await export(app.wiring, since=None, until=None, folder=out)
    exported = Path(written.summary).read_text()
    assert front_matter(exported) == front_matter(original)
    assert content(parse_post(exported).digest) == content(parse_post(original).digest)
    # Our own canonical posts import back to exactly the same digest.
    assert parse_post(exported).digest == parse_post(original).digest


def test_import_is_idempotent_and_reports_what_it_cannot_read(
    make_config: ConfigFactory,
) -> None:
    config = make_config()
    first = run_cli("--config", str(config.path), "import", str(POSTS))
    assert first.exit_code == 3, first.output  # imported, with a post it could not read
    assert "imported     3 of 4 posts (0 already in history, 1 unreadable)" in first.output
    assert "broken.md: line 1: no front matter" in first.output
    second = run_cli("--config", str(config.path), "import", str(POSTS))
    assert "imported     0 of 4 posts (3 already in history, 1 unreadable)" in second.output
    good = run_cli("--config", config.path, "import", POSTS / "compact-bullets.md")
    assert good.exit_code == 0, good.output
    bad = run_cli("--config", config.path, "import", POSTS / "broken.md")
    assert bad.exit_code == 1 and "imported     0 of 1 posts" in bad.output
    history = run_cli("--config", str(config.path), "history")
    assert history.output.count("(imported)") == 3


def test_a_day_made_by_the_bot_is_kept(make_config: ConfigFactory) -> None:
    app = App(make_config())
    post = parse_post((POSTS / "spaced-paragraphs.md").read_text()).digest
    with app.wiring.open_store() as store:
        store.digests.save(replace(post, model="made-here"), run_id=None)  # the bot's own day
    report = import_posts(app.wiring, [POSTS / "spaced-paragraphs.md"])
    assert report.imported == 0 and "has a digest made here; kept it" in report.kept[0]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the blog's reference posts are not here")
def test_the_blog_archive_imports(make_config: ConfigFactory, capsys) -> None:
    """Every post of the blog this project continues, when they are beside the project."""
    files = sorted(CORPUS.rglob("*-ai-auto-summary.md"))
    posts = [parse_post(f.read_text(encoding="utf-8")) for f in files]
    full = [
        p for p in posts
        if not p.warnings and p.digest.trending and len(p.digest.predictions) == 2
    ]  # fmt: skip
    with capsys.disabled():
        print(f"\n{len(full)} of {len(files)} reference posts parsed fully")
    assert len(full) >= len(files) - 1
    app = App(make_config())
    report = import_posts(app.wiring, files)
    assert report.failed == [] and report.imported == len(files)
    # The round trip holds for every one: same front matter, same content.
    style = app.wiring.blog()
    for file, post in zip(files, posts, strict=True):
        exported = style.render(post.digest)
        original = file.read_text(encoding="utf-8")
        assert front_matter(exported) == front_matter(original), file.name
        assert content(parse_post(exported).digest) == content(post.digest), file.name


async def test_a_blog_rebuilt_from_history_builds_with_hugo(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    from tests.test_hugo import build_with_hugo, texts

    config = make_config()
    app = App(config)
    import_posts(app.wiring, [POSTS])
    first = await export(app.wiring, since=date(2023, 1, 1), until=None, folder=tmp_path / "one")
    second = await export(app.wiring, since=date(2023, 1, 1), until=None, folder=tmp_path / "two")
    assert len(first) == 3
    for a, b in zip(first, second, strict=True):
        assert Path(a.summary).read_bytes() == Path(b.summary).read_bytes()
    post = Path(first[0].summary)  # 2023-06-19: the compact layout with points, now canonical
    page = build_with_hugo(post, tmp_path)
    assert page["date"] == "2023-06-19T05:33:41Z"
    assert texts(page["content"], "strong")[0] == "Quantized attention kernels for edge devices"
    assert "Meta AIâ€™s Segmenter Gets a Video Mode" in page["content"]  # kept as it was
