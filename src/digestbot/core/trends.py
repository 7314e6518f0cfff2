"""How the predicted dates move over time: pure functions over stored predictions.

Predictions were written freely ("2030", "July 2035", "2050-2080", "Before 2050",
"2030-2040s"); each becomes a fractional year, a range its middle. Event names varied
too ("Artificial General Intelligence (AGI)", "... will be created"): each is filed
under the configured event it names, or under its own name.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from digestbot.core.models import PredictionSeries, TrendPoint

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTH = re.compile(
    rf"\b({'|'.join(_MONTH_NAMES)}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\b", re.I
)
_QUARTER = re.compile(r"\bQ([1-4])\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[89]\d\d|2\d{3})s?\b")


@dataclass(frozen=True, slots=True)
class MonthSummary:
    event: str
    month: str  # YYYY-MM in which the predictions were made
    count: int
    median: float
    low: float
    high: float


def predicted_year(text: str) -> float | None:
    """ "July 2035" → 2035.5; "Q3 2027" → 2027.5; "2050-2080" → 2065; "2030s" → 2030;
    None without a year."""
    years = [int(m[1]) for m in _YEAR.finditer(text)]
    if not years:
        return None
    if len(years) > 1:
        return (years[0] + years[1]) / 2
    if month := _MONTH.search(text):
        name = month[1].lower()
        return years[0] + next(i for i, m in enumerate(_MONTH_NAMES) if m.startswith(name)) / 12
    if quarter := _QUARTER.search(text):
        return years[0] + (int(quarter[1]) - 1) / 4
    return float(years[0])


def canonical_event(event: str, configured: Sequence[str]) -> str:
    """The configured event this name is about, or the name itself."""
    folded = event.casefold()
    return next((c for c in configured if c.casefold() in folded), event.strip())


def series(rows: Iterable[tuple[date, str, str]], configured: Sequence[str]) -> PredictionSeries:
    """(made, event, predicted) rows as a time series per event, oldest first."""
    by_event: dict[str, list[TrendPoint]] = defaultdict(list)
    for made, event, predicted in rows:
        year = predicted_year(predicted)
        if year is not None:
            by_event[canonical_event(event, configured)].append(TrendPoint(made, year))
    return {event: sorted(points, key=lambda p: p.made) for event, points in by_event.items()}


def monthly(by_event: PredictionSeries) -> list[MonthSummary]:
    """Per event and month: how many predictions, their median and their range."""
    summaries = []
    for event, points in sorted(by_event.items()):
        months: dict[str, list[float]] = defaultdict(list)
        for point in points:
            months[point.made.strftime("%Y-%m")].append(point.year)
        summaries += [
            MonthSummary(event, month, len(ys), statistics.median(ys), min(ys), max(ys))
            for month, ys in sorted(months.items())
        ]
    return summaries
