"""Every layout variant of the blog's old posts, read exactly, from the project's own fixtures.

Each file in tests/fixtures/variants/ is a small invented post in one of the shapes the
blog's generator wrote over the years (see the docstring of digestbot.blog.importer).
The tests state what the importer must read from each, to the character, and that each
survives a round trip through the exporter. They need nothing outside the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from digestbot.blog.hugo import HugoStyle, render_hugo
from digestbot.blog.importer import ImportedPost, parse_post
from digestbot.config.settings import BlogSettings
from digestbot.core.models import AnalysisStatus, Digest

VARIANTS = Path(__file__).parent / "fixtures" / "variants"
STYLE = HugoStyle.of(BlogSettings().as_dict())
LEFT_OUT = "a prediction without an event or a date, left out"


@dataclass(frozen=True)
class Expected:
    day: date
    model: str
    topics: list[tuple[str, str, str]]  # title, benefits, ramifications
    trending: list[str]
    predictions: list[tuple[str, str, str]]  # event, predicted, rationale
    warnings: list[str] = field(default_factory=list)


EXPECTED: dict[str, Expected] = {
    # Compact layout (no blank lines anywhere) and every bullet a "•": labels, points,
    # trending titles, predictions and their sub-bullets ("• 2041: why").
    "dot-bullets-compact.md": Expected(
        day=date(2023, 7, 8),
        model="gpt-3.5-turbo",
        topics=[
            (
                "Label smoothing hides calibration errors in small classifiers",
                "Teams notice overconfident models before they ship.\n"
                "Calibration plots become part of routine reviews.",
                "Extra checks slow down release cycles for small teams.",
            ),
            (
                "How do you keep notebooks reproducible across a team?",
                'Shared environments cut down on "works on my machine" bugs.',
                "Strict pinning can leave projects stuck on old library versions.",
            ),
        ],
        trending=[
            "Robotics Lab Publishes a Dataset of Kitchen Tasks",
            "Chip Maker Announces a Low-Power Inference Card",
        ],
        predictions=[
            (
                "Artificial general intelligence",
                "2041",
                "Scaling alone seems insufficient, so new architectures must mature first.",
            ),
            (
                "Technological singularity",
                "2077",
                "Self-improving systems would need decades of safe deployment experience.",
            ),
        ],
    ),
    # Spaced layout, labels on their own line: a paragraph wrapped over two lines, a
    # lead sentence followed by points, labels at column 0 with points under them, and
    # a "(Note: ...)" aside after the topics. Predictions whose rationale sits at
    # column 0 on the next line, or after a blank line.
    "spaced-mixed-analyses.md": Expected(
        day=date(2024, 5, 14),
        model="gpt-3.5-turbo",
        topics=[
            (
                "[D] Should small labs still pretrain from scratch?",
                "Pretraining in house gives full control over the data mix"
                " and makes licensing questions easier to answer.",
                "Two costs stand out:\n"
                "Compute budgets leave little room for evaluation work.\n"
                "Staff time shifts from research questions to infrastructure.",
            ),
            (
                "A toolkit that turns lecture videos into searchable notes",
                "Students can jump straight to the part of a lecture they need.\n"
                "Captions improve access for people with hearing loss.",
                "Lecturers may object to recordings being mined without consent.",
            ),
        ],
        trending=[
            "Weather Model Beats Physics Baseline on Ten-Day Forecasts",
            "Open Dataset of Handwritten Maths Released for OCR Research",
        ],
        predictions=[
            (
                "Artificial general intelligence will be achieved",
                "2044",
                "I expect general systems once models can learn new skills"
                " from a handful of examples.",
            ),
            (
                "Technological singularity",
                "April 2071",
                "I place it decades later because institutions adapt slowly to new tools.",
            ),
        ],
    ),
    # Labels inline with their text: wrapped onto a second line, followed by points,
    # in bold ("**Benefits:**") and with the colon outside ("*Ramifications*:").
    "inline-labels-wrapped.md": Expected(
        day=date(2023, 12, 2),
        model="gpt-3.5-turbo",
        topics=[
            (
                "[P] A linter that flags data leakage in training scripts",
                "Leakage caught before training saves weeks of misleading results"
                " and keeps reported scores honest.",
                "Two risks follow:\n"
                "False alarms may train people to ignore the linter.\n"
                "Teams might trust a clean report more than they should.",
            ),
            (
                "Why does my loss spike after every checkpoint reload?",
                "Answers in the thread explain optimizer state, which helps newcomers debug.",
                "Quick fixes shared without context can hide the real cause.",
            ),
        ],
        trending=[
            "University Opens a Shared Cluster for Climate Models",
            "Translation App Adds Offline Mode for Twelve Languages",
            "Report Counts the Energy Used by Image Generators",
        ],
        predictions=[
            (
                "Artificial general intelligence",
                "2038",
                "Reasoning gains are steady, and tool use covers many remaining gaps.",
            ),
            (
                "Technological singularity",
                "2066",
                "Feedback between AI and chip design could speed up, but slowly at first.",
            ),
        ],
    ),
    # Old mojibake (UTF-8 read as cp1252) is kept exactly as written, everywhere.
    "mojibake.md": Expected(
        day=date(2023, 6, 5),
        model="gpt-3.5-turbo",
        topics=[
            (
                "Whatâ€™s the cheapest way to serve a 7B model?",
                "Cheaper serving lets a cafÃ© owner run a menu assistant â€” without a cloud bill.",
                "Cost cutting may push teams toward â€œgood enoughâ€ quantization"
                " that fails quietly.",
            ),
        ],
        trending=[
            "CafÃ© Chain Trains an Ordering Bot on Its Own Menus",
            "Startupâ€™s Speech Model Learns Accents From Short Clips",
        ],
        predictions=[
            (
                "Artificial general intelligence",
                "2039",
                "Todayâ€™s models still lack memory that lasts beyond a session.",
            ),
            (
                "Technological singularity",
                "2072",
                "Itâ€™s far off because hardware supply grows slowly.",
            ),
        ],
    ),
    # The date in parentheses after the event or after words: nested "(2035 (October))",
    # a range, and a parenthesis without a digit before the date, which is not the date.
    "predictions-parens.md": Expected(
        day=date(2024, 10, 9),
        model="gpt-3.5-turbo",
        topics=[
            (
                "Benchmarks for long-horizon planning in household robots",
                "Shared tasks let labs compare planners on the same chores.",
                "Robots tuned to simulated homes may stumble in cluttered real ones.",
            ),
        ],
        trending=["Hospital Network Tests a Triage Assistant in Two Wards"],
        predictions=[
            (
                "Artificial general intelligence",
                "2035 (October)",
                "Planning benchmarks improve every quarter, so the mid-2030s look plausible.",
            ),
            (
                "technological singularity",
                "2060-2085",
                "Feedback loops between research agents and hardware take time to compound.",
            ),
            (
                "Household robots",
                "2040s",
                "Cheap actuators and better planners must arrive together.",
            ),
        ],
    ),
    # The date on a sub-bullet: "By **2052** - why", a sub-bullet holding just the date
    # with the rationale on the next ones (one with bold text of its own), and "2049: why".
    "predictions-sub-bullets.md": Expected(
        day=date(2023, 11, 18),
        model="gpt-3.5-turbo",
        topics=[
            (
                "Is synthetic data making vision models worse?",
                "Careful studies tell practitioners when generated images help and when they hurt.",
                "Datasets may fill with generated images that nobody labelled as synthetic.",
            ),
        ],
        trending=[
            "Library Adds Streaming Support for Video Datasets",
            "Survey Asks Engineers Which Evaluation Metrics They Trust",
        ],
        predictions=[
            (
                "Artificial general intelligence",
                "2052",
                "Systems that learn as flexibly as people need advances in memory and planning.",
            ),
            (
                "Technological singularity",
                "August 2068",
                "Recursive self-improvement would need safe ways to test each new version."
                " **Caveat:** regulation could slow this considerably.",
            ),
            (
                "Fully automated research labs",
                "2049",
                "Robots and planners would have to run experiments end to end.",
            ),
        ],
    ),
    # The date in bold on the event's line: "by **May 2033**. why" (with a later
    # parenthesis holding a digit, which is rationale) and "(TS) - **November 2058**".
    "predictions-bold-date.md": Expected(
        day=date(2025, 11, 27),
        model="gpt-4o-mini",
        topics=[
            (
                "A compact model for reading handwritten forms",
                "Offices can digitise paper records without sending them to a cloud service.",
                "Errors on unusual handwriting may go unnoticed in automated pipelines.",
            ),
        ],
        trending=[
            "Regulator Publishes Draft Rules for AI in Hiring",
            "Lab Shows a Robot Hand That Sorts Screws by Touch",
        ],
        predictions=[
            (
                "Artificial general intelligence",
                "May 2033",
                "Agents that plan over weeks (not minutes, as in 3-step demos)"
                " would have to become routine first.",
            ),
            (
                "Technological Singularity",
                "November 2058",
                "Once research itself is automated, progress could feed on itself.",
            ),
        ],
    ),
    # The date only in the words: "Before 2047.", "the mid-2060s", a year in the event's
    # own words, a month and year in the prose; an intro line that is no prediction; and
    # an event (a bold line at column 0) with no date at all, left out with a warning.
    "predictions-prose.md": Expected(
        day=date(2023, 5, 6),
        model="gpt-3.5-turbo",
        topics=[
            (
                "Open-source model cards are often missing training details",
                "Pointing out gaps encourages maintainers to document data sources.",
                "Missing details make it hard to judge whether a model is safe to deploy.",
            ),
        ],
        trending=["Museum Uses Vision Models to Catalogue Old Photographs"],
        predictions=[
            (
                "Artificial general intelligence (AGI)",
                "Before 2047",
                "Before 2047. Learning from few examples is the main gap left.",
            ),
            (
                "technological singularity",
                "2060s",
                "will follow in the mid-2060s. Hardware and energy limits slow any runaway progress.",
            ),
            (
                "Robot surgeons in most hospitals by 2040",
                "by 2040",
                "Trials are promising but approvals take years.",
            ),
            (
                "Brain-computer interfaces",
                "around March 2081",
                "I would place wide use around March 2081, once implants are safe.",
            ),
        ],
        warnings=[f"line 50: {LEFT_OUT}"],
    ),
    # Numbered predictions "1. **AGI:** (2036-2042)" after an intro line, one of them
    # without a date in the middle: left out with a warning, the next one still read.
    "predictions-numbered.md": Expected(
        day=date(2023, 8, 21),
        model="gpt-3.5-turbo",
        topics=[
            (
                "Tiny recurrent models match transformers on short sequences",
                "Small devices could run sequence models with little memory.",
                "Results on short sequences may not carry over to long documents.",
            ),
        ],
        trending=["Carmaker Trains a Driving Model on Simulated Rain"],
        predictions=[
            (
                "Artificial General Intelligence",
                "2036-2042",
                "Progress in reasoning is real but uneven across tasks.",
            ),
            (
                "Technological Singularity",
                "2055-2070",
                "Self-improvement loops need reliable automated evaluation first.",
            ),
        ],
        warnings=[f"line 45: {LEFT_OUT}"],
    ),
    # A post in the exporter's own canonical layout (as digestbot writes it), with every
    # escape it makes: backslashes before markup, character references, typography.
    "canonical-escapes.md": Expected(
        day=date(2026, 2, 3),
        model="gpt-4o-mini",
        topics=[
            (
                "[P] Why does `torch.compile` slow down my _private_ modules?",
                "Threads like this teach people that *every* flag has a cost"
                " & that <2% speedups aren't free.",
                "A C:\\cache\\dir path -- or {{< shortcodes >}} -- could be pasted without care.",
            ),
            (
                '"Attention is all you need" -- 10 years on...',
                "Newcomers get a map of what changed.\n"
                "2. Old ideas come back with better hardware.",
                "#1 risk: nostalgia over evidence.",
            ),
            ("A weekly thread with no analysis today", "", ""),
        ],
        trending=[
            "[N] Lab's ~tiny~ model tops a leaderboard",
            'Ask: what\'s the <best> "small" model?',
        ],
        predictions=[
            ("AGI (the *general* kind)", "2037", "Scaling [plus] new ideas; maybe sooner_ish."),
            ("Technological singularity", "2061-2075", "Self-improvement at 10x pace & beyond."),
        ],
    ),
}
NAMES = sorted(EXPECTED)


def read(name: str) -> ImportedPost:
    return parse_post((VARIANTS / name).read_text(encoding="utf-8"))


def content(digest: Digest) -> tuple:
    """What a round trip must keep: titles, analyses, trending titles, predictions."""
    return (
        [(t.title, t.analysis.benefits, t.analysis.ramifications) for t in digest.topics],
        [t.title for t in digest.trending],
        [(p.event, p.predicted, p.rationale) for p in digest.predictions],
    )


def front_matter(text: str) -> str:
    return text.split("\n---\n", 1)[0]


def test_every_variant_fixture_has_its_expectations() -> None:
    assert sorted(p.name for p in VARIANTS.glob("*.md")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_day_and_model_are_read(name: str) -> None:
    digest, expected = read(name).digest, EXPECTED[name]
    assert (digest.day, digest.model) == (expected.day, expected.model)
    assert digest.notes == ("imported from the blog",)


@pytest.mark.parametrize("name", NAMES)
def test_the_topics_are_read_exactly(name: str) -> None:
    digest = read(name).digest
    assert [t.title for t in digest.topics] == [t[0] for t in EXPECTED[name].topics]
    analyses = [(t.analysis.benefits, t.analysis.ramifications) for t in digest.topics]
    assert analyses == [(b, r) for _, b, r in EXPECTED[name].topics]


@pytest.mark.parametrize("name", NAMES)
def test_the_trending_titles_are_read_exactly(name: str) -> None:
    assert [t.title for t in read(name).digest.trending] == EXPECTED[name].trending


@pytest.mark.parametrize("name", NAMES)
def test_the_predictions_are_read_exactly(name: str) -> None:
    predictions = read(name).digest.predictions
    assert [(p.event, p.predicted, p.rationale) for p in predictions] == (
        EXPECTED[name].predictions
    )


@pytest.mark.parametrize("name", NAMES)
def test_what_is_left_out_is_named_with_its_line(name: str) -> None:
    post = read(name)
    assert list(post.warnings) == EXPECTED[name].warnings
    lines = (VARIANTS / name).read_text(encoding="utf-8").splitlines()
    for warning in post.warnings:  # the line named is the event's, in bold
        number = int(warning.removeprefix("line ").partition(":")[0])
        assert "**" in lines[number - 1]


def test_a_topic_without_analysis_is_kept_as_skipped() -> None:
    statuses = [t.analysis.status for t in read("canonical-escapes.md").digest.topics]
    assert statuses == [AnalysisStatus.OK, AnalysisStatus.OK, AnalysisStatus.SKIPPED]


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_through_the_exporter(name: str) -> None:
    original = (VARIANTS / name).read_text(encoding="utf-8")
    post = parse_post(original)
    exported = render_hugo(post.digest, STYLE)
    again = parse_post(exported)
    assert front_matter(exported) == front_matter(original)
    assert content(again.digest) == content(post.digest)
    assert again.warnings == ()  # what was left out is not written back
    assert again.digest == post.digest


def test_a_canonical_post_is_rendered_back_byte_for_byte() -> None:
    original = (VARIANTS / "canonical-escapes.md").read_text(encoding="utf-8")
    assert render_hugo(parse_post(original).digest, STYLE) == original
