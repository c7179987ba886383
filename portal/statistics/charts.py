"""Charts as server-drawn SVG: bars (horizontal, vertical, stacked or grouped) and a tile
map of the 16 Länder.

Readable without colour: each series has a pattern of its own as well as a colour, values are
written next to the bars, and the legend repeats the pattern. Only presentation attributes are
used (the Content-Security-Policy forbids inline styles). Every chart comes with its numbers as
a table on the page (`templates/statistics/index.html`).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import format_decimal
from markupsafe import Markup, escape

#: (colour, pattern) per series; the colours have at least 3:1 contrast to white.
STYLES = (
    ("#1f5f99", "solid"),
    ("#b34700", "diagonal"),
    ("#2e7d32", "dots"),
    ("#6a1b9a", "cross"),
    ("#8d6e00", "horizontal"),
    ("#c2185b", "vertical"),
    ("#00695c", "grid"),
    ("#4e342e", "diagonal-back"),
    ("#37474f", "circles"),
)
TEXT = "#1a1a1a"
AXIS = "#595959"
FONT = 'font-family="inherit" font-size="13"'


def _number(value) -> str:
    return format_decimal(value)


def _pattern(chart_id: str, index: int) -> str:
    colour, kind = STYLES[index % len(STYLES)]
    pid = f"{chart_id}-p{index}"
    if kind == "solid":
        return ""
    marks = {
        "diagonal": f'<path d="M0,8 L8,0" stroke="{colour}" stroke-width="2.5"/>',
        "diagonal-back": f'<path d="M0,0 L8,8" stroke="{colour}" stroke-width="2.5"/>',
        "dots": f'<circle cx="4" cy="4" r="2" fill="{colour}"/>',
        "cross": (f'<path d="M0,8 L8,0 M0,0 L8,8" stroke="{colour}" stroke-width="1.5"/>'),
        "horizontal": f'<path d="M0,4 L8,4" stroke="{colour}" stroke-width="2.5"/>',
        "vertical": f'<path d="M4,0 L4,8" stroke="{colour}" stroke-width="2.5"/>',
        "grid": f'<path d="M0,4 L8,4 M4,0 L4,8" stroke="{colour}" stroke-width="1.5"/>',
        "circles": f'<circle cx="4" cy="4" r="2.5" fill="none" stroke="{colour}"/>',
    }[kind]
    return (
        f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="#ffffff"/>{marks}</pattern>'
    )


def _fill(chart_id: str, index: int) -> str:
    colour, kind = STYLES[index % len(STYLES)]
    return colour if kind == "solid" else f"url(#{chart_id}-p{index})"


def _outline(index: int) -> str:
    return STYLES[index % len(STYLES)][0]


def _svg(chart_id: str, title: str, width: int, height: int, body: list[str], series: int):
    defs = "".join(_pattern(chart_id, i) for i in range(series))
    return Markup(  # noqa: S704 - every text below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="chart" role="img" aria-labelledby="{chart_id}-title" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f"<defs>{defs}</defs>{''.join(body)}</svg>"
    )


def _legend(chart_id: str, series: Sequence[str], y: int = 4) -> tuple[list[str], int]:
    """Swatches with labels in rows; returns the elements and the height used."""
    if len(series) < 2:
        return [], 0
    parts, x, row = [], 0, 0
    for i, name in enumerate(series):
        width = 28 + 7 * len(str(name))
        if x and x + width > 640:
            x, row = 0, row + 1
        top = y + row * 22
        parts.append(
            f'<rect x="{x}" y="{top}" width="16" height="16" fill="{_fill(chart_id, i)}" '
            f'stroke="{_outline(i)}"/>'
            f'<text x="{x + 22}" y="{top + 13}" fill="{TEXT}" {FONT}>{escape(name)}</text>'
        )
        x += width
    return parts, (row + 1) * 22 + 8


def horizontal_bars(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str] = (),
    labels: Sequence[str] | None = None,
) -> Markup:
    """One bar per row, stacked by series; the total (or the row's `labels` entry) beside
    each bar."""
    width, label_width, bar = 760, 270, 20
    legend, top = _legend(chart_id, series)
    biggest = max((sum(values) for _, values in rows), default=0) or 1
    # Room for the text beside the longest bar: a number, or the longest given label.
    room = 60 if not labels else 14 + 7 * max((len(text) for text in labels), default=0)
    scale = (width - label_width - room) / biggest
    body = list(legend)
    for r, (name, values) in enumerate(rows):
        y = top + r * (bar + 10)
        text = str(name) if len(str(name)) <= 36 else str(name)[:35] + "…"
        body.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" fill="{TEXT}" '
            f"{FONT}>{escape(text)}</text>"
        )
        x = label_width
        for i, value in enumerate(values):
            if value:
                w = max(value * scale, 1)
                body.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" '
                    f'fill="{_fill(chart_id, i)}" stroke="{_outline(i)}">'
                    f"<title>{escape(name)}: {_number(value)}</title></rect>"
                )
                x += w
        shown = labels[r] if labels else _number(sum(values))
        body.append(
            f'<text x="{x + 6:.1f}" y="{y + 15}" fill="{TEXT}" {FONT}>{escape(shown)}</text>'
        )
    body.append(
        f'<line x1="{label_width}" y1="{top - 2}" x2="{label_width}" '
        f'y2="{top + len(rows) * (bar + 10)}" stroke="{AXIS}"/>'
    )
    height = top + max(len(rows), 1) * (bar + 10) + 6
    return _svg(chart_id, title, width, height, body, max(len(series), 1))


def vertical_bars(
    chart_id: str,
    title: str,
    columns: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[str] = (),
    stacked: bool = True,
    unit: str = "",
) -> Markup:
    """One column per label (years), stacked or grouped by series, values on top."""
    width, plot_height, left = 720, 220, 10
    legend, top = _legend(chart_id, series)
    count = max(len(columns), 1)
    slot = (width - left) / count
    groups = 1 if stacked else max(len(series), 1)
    bar = min(48.0, slot * 0.8 / groups)
    totals = [sum(values) if stacked else max(values, default=0) for _, values in columns]
    biggest = max(totals, default=0) or 1
    scale = (plot_height - 24) / biggest
    base = top + plot_height
    body = list(legend)
    for c, (name, values) in enumerate(columns):
        start = left + c * slot + (slot - bar * groups) / 2
        y = base
        for i, value in enumerate(values):
            h = value * scale
            x = start if stacked else start + i * bar
            if stacked:
                y -= h
                rect_y = y
            else:
                rect_y = base - h
            if value:
                body.append(
                    f'<rect x="{x:.1f}" y="{rect_y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                    f'fill="{_fill(chart_id, i)}" stroke="{_outline(i)}">'
                    f"<title>{escape(name)}: {_number(value)}{escape(unit)}</title></rect>"
                )
            if not stacked and value and (count * groups) <= 48:
                body.append(
                    f'<text x="{x + bar / 2:.1f}" y="{rect_y - 4:.1f}" text-anchor="middle" '
                    f'fill="{TEXT}" font-size="11">{_number(value)}{escape(unit)}</text>'
                )
        if stacked:
            body.append(
                f'<text x="{start + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" '
                f'fill="{TEXT}" {FONT}>{_number(sum(values))}</text>'
            )
        body.append(
            f'<text x="{start + bar * groups / 2:.1f}" y="{base + 16}" text-anchor="middle" '
            f'fill="{TEXT}" font-size="12">{escape(name)}</text>'
        )
    body.append(f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="{AXIS}"/>')
    return _svg(chart_id, title, width, base + 24, body, max(len(series), 1))


#: The Länder as tiles (column, row), roughly where they lie.
TILES = {
    "SH": (2, 0),
    "HB": (1, 1),
    "HH": (2, 1),
    "MV": (3, 1),
    "NW": (0, 2),
    "NI": (1, 2),
    "ST": (2, 2),
    "BE": (3, 2),
    "BB": (4, 2),
    "RP": (0, 3),
    "HE": (1, 3),
    "TH": (2, 3),
    "SN": (3, 3),
    "SL": (0, 4),
    "BW": (1, 4),
    "BY": (2, 4),
}
#: Light to dark blue; the number is written on every tile, so the shade only adds.
SHADES = ("#f2f2f2", "#d6e4f0", "#a9c8e3", "#6a9fcb", "#2f6ea6", "#174a7c")


def state_tiles(chart_id: str, title: str, counts: dict[str, int], names: dict[str, str]):
    """A tile map of the 16 Länder: code, name and count on each tile."""
    size, gap = 128, 6
    biggest = max(counts.values(), default=0) or 1
    body = []
    for code, (col, row) in TILES.items():
        value = counts.get(code, 0)
        shade = 0 if not value else 1 + min(4, int(4 * value / biggest))
        fill = SHADES[shade]
        ink = "#ffffff" if shade >= 4 else TEXT
        x, y = col * (size + gap), row * (size * 0.62 + gap)
        name = names.get(code, code)
        body.append(
            f'<g><rect x="{x}" y="{y:.1f}" width="{size}" height="{size * 0.62:.1f}" rx="4" '
            f'fill="{fill}" stroke="{AXIS}"><title>{escape(name)}: {_number(value)}</title></rect>'
            f'<text x="{x + 8}" y="{y + 20:.1f}" fill="{ink}" font-size="14" '
            f'font-weight="bold">{escape(code)}</text>'
            f'<text x="{x + size - 8}" y="{y + 20:.1f}" text-anchor="end" fill="{ink}" '
            f'font-size="18" font-weight="bold">{_number(value)}</text>'
            f'<text x="{x + 8}" y="{y + 48:.1f}" fill="{ink}" font-size="11">'
            f"{escape(name if len(name) <= 20 else name[:19] + '…')}</text></g>"
        )
    width = 5 * (size + gap)
    height = 5 * (size * 0.62 + gap)
    return _svg(chart_id, title, width, int(height), body, 1)
