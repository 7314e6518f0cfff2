"""The prediction trend as a PNG chart, drawn with matplotlib (headless)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display: render to memory

from matplotlib.figure import Figure

from bot.models import PredictionSeries


def prediction_chart(series: PredictionSeries, title: str) -> bytes:
    """Predicted year (y) against the day each prediction was made (x), one line per event."""
    figure = Figure(figsize=(9, 4.8), dpi=110)
    axes = figure.subplots()
    for event, points in series.items():
        axes.plot(
            [p.made for p in points], [p.year for p in points],
            marker=".", linewidth=0.8, markersize=4, label=event,
        )  # fmt: skip
    axes.set_title(title)
    axes.set_xlabel("prediction made")
    axes.set_ylabel("predicted year")
    axes.grid(alpha=0.3)
    if series:
        axes.legend(loc="best", fontsize="small")
    figure.autofmt_xdate()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
