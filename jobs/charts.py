"""Charts as PNG bytes, drawn with matplotlib's Agg backend (no display, no pyplot state).

matplotlib is imported inside the function: it takes about a second to import, and only the
worker that draws a chart should pay for it.
"""

from __future__ import annotations

import io
from datetime import timedelta

from maestro.risks import Rag
from maestro.text import truncate
from maestro.timeline import Timeline

MAX_CHART_ROWS = 40
"""Bars drawn in a timeline chart; the rest are counted in its title (``… and 460 more``)."""

CHART_WIDTH_INCHES = 10.0
"""Width of a chart, in inches (at :data:`CHART_DPI`, 1,000 pixels)."""

CHART_DPI = 100
"""Pixels per inch of a chart."""

RAG_COLOURS: dict[Rag, str] = {Rag.RED: "#d93025", Rag.AMBER: "#f29900", Rag.GREEN: "#188038"}
"""Bar colour of an open row by its RAG; finished rows are grey."""

DONE_COLOUR = "#9aa0a6"
"""Bar colour of a finished row."""


def _plain(text: str) -> str:
    """Keep matplotlib from reading ``$…$`` in a title as mathtext."""
    return text.replace("$", r"\$")


def render_timeline_png(timeline: Timeline, *, max_rows: int = MAX_CHART_ROWS) -> bytes:
    """Draw the timeline as a Gantt chart: a bar per row coloured by RAG, today and the sprint end marked.

    A bar's solid part runs to today (or its end, when finished); the projected rest is lighter
    and hatched. Rows past ``max_rows`` are counted in the title, not drawn, so the image stays
    at most about 1,000 × 1,500 pixels whatever the board's size.

    Args:
        timeline: the timeline (:func:`maestro.timeline.build_timeline`).
        max_rows: most bars drawn.

    Returns:
        PNG bytes.
    """
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = [r for r in timeline.shown(max_rows) if r.start and r.end]
    height = min(15.0, 1.8 + 0.32 * max(1, len(rows)))
    figure = Figure(figsize=(CHART_WIDTH_INCHES, height), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    today = timeline.today
    for index, row in enumerate(rows):
        assert row.start and row.end
        start, end = mdates.date2num(row.start), mdates.date2num(row.end + timedelta(days=1))
        colour = DONE_COLOUR if row.done else RAG_COLOURS[row.rag]
        solid_end = end if row.done else min(end, max(start, mdates.date2num(today)))
        axes.barh(index, solid_end - start, left=start, height=0.6, color=colour)
        if solid_end < end:
            axes.barh(
                index, end - solid_end, left=solid_end, height=0.6, color=colour, alpha=0.35, hatch="//"
            )
        axes.text(end, index, f" {row.percent}%", va="center", fontsize=8)
    labels = [_plain(truncate(f"{r.key} {r.title}", 36)) for r in rows]
    axes.set_yticks(range(len(rows)), labels=labels, fontsize=8)
    axes.invert_yaxis()
    axes.axvline(mdates.date2num(today), color="#1a73e8", linewidth=1.5, label=f"today {today:%m-%d}")
    if timeline.sprint:
        end = timeline.sprint.end + timedelta(days=1)
        axes.axvline(mdates.date2num(end), color="#5f6368", linestyle="--", linewidth=1.2, label="sprint end")
    low, high = axes.get_xlim()  # a day of room, so a today or sprint-end line never sits on the frame
    axes.set_xlim(min(low, mdates.date2num(today)) - 1, high + 1)
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    axes.grid(axis="x", color="#e8eaed")
    axes.set_axisbelow(True)
    title = timeline.title.replace("TIMELINE", "Timeline", 1)
    hidden = len(timeline.rows) - len(rows)
    if hidden > 0:
        title += f"  (first {len(rows)}; … and {hidden} more)"
    axes.set_title(_plain(title), fontsize=11, loc="left")
    handles = axes.get_legend_handles_labels()[0]
    handles += [Patch(color=RAG_COLOURS[rag], label=rag.value) for rag in Rag] + [
        Patch(color=DONE_COLOUR, label="done")
    ]
    # Below the axes, so it never covers a bar.
    axes.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=6)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
