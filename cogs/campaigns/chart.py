"""The reach chart: reported posts per platform as a PNG, drawn by matplotlib's non-interactive Agg backend."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence

BAR_COLOUR = "#264653"


def render_reach_chart(title: str, labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """Draw one bar per platform (most posts on top) and return the PNG; run it in a worker thread."""
    # Imported here: matplotlib is slow to import and only the reach report needs it. The Figure API with
    # the Agg canvas never touches pyplot's global state, so it is safe in a worker thread.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, max(2.5, 0.42 * len(labels) + 1.4)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, list(counts), color=BAR_COLOUR)
    axes.set_yticks(positions, labels=list(labels), parse_math=False)
    axes.invert_yaxis()
    axes.set_xlabel("Posts reported")
    axes.set_title(textwrap.shorten(f"Reach: {title}", 70, placeholder="…"), parse_math=False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    most = max(counts, default=0)
    axes.set_xlim(0, max(1, most) * 1.15)
    for position, count in zip(positions, counts, strict=True):
        axes.text(count + max(1, most) * 0.01, position, str(count), va="center", fontsize=9)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
