"""Bar charts of the period report as SVG (issue 17): one drawing for the /reports page and the A4 PDF.

Why SVG drawn here rather than a chart library: WeasyPrint renders inline SVG, browsers do too, so the
screen and the paper show the same chart; the ticks come from station.domain.chart (whole numbers for
counts), and the left margin and label spacing are computed from the labels so nothing is clipped.
"""

from __future__ import annotations

from html import escape

from station.domain.chart import ticks

CHAR_W = 7.5  # px per character of the 12 px labels (CJK glyphs count double)


def _text_width(s: str) -> float:
    return sum(CHAR_W * (2 if ord(ch) > 0x2E80 else 1) for ch in s)


def bar_chart(title: str, labels: list[str], values: list[float], *, integer: bool = True, width: int = 680,
              height: int = 220, unit: str = "") -> str:
    """A vertical bar chart; labels are thinned to every k-th so they never overlap."""
    top = max(values, default=0)
    axis = ticks(top, integer=integer)
    fmt = (lambda v: f"{int(v)}") if integer else (lambda v: f"{v:g}")
    left = 8 + max((_text_width(fmt(t) + unit) for t in axis), default=10)
    right, head, foot = 8, 24, 22
    plot_w, plot_h = width - left - right, height - head - foot
    n = max(1, len(values))
    slot = plot_w / n
    widest = max((_text_width(lab) for lab in labels), default=0) + 4
    every = max(1, int(-(-widest // slot)))
    y_of = (lambda v: head + plot_h - (v / axis[-1]) * plot_h) if axis[-1] else (lambda v: head + plot_h)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
             'font-family="Noto Sans CJK JP, IPAGothic, sans-serif" font-size="12">',
             f'<text x="{left:.1f}" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    for t in axis:
        y = y_of(t)
        parts.append(f'<line x1="{left:.1f}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>')
        parts.append(f'<text x="{left - 4:.1f}" y="{y + 4:.1f}" text-anchor="end">{fmt(t)}{escape(unit)}</text>')
    for i, (lab, v) in enumerate(zip(labels, values, strict=False)):
        x = left + i * slot
        y = y_of(v)
        parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                     f'height="{head + plot_h - y:.1f}" fill="#1f5fa8"><title>{escape(lab)}: {v:g}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(lab)}</text>')
    parts.append("</svg>")
    return "".join(parts)
