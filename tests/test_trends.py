"""Prediction trends: reading free-form dates, filing events, the table and the chart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from digestbot.core.trends import canonical_event, monthly, predicted_year, series
from tests.conftest import EXAMPLE, ConfigFactory, run_cli

EVENTS = ["Artificial general intelligence", "Technological singularity"]
POSTS = Path(__file__).parent / "fixtures" / "posts"


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2030", 2030.0),
        ("July 2035", 2035.5),
        ("2050-2080", 2065.0),
        ("2030-2040s", 2035.0),
        ("Before 2050", 2050.0),
        ("2030s", 2030.0),
        ("unknown", None),
        ("in 3 years", None),
    ],
)
def test_predicted_year(text: str, year: float | None) -> None:
    assert predicted_year(text) == year


def test_events_are_filed_under_the_configured_name() -> None:
    assert canonical_event("Artificial General Intelligence (AGI)", EVENTS) == EVENTS[0]
    assert canonical_event("Technological singularity will occur", EVENTS) == EVENTS[1]
    assert canonical_event("Fusion power", EVENTS) == "Fusion power"


def test_series_and_monthly_summary() -> None:
    rows = [
        (date(2025, 1, 3), "AGI: Artificial general intelligence", "2030"),
        (date(2025, 1, 20), "Artificial general intelligence", "2040"),
        (date(2025, 2, 1), "Artificial general intelligence", "no idea"),
        (date(2025, 2, 2), "Artificial general intelligence", "2036"),
    ]
    by_event = series(rows, EVENTS)
    assert [p.year for p in by_event[EVENTS[0]]] == [2030, 2040, 2036]
    (january, february) = monthly(by_event)
    assert (january.month, january.count, january.median, january.low) == ("2025-01", 2, 2035, 2030)
    assert (february.count, february.median) == (1, 2036)


def test_predictions_command_prints_a_table_and_writes_a_chart(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    config = make_config()
    run_cli("--config", str(config.path), "import", str(POSTS))
    chart = tmp_path / "trend.png"
    result = run_cli("--config", str(config.path), "predictions", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    assert "Technological singularity" in result.output and "2024-02" in result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


def test_without_the_charts_extra_the_chart_says_how_to_get_it(
    make_config: ConfigFactory, tmp_path: Path
) -> None:
    import subprocess
    import sys

    config = make_config()
    run_cli("--config", str(config.path), "generate", "--from", str(EXAMPLE))
    without_matplotlib = (
        "import sys; sys.modules['matplotlib'] = None; "  # as if it were not installed
        "from digestbot.cli import main; raise SystemExit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", without_matplotlib, "--config", str(config.path),
         "predictions", "--chart", str(tmp_path / "trend.png")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "pip install 'digestbot[charts]'" in result.stderr and "Traceback" not in result.stderr
    assert "Artificial general intelligence" in result.stdout  # the table still comes
    assert not (tmp_path / "trend.png").exists()
