"""Charts drawn on the server as inline SVG: no chart library, nothing fetched at run time.

Colours come from CSS (`currentColor` and the page's variables), so a chart follows the
Telegram theme and dark mode like the rest of the page. Each chart has `role="img"` and a
text summary for screen readers; the pages also show the numbers in tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

PALETTE = ("#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16")


def _frame(width: int, height: int, label: str, body: str, kind: str = "") -> str:
    """The <svg>; `kind` is a class the page's CSS sizes the text by ("lines", "funnel")."""
    return (
        f'<svg class="{" ".join(filter(None, ("chart", kind)))}" viewBox="0 0 {width} {height}" '
        f'role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{body}</svg>"
    )


def _nice_max(value: int) -> int:
    """The top of the axis: four round steps (1, 2 or 5 times a power of ten) above value."""
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power * 4 >= value:
                return factor * power * 4
        power *= 10


def bar_chart(
    labels: Sequence[str], values: Sequence[int], label: str, width: int = 640, height: int = 220
) -> str:
    """Vertical bars, one per label (e.g. unique clicks per day)."""
    left, bottom, top = 34, 26, 10
    top_value = _nice_max(max(values, default=0))
    inner_w, inner_h = width - left - 8, height - bottom - top
    slot = inner_w / max(len(values), 1)
    parts = [_y_axis(left, top, inner_w, inner_h, top_value)]
    every = max(1, len(labels) * 60 // width)  # a date label every ~60 units
    for i, (name, value) in enumerate(zip(labels, values, strict=True)):
        h = inner_h * value / top_value
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{top + inner_h - h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{h:.1f}" rx="2" fill="var(--button, {PALETTE[0]})">'
            f"<title>{escape(name)}: {value}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    return _frame(width, height, label, "".join(parts))


def line_chart(
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    label: str,
    width: int = 720,
    height: int = 280,
) -> str:
    """One line per series (e.g. clicks per day for each channel), coloured PALETTE[n]
    in order; the page draws the legend in HTML, where it wraps on a narrow screen."""
    left, bottom, top = 44, 34, 18
    top_value = _nice_max(max((max(v, default=0) for v in series.values()), default=0))
    inner_w, inner_h = width - left - 8, height - bottom - top
    step = inner_w / max(len(labels) - 1, 1)
    parts = [_y_axis(left, top, inner_w, inner_h, top_value)]
    every = max(1, -(-len(labels) // 5))  # five date labels at most: they stay apart
    for i, name in enumerate(labels):
        if i % every == 0:
            parts.append(
                f'<text x="{left + i * step:.1f}" y="{height - 6}" '
                f'text-anchor="middle">{escape(name)}</text>'
            )
    for n, (name, values) in enumerate(series.items()):
        points = " ".join(
            f"{left + i * step:.1f},{top + inner_h - inner_h * v / top_value:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{PALETTE[n % len(PALETTE)]}" stroke-width="2" '
            f'points="{points}"><title>{escape(name)}: {sum(values)}</title></polyline>'
        )
    return _frame(width, height, label, "".join(parts), "lines")


def funnel_chart(stages: Sequence[tuple[str, int, str]], label: str, width: int = 400) -> str:
    """Horizontal bars, one per stage: (name, count, the text beside the bar). The text
    comes formatted from the page: the count and its conversion rate, the share of the
    stage before it (`conversions`)."""
    row = 34
    left = 14 + 7 * max((len(name) for name, _v, _t in stages), default=8)
    height = row * len(stages) + 8
    widest = max((v for _, v, _t in stages), default=0) or 1
    parts = []
    for i, (name, value, text) in enumerate(stages):
        w = (width - left - 80) * value / widest
        y = 4 + i * row
        parts.append(
            f'<text x="{left - 8}" y="{y + 19}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{left}" y="{y}" width="{max(w, 2):.1f}" height="{row - 8}" rx="4" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{left + max(w, 2) + 6:.1f}" y="{y + 19}">{escape(text)}</text>'
        )
    return _frame(width, height, label, "".join(parts), "funnel")


def _y_axis(left: int, top: int, inner_w: float, inner_h: float, top_value: int) -> str:
    lines = []
    for k in range(5):
        value = top_value * k // 4
        y = top + inner_h - inner_h * k / 4
        lines.append(
            f'<line class="axis" x1="{left}" x2="{left + inner_w:.1f}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="currentColor" stroke-opacity=".15"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    return "".join(lines)
