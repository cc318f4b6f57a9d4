"""The report's charts as PNG images: utilization per room, and a weekday x hour heatmap.

Drawn with matplotlib's Agg backend through its object interface (a ``Figure`` per chart,
never pyplot's global state), so charts can be drawn from the API and the reports runner
at the same time. Every image has a fixed size in pixels (:data:`SIZE_PX`).
"""

import io
from typing import TYPE_CHECKING

from hub.analytics.dashboard import Heatmap
from hub.reports.data import RoomLine

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Width and height of every chart, in pixels (figure inches x DPI).
SIZE_PX = (800, 400)
_DPI = 100
_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
#: Rooms drawn in the bar chart at most (the most used first); the CSV has every room.
MAX_BARS = 30


def _figure() -> "Figure":
    # Imported on first use: matplotlib takes a second to load, and the hub starts without it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(SIZE_PX[0] / _DPI, SIZE_PX[1] / _DPI), dpi=_DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: "Figure") -> bytes:
    buffer = io.BytesIO()
    # No bbox_inches="tight": it would change the size in pixels.
    figure.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()


def utilization_chart(rooms: list[RoomLine], title: str) -> bytes:
    """Horizontal bars: utilization and booked share of each room (percent of known time)."""
    figure = _figure()
    axes = figure.add_axes((0.3, 0.12, 0.65, 0.76))
    shown = sorted(rooms, key=lambda r: (-(r.figures.utilization or 0.0), r.name, r.id))[:MAX_BARS]
    names = [r.name for r in shown]
    used = [100 * (r.figures.utilization or 0.0) for r in shown]
    booked = [100 * (r.figures.booked_share or 0.0) for r in shown]
    positions = list(range(len(shown)))
    axes.barh([p + 0.2 for p in positions], booked, height=0.4, color="#9ecae1", label="booked")
    axes.barh([p - 0.2 for p in positions], used, height=0.4, color="#08519c", label="used")
    axes.set_yticks(positions, names, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of working hours")
    axes.set_title(title, fontsize=10)
    if shown:
        axes.legend(loc="lower right", fontsize=8)
    else:
        axes.text(50, 0, "no rooms", ha="center", va="center")
    return _png(figure)


def heatmap_chart(heat: Heatmap, title: str) -> bytes:
    """Share of known working time occupied per local weekday (rows) and hour (columns);
    cells without data are left blank (grey)."""
    figure = _figure()
    axes = figure.add_axes((0.08, 0.12, 0.78, 0.76))
    grid = [[float("nan") if v is None else 100 * v for v in row] for row in heat.occupied_share]
    image = axes.imshow(grid, aspect="auto", cmap="Blues", vmin=0, vmax=100)
    axes.set_facecolor("#eeeeee")
    axes.set_yticks(range(7), _WEEKDAYS, fontsize=8)
    axes.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=8)
    axes.set_xlabel("local hour")
    axes.set_title(title, fontsize=10)
    colorbar = figure.colorbar(image, cax=figure.add_axes((0.9, 0.12, 0.02, 0.76)))
    colorbar.set_label("% occupied", fontsize=8)
    return _png(figure)
