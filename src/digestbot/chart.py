"""The prediction trend as a PNG chart, drawn with matplotlib (headless).

matplotlib is the optional `charts` extra (about 170 MB with what it needs, for one
chart): without it, the CLI says how to get it and chat answers with the text alone.
"""

from __future__ import annotations

import io

from digestbot.core.errors import ChartsUnavailable
from digestbot.core.models import PredictionSeries

TITLE = "When the digest's model expects each event"


def prediction_chart(series: PredictionSeries, title: str = TITLE) -> bytes:
    """Predicted year (y) against the day each prediction was made (x), one line per event."""
    try:
        import matplotlib
    except ImportError:
        raise ChartsUnavailable() from None
    matplotlib.use("Agg")  # no display: render to memory
    from matplotlib.figure import Figure

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


def draw_if_available(series: PredictionSeries) -> bytes | None:
    """The chart, or None where the charts extra is not installed."""
    try:
        return prediction_chart(series)
    except ChartsUnavailable:
        return None
