"""Small charts drawn on the server as SVG: no chart library, no CDN, and they print."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape


def bar_chart(series: list[tuple[str, Decimal]], *, title: str, unit: str = "",
              width: int = 320, height: int = 140) -> Markup:
    """Vertical bars, one per (label, value), scaled to the largest value, with the first,
    middle and last labels under the axis so it stays readable on a phone."""
    pad_left, pad_bottom, pad_top = 4, 18, 14
    count = max(len(series), 1)
    top = max((value for _, value in series), default=Decimal(0)) or Decimal(1)
    plot_height = height - pad_bottom - pad_top
    slot = (width - pad_left) / count
    bars, labels = [], []
    for index, (label, value) in enumerate(series):
        bar_height = float(value / top) * plot_height
        x = pad_left + index * slot + slot * 0.15
        y = pad_top + plot_height - bar_height
        bars.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                    f'height="{bar_height:.1f}" rx="1.5"><title>{escape(label)}: '
                    f'{escape(_plain(value))} {escape(unit)}</title></rect>')
        if index in (0, count // 2, count - 1):
            labels.append(f'<text x="{x + slot * 0.35:.1f}" y="{height - 4}" '
                          f'text-anchor="middle">{escape(label)}</text>')
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'<text class="chart-max" x="{width - 2}" y="10" text-anchor="end">'
        f'{escape(_plain(top))} {escape(unit)}</text>'
        f'<line x1="{pad_left}" y1="{pad_top + plot_height}" x2="{width}" '
        f'y2="{pad_top + plot_height}"/>'
        + "".join(bars) + "".join(labels) + "</svg>")


def _plain(value: Decimal) -> str:
    from shopfloor.domain.quantities import format_quantity

    return format_quantity(value)
