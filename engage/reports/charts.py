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
