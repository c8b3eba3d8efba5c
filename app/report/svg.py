"""A plot (app/report/figures.py) as an inline SVG element, for the self-contained HTML report: no Qt, no
network, nothing but text."""

from __future__ import annotations

import math
from html import escape

from app.report.figures import Figure, Series

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 52  # room for the axes' numbers, the title and the legend


def render(figure: Figure) -> str:
    """The figure as one <svg> element."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    xs = [x for s in figure.series for x in s.x] + [m.x for m in figure.markers]
    x_min, x_max = (min(xs), max(xs)) if xs else (0.0, 1.0)
    if any(s.bars for s in figure.series) or figure.x_ticks:  # categories: room for the outer ones
        x_min, x_max = x_min - 0.5, x_max + 0.5
    if x_max == x_min:
        x_min, x_max = x_min - 0.5, x_max + 0.5
    ys = [y for s in figure.series for y in s.y if y is not None]
    y_max = figure.y_max if figure.y_max is not None else _nice(max([*ys, 1.0]) * 1.05)

    def px(x: float) -> float:
        return LEFT + (x - x_min) / (x_max - x_min) * plot_w

    def py(y: float) -> float:
        return TOP + plot_h - y / y_max * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(figure.title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(figure.title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#bdbdbd"/>',
    ]
    for i in range(5):  # y grid and numbers
        y = y_max * i / 4
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{py(y):.1f}" y2="{py(y):.1f}" stroke="#e0e0e0"/>'
        )
        out.append(f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{_number(y)}</text>')
    ticks = figure.x_ticks or tuple(
        (x_min + (x_max - x_min) * i / 5, _number(x_min + (x_max - x_min) * i / 5)) for i in range(6)
    )
    for x, name in ticks:
        out.append(
            f'<text x="{px(x):.1f}" y="{TOP + plot_h + 15}" text-anchor="middle">{escape(name)}</text>'
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 18}" text-anchor="middle" fill="#616161">'
        f"{escape(figure.x_label)}</text>"
    )
    if figure.y_label:
        out.append(
            f'<text x="12" y="{TOP + plot_h / 2}" text-anchor="middle" fill="#616161" '
            f'transform="rotate(-90 12 {TOP + plot_h / 2})">{escape(figure.y_label)}</text>'
        )
    bars = [s for s in figure.series if s.bars]
    for s in figure.series:
        out += _bars(s, bars.index(s), len(bars), px, py) if s.bars else _lines(s, px, py)
    for n, m in enumerate(figure.markers):
        out.append(
            f'<line x1="{px(m.x):.1f}" x2="{px(m.x):.1f}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{m.color}" '
            f'stroke-dasharray="5 3" stroke-width="1.5"><title>{escape(m.label)}</title></line>'
        )
        label_y = TOP + 12 + 14 * n  # one under the other, so two markers close together stay readable
        out.append(f'<text x="{px(m.x) + 3:.1f}" y="{label_y}" fill="{m.color}">{escape(m.label)}</text>')
    legend_x = LEFT
    for s in figure.series:
        out.append(f'<rect x="{legend_x}" y="{HEIGHT - 10}" width="10" height="8" fill="{s.color}"/>')
        out.append(f'<text x="{legend_x + 14}" y="{HEIGHT - 2}">{escape(s.name)}</text>')
        legend_x += 24 + 7 * len(s.name)
    if figure.empty:
        out.append(
            f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle" fill="#9e9e9e">'
            f"{escape(figure.note or 'Nothing to show')}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def _lines(s: Series, px, py) -> list[str]:  # type: ignore[no-untyped-def]
    """One polyline per unbroken run of values, and a dot where a run is one point long."""
    out, run = [], []
    for x, y in [*zip(s.x, s.y, strict=True), (None, None)]:
        if y is not None and x is not None:
            run.append((px(x), py(y)))
            continue
        if len(run) == 1:
            out.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="3" fill="{s.color}"/>')
        elif run:
            points = " ".join(f"{a:.1f},{b:.1f}" for a, b in run)
            out.append(
                f'<polyline class="series" data-name="{escape(s.name)}" points="{points}" fill="none" '
                f'stroke="{s.color}" stroke-width="2"/>'
            )
        run = []
    return out


def _bars(s: Series, index: int, count: int, px, py) -> list[str]:  # type: ignore[no-untyped-def]
    width = (px(1.0) - px(0.0)) * 0.8 / max(count, 1)
    out = []
    for x, y in zip(s.x, s.y, strict=True):
        if y is None:
            continue
        left = px(x) - width * count / 2 + width * index
        out.append(
            f'<rect x="{left:.1f}" y="{py(y):.1f}" width="{width:.1f}" height="{py(0) - py(y):.1f}" '
            f'fill="{s.color}"><title>{escape(s.name)}: {_number(y)}</title></rect>'
        )
    return out


def _nice(v: float) -> float:
    """The next round number at or above v (1, 2, 4, 6 or 8 times a power of ten), so the four grid steps are
    round too."""
    step = 10 ** math.floor(math.log10(v)) if v > 0 else 1.0
    return next(m * step for m in (1, 2, 4, 6, 8, 10) if m * step >= v)


def _number(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 10 else f"{v:.0f}"
