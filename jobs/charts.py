"""Charts as PNG bytes, drawn with matplotlib's Agg backend (no display, no pyplot state).

matplotlib is imported inside the function: it takes about a second to import, and only the
worker that draws a chart should pay for it.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import TYPE_CHECKING

from maestro.risks import Rag
from maestro.text import truncate
from maestro.timeline import Timeline

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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


GATE_COLOUR = "#5f6368"
"""Colour of a milestone gate's line."""


def _due_marker(late: bool) -> dict:
    """Matplotlib style of a due date's diamond: white when on time, red when late."""
    return {
        "marker": "D",
        "markersize": 8,
        "markerfacecolor": RAG_COLOURS[Rag.RED] if late else "white",
        "markeredgecolor": "#202124",
        "markeredgewidth": 1.2,
        "linestyle": "none",
    }


def render_timeline_png(timeline: Timeline, *, max_rows: int = MAX_CHART_ROWS) -> bytes:
    """Return the timeline's Gantt chart (:func:`timeline_figure`) as PNG bytes.

    Args:
        timeline: the timeline (:func:`maestro.timeline.build_timeline`).
        max_rows: most rows drawn.
    """
    buffer = io.BytesIO()
    timeline_figure(timeline, max_rows=max_rows).savefig(buffer, format="png")
    return buffer.getvalue()


def timeline_figure(timeline: Timeline, *, max_rows: int = MAX_CHART_ROWS) -> Figure:
    """Draw the timeline as a Gantt chart: RAG-coloured bars, due dates, milestone gates, today, sprint end.

    A bar's solid part runs to today (or its end, when finished); the projected rest is lighter
    and hatched. A row's due date (a task's ``--due``, a milestone's gate) is a diamond at the end
    of that day, red when the bar runs past it; each milestone gate is also a dotted line across
    the chart, named at the top. Every row is drawn, a milestone without tasks too ("no tasks").
    Rows past ``max_rows`` are counted in the title, not drawn, so the image stays at most about
    1,000 × 1,500 pixels whatever the board's size.

    Args:
        timeline: the timeline (:func:`maestro.timeline.build_timeline`).
        max_rows: most rows drawn.

    Returns:
        A matplotlib ``Figure`` on the Agg canvas (one axes: a row per y tick, first on top).
    """
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows = timeline.shown(max_rows)
    height = min(15.0, 2.2 + 0.32 * max(1, len(rows)))
    figure = Figure(figsize=(CHART_WIDTH_INCHES, height), dpi=CHART_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    today = timeline.today
    first, last = timeline.window(rows) if rows else (today, today)
    day = timedelta(days=1)
    for index, row in enumerate(rows):
        label_at = mdates.date2num(first)
        if row.start and row.end:
            start, end = mdates.date2num(row.start), mdates.date2num(row.end + day)
            colour = DONE_COLOUR if row.done else RAG_COLOURS[row.rag]
            solid_end = end if row.done else min(end, max(start, mdates.date2num(today)))
            if solid_end > start:
                axes.barh(index, solid_end - start, left=start, height=0.6, color=colour)
            if solid_end < end:
                axes.barh(
                    index, end - solid_end, left=solid_end, height=0.6, color=colour, alpha=0.35, hatch="//"
                )
            label_at, label = end, f" {row.percent}%"
        else:
            label = " no tasks"
        if row.deadline:
            due_at = mdates.date2num(row.deadline + day)
            axes.plot(due_at, index, **_due_marker(row.late), zorder=3)
            label_at = max(label_at, due_at + 0.4)
        axes.text(label_at, index, label, va="center", fontsize=8, style="normal" if row.start else "italic")
    labels = [_plain(truncate(f"{r.key} {r.title}", 36)) for r in rows]
    axes.set_yticks(range(len(rows)), labels=labels, fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)  # first row on top, room for the gate names above
    marker_text = {"fontsize": 7, "rotation": 90, "va": "bottom", "ha": "center", "color": GATE_COLOUR}
    gates: dict = {}  # day → the milestones gated on it (one line, their keys together)
    for gate in timeline.gates:
        if gate.label != "sprint end":
            gates.setdefault(gate.day, []).append(gate.label.removesuffix(" gate"))
    for gate_day, keys in gates.items():
        at = mdates.date2num(gate_day + day)
        axes.axvline(at, color=GATE_COLOUR, linestyle=":", linewidth=1.1)
        axes.text(at, -0.55, _plain(truncate(", ".join(keys), 24)), **marker_text)
    axes.axvline(mdates.date2num(today), color="#1a73e8", linewidth=1.5, label=f"today {today:%m-%d}")
    if timeline.sprint:
        end = timeline.sprint.end + day
        axes.axvline(mdates.date2num(end), color="#5f6368", linestyle="--", linewidth=1.2, label="sprint end")
    # The window holds every bar, due date and gate; a day of room on each side and for the labels.
    axes.set_xlim(mdates.date2num(first) - 1, mdates.date2num(last + day) + 3)
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
    axes.grid(axis="x", color="#e8eaed")
    axes.set_axisbelow(True)
    title = timeline.title.replace("TIMELINE", "Timeline", 1)
    hidden = len(timeline.rows) - len(rows)
    if hidden > 0:
        title += f"  (first {len(rows)}; … and {hidden} more)"
    axes.set_title(_plain(title), fontsize=11, loc="left", pad=34 if gates else 8)
    handles = axes.get_legend_handles_labels()[0]
    if gates:
        handles.append(Line2D([], [], color=GATE_COLOUR, linestyle=":", label="milestone gate"))
    if any(r.deadline and not r.late for r in rows):
        handles.append(Line2D([], [], **_due_marker(False), label="due date"))
    if any(r.late for r in rows):
        handles.append(Line2D([], [], **_due_marker(True), label="late for its due date"))
    handles += [Patch(color=RAG_COLOURS[rag], label=rag.value) for rag in Rag] + [
        Patch(color=DONE_COLOUR, label="done")
    ]
    # At the foot of the figure, below the dates, so it never covers a bar (0.45 inch kept for it).
    figure.legend(handles=handles, fontsize=7, loc="lower center", ncols=5)
    figure.tight_layout(rect=(0, 0.45 / height, 1, 1))
    return figure
