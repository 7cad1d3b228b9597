"""The results chart: a horizontal bar chart as PNG bytes, drawn by matplotlib's non-interactive Agg backend."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LABEL_WIDTH = 34
BAR_COLOUR = "#2a9d8f"
WINNER_COLOUR = "#e76f51"


def render_results_chart(
    title: str, labels: Sequence[str], counts: Sequence[int], winners: Sequence[int] = ()
) -> bytes:
    """Draw one bar per option (first option on top), highlight the winners, return the PNG."""
    figure = results_figure(title, labels, counts, winners)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def results_figure(
    title: str, labels: Sequence[str], counts: Sequence[int], winners: Sequence[int] = ()
) -> Figure:
    """The chart's figure, before it is saved."""
    # Imported here: matplotlib is slow to import and only closing a poll needs it. The Figure API with
    # the Agg canvas never touches pyplot's global state, so it is safe in a worker thread.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    height = max(2.5, 0.42 * len(labels) + 1.4)
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    colours = [WINNER_COLOUR if index in winners else BAR_COLOUR for index in positions]
    wrapped = [textwrap.shorten(label, LABEL_WIDTH, placeholder="…") for label in labels]
    axes.barh(positions, list(counts), color=colours)
    # Members' text is drawn as written: with math parsing, "$5 or $10" turns into math and "$x_$" fails.
    axes.set_yticks(positions, labels=wrapped, parse_math=False)
    axes.invert_yaxis()
    axes.set_xlabel("Votes")
    axes.set_title(textwrap.shorten(title, 70, placeholder="…"), parse_math=False)
    locator = axes.xaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default AutoLocator is one: whole votes only
        locator.set_params(integer=True)
    most = max(counts, default=0)
    axes.set_xlim(0, max(1, most) * 1.15)
    for position, count in zip(positions, counts, strict=True):
        axes.text(count + max(1, most) * 0.01, position, str(count), va="center", fontsize=9)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    return figure
