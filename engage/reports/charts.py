"""Simple horizontal bar charts as inline SVG, drawn on the server (no JavaScript).

Each chart is an ``<svg role="img" aria-labelledby>`` with a ``<title>`` and a ``<desc>`` that
states every value, so a screen reader reads the data; the same data is always in a table next
to the chart. Colours are SVG presentation attributes (``fill=``), never ``style=``, which the
Content Security Policy would block.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

BAR_COLOUR = "#1d70b8"
TEXT_COLOUR = "#0b0c0c"
WIDTH = 640
LABEL_WIDTH = 240
ROW_HEIGHT = 30
BAR_AREA = WIDTH - LABEL_WIDTH - 70


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value.endswith("%"):
        try:
            return float(value[:-1])
        except ValueError:
            return None
    return None


def bar_chart(
    chart_id: str, title: str, items: list[tuple[str, Any]], *, percent: bool = False
) -> Markup:
    """`items` are (label, value); a value that is not a number (for example '[c]') gets no bar
    and is written as it is."""
    numbers = [_number(v) for _, v in items]
    top = 100.0 if percent else max([n for n in numbers if n is not None] or [0]) or 1.0
    height = ROW_HEIGHT * len(items) + 10
    described = "; ".join(f"{label}: {value}" for label, value in items)
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    for i, ((label, value), number) in enumerate(zip(items, numbers, strict=True)):
        y = i * ROW_HEIGHT + 5
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 19}" text-anchor="end" font-size="14" '
            f'font-family="Arial, sans-serif" fill="{TEXT_COLOUR}">{escape(label)}</text>'
        )
        width = 0.0 if number is None else max(0.0, BAR_AREA * number / top)
        if width > 0:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" '
                f'height="{ROW_HEIGHT - 10}" fill="{BAR_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 19}" font-size="14" '
            f'font-family="Arial, sans-serif" fill="{TEXT_COLOUR}">{escape(str(value))}</text>'
        )
    parts.append("</svg>")
    # Every text part is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704


CHARTS: dict[str, dict[str, Any]] = {
    # table key -> which column to draw, by row label (total row left out)
    "log_sizes": {"column": 5, "title": "User log entries by user category"},
    "cases_received": {"column": 1, "title": "Enquiries and complaints received, by kind"},
    "responded": {
        "column": 8,
        "title": "Share responded within 20 working days, by kind",
        "percent": True,
    },
    "performance_complaints": {
        "column": 9,
        "title": "Share of complaints answered within 20 working days, by quarter",
        "percent": True,
    },
}


def chart_for(table: dict[str, Any], prefix: str = "chart") -> Markup | None:
    spec = CHARTS.get(table["key"])
    if spec is None or not table["rows"]:
        return None
    rows = table["rows"][:-1] if table.get("total_row") else table["rows"]
    items = [(str(r[0]), r[spec["column"]]) for r in rows]
    return bar_chart(
        f"{prefix}-{table['key'].replace('_', '-')}",
        spec["title"],
        items,
        percent=spec.get("percent", False),
    )


# --- stacked bars, labels above the bars (readable when scaled down to a 320 px screen) --------

# The Government Analysis Function's categorical palette, in its order: each colour has a
# contrast of at least 3:1 with white (WCAG 1.4.11), and segments are parted by white gaps, so
# each segment meets that contrast against what is next to it.
SERIES_COLOURS = ("#12436d", "#28a197", "#801650", "#f46a25", "#3d3d3d", "#a285d1")
STACK_WIDTH = 400
STACK_VALUE_ROOM = 56
STACK_BAR = 18
STACK_ROW = 46
LEGEND_ROW = 24
GAP = 2


def _text(x: float, y: float, text: str, *, anchor: str = "start", bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="15"{weight} '
        f'font-family="Arial, sans-serif" fill="{TEXT_COLOUR}">{escape(text)}</text>'
    )


def stacked_bar_chart(
    chart_id: str,
    title: str,
    rows: list[tuple[str, list[int]]],
    series: list[str],
) -> Markup:
    """One horizontal bar per row, made of one segment per series (a single series is a plain
    bar chart), each row's label above its bar and its total after it; a legend when there
    are several series. The <desc> states every value, and the page shows the same figures in
    a table next to the chart (its text alternative)."""
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
    top = max([sum(values) for _, values in rows] or [0]) or 1
    legend_lines = (len(series) + 1) // 2 if len(series) > 1 else 0
    chart_top = legend_lines * LEGEND_ROW + (8 if legend_lines else 0)
    height = chart_top + STACK_ROW * len(rows) + 4
    if len(series) > 1:
        described = "; ".join(
            f"{label}: "
            + ", ".join(f"{name} {n}" for name, n in zip(series, values, strict=True))
            + f", total {sum(values)}"
            for label, values in rows
        )
    else:
        described = "; ".join(f"{label}: {values[0]}" for label, values in rows)
    parts = [
        f'<svg class="app-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {STACK_WIDTH} {height}" width="{STACK_WIDTH}" height="{height}" '
        'xmlns="http://www.w3.org/2000/svg" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(described)}</desc>',
    ]
    if legend_lines:
        for i, (name, colour) in enumerate(zip(series, colours, strict=True)):
            x, y = (i % 2) * (STACK_WIDTH / 2), (i // 2) * LEGEND_ROW
            parts.append(f'<rect x="{x}" y="{y + 3}" width="16" height="16" fill="{colour}"/>')
            parts.append(_text(x + 22, y + 16, name))
    area = STACK_WIDTH - STACK_VALUE_ROOM
    for r, (label, values) in enumerate(rows):
        y = chart_top + r * STACK_ROW
        parts.append(_text(0, y + 15, label))
        x = 0.0
        for name, value, colour in zip(series, values, colours, strict=True):
            width = area * value / top
            if value <= 0:
                continue
            drawn = max(width - (GAP if len(series) > 1 else 0), 1.0)
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 21}" width="{drawn:.1f}" height="{STACK_BAR}" '
                f'fill="{colour}"><title>{escape(f"{label}, {name}: {value}")}</title></rect>'
            )
            x += width
        parts.append(_text(x + 6, y + 35, f"{sum(values):,}", bold=True))
    parts.append("</svg>")
    # Every text part is escaped above.
    return Markup("".join(parts))  # noqa: S704  # nosec B704
