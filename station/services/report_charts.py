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


def grouped_bar_chart(title: str, labels: list[str], series: list[tuple[str, str, list[float]]], *,
                      width: int = 680, height: int = 240, integer: bool = False) -> str:
    """Bars side by side per label (e.g. recorded and predicted p90 wait per hour), with a legend."""
    top = max((v for _n, _c, vs in series for v in vs), default=0)
    axis = ticks(top, integer=integer)
    fmt = (lambda v: f"{int(v)}") if integer else (lambda v: f"{v:g}")
    left = 8 + max((_text_width(fmt(t)) for t in axis), default=10)
    right, head, foot = 8, 40, 22
    plot_w, plot_h = width - left - right, height - head - foot
    slot = plot_w / max(1, len(labels))
    bar = slot * 0.8 / max(1, len(series))
    y_of = (lambda v: head + plot_h - (v / axis[-1]) * plot_h) if axis[-1] else (lambda v: head + plot_h)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
             'font-family="Noto Sans CJK JP, IPAGothic, sans-serif" font-size="12">',
             f'<text x="{left:.1f}" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    x = left
    for name, color, _vs in series:
        parts.append(f'<rect x="{x:.1f}" y="22" width="10" height="10" fill="{color}"/>'
                     f'<text x="{x + 14:.1f}" y="31">{escape(name)}</text>')
        x += 24 + _text_width(name)
    for t in axis:
        y = y_of(t)
        parts.append(f'<line x1="{left:.1f}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ccc"/>')
        parts.append(f'<text x="{left - 4:.1f}" y="{y + 4:.1f}" text-anchor="end">{fmt(t)}</text>')
    for i, lab in enumerate(labels):
        x0 = left + i * slot + slot * 0.1
        for k, (_n, color, vs) in enumerate(series):
            v = vs[i] if i < len(vs) else 0
            y = y_of(v)
            parts.append(f'<rect x="{x0 + k * bar:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{head + plot_h - y:.1f}" '
                         f'fill="{color}"><title>{escape(lab)}: {v:g}</title></rect>')
        parts.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - 6}" text-anchor="middle">'
                     f'{escape(lab)}</text>')
    parts.append("</svg>")
    return "".join(parts)
