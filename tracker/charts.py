"""Server-rendered SVG charts: no JavaScript, no CDN, no web fonts.

A chart draws numbers the aggregation module (:mod:`tracker.reporting`) has
already computed; it adds up nothing. Each chart has a visible title, labelled
axes, a ``<title>``/``<desc>`` text alternative referenced by ``aria-labelledby``,
and a native tooltip on every bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from tracker.formatting import count, persons_range
from tracker.reporting.dimensions import monday

MAX_WEEKS = 104
MIN_WEEKS = 8

# The look of each class, as SVG presentation attributes on the element itself: a chart saved on its own looks
# the same, and the page's Content-Security-Policy (no inline style) has nothing to block. System fonts only.
FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
LOOK = {
    "chart-title": 'font-size="16" font-weight="600"',
    "tick": 'font-size="12" fill="#3a4350"',
    "legend": 'font-size="12" fill="#3a4350"',
    "axis-label": 'font-size="13"',
    "value": 'font-size="12" font-weight="700"',
    "zero": 'font-size="11" font-weight="700"',
    "grid": 'stroke="#e6e9ee"',
    "axis": 'stroke="#1d2430"',
    "bar": 'fill="#1f5f8b"',
    "hatch-line": 'stroke="#ffffff" stroke-width="2.5"',
    "band": 'fill="#8fb8d8" fill-opacity=".45" stroke="#5b8db3" stroke-width="1"',
    "open-marker": 'fill="#b03a2e"',
    "span-line": 'stroke="#7a4a00" stroke-width="1.5" stroke-dasharray="4 3"',
    "span-arrow": 'fill="#7a4a00"',
    "span-label": 'font-size="11" fill="#7a4a00"',
}


def look(name: str) -> str:
    """``class="name"`` and the presentation attributes that draw it."""
    return f'class="{name}" {LOOK[name]}'


def week_range(first: date, last: date, *, limit: int = MAX_WEEKS, minimum: int = MIN_WEEKS) -> tuple[list[date], bool]:
    """Mondays from ``first``'s week to ``last``'s week (at least ``minimum`` weeks, reaching back);
    the latest ``limit`` weeks when longer (True then)."""
    start, end = monday(first), monday(last)
    start = min(start, end - timedelta(weeks=minimum - 1))
    weeks = [start + timedelta(weeks=n) for n in range((end - start).days // 7 + 1)]
    return weeks[-limit:], len(weeks) > limit


def nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1, 1
    raw_step = value / 5
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw_step)
    if step < 1:
        step = 1
    return step * math.ceil(value / step), step


def short_date(day: date) -> str:
    return f"{day.day} {day:%b}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass
class Bar:
    week: date
    row: dict[str, Any] | None

    @property
    def reported(self) -> bool:
        return self.row is not None

    @property
    def spans_weeks(self) -> bool:
        return bool(self.row and self.row.get("multi_bucket_count"))

    def summary(self) -> str:
        if not self.row:
            return f"Week of {long_date(self.week)}: no report"
        row = self.row
        text = (
            f"Week of {long_date(self.week)}: best {count(row['best'])}, "
            f"range {_range_text(row)}; {row['figures_count']} figure{'s' if row['figures_count'] != 1 else ''}"
        )
        if self.spans_weeks:
            text += f", {row['multi_bucket_count']} of them spanning several weeks"
        return text


def _range_text(row: dict[str, Any]) -> str:
    if row["high_open"]:
        return f"{count(row['low'])} or more (open upper bound)"
    return f"{count(row['low'])}–{count(row['high'])}"


def weekly_flow_chart(
    rows: Sequence[dict[str, Any]],
    weeks: Sequence[date],
    *,
    title: str,
    chart_id: str,
    width: int = 760,
    height: int = 340,
) -> SafeString:
    """Bars of best per week, a low–high band behind each, open bounds and multi-week figures marked.

    ``rows`` are report rows of one flow term group grouped by week (``week_start``).
    Weeks without a row are "no report", not zero; a reported zero shows as "0".
    """
    by_week = {row["week_start"]: row for row in rows}
    bars = [Bar(week, by_week.get(week)) for week in weeks]
    left, right, top, bottom = 78, 16, 58, 70
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(
        [0]
        + [row["best"] for row in rows]
        + [row["low"] for row in rows]
        + [row["high"] for row in rows if not row["high_open"] and row["high"] is not None]
    )
    y_max, step = nice_ceiling(peak * 1.05)
    slot = plot_w / max(len(bars), 1)

    def y(value: float) -> float:
        return top + plot_h - (value / y_max) * plot_h

    reported = [bar for bar in bars if bar.reported]
    desc = (
        f"{title}. {len(weeks)} week{'s' if len(weeks) != 1 else ''} from {long_date(weeks[0])} "
        f"to the week of {long_date(weeks[-1])}; {len(reported)} with a report. "
        + " ".join(bar.summary() + "." for bar in reported)
        + " Weeks without a bar have no report (not zero)."
    ) if weeks else f"{title}. No weeks to show."
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'preserveAspectRatio="xMidYMid meet" font-family="{FONT}" fill="#1d2430">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(desc)}</desc>',
        "<defs>"
        f'<pattern id="{chart_id}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" class="bar-fill" {LOOK["bar"]}/>'
        f'<line x1="0" y1="0" x2="0" y2="6" {look("hatch-line")}/></pattern>'
        "</defs>",
        f'<text {look("chart-title")} x="{width / 2:.1f}" y="22" text-anchor="middle">{escape(title)}</text>',
    ]
    # y axis: grid lines, ticks, label
    tick = 0.0
    while tick <= y_max + 1e-9:
        ty = y(tick)
        out.append(f'<line {look("grid")} x1="{left}" x2="{left + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        out.append(
            f'<text {look("tick")} x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end">{escape(count(int(tick)))}</text>'
        )
        tick += step
    out.append(
        f'<text {look("axis-label")} transform="translate(16 {top + plot_h / 2:.1f}) rotate(-90)" '
        'text-anchor="middle">People (bar: best estimate; band: low–high)</text>'
    )
    # bars
    every = max(1, math.ceil(len(bars) / 14))
    spans: list[tuple[int, float, date]] = []
    for index, bar in enumerate(bars):
        x0 = left + index * slot
        cx = x0 + slot / 2
        if index % every == 0:
            out.append(
                f'<text {look("tick")} x="{cx:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{escape(short_date(bar.week))}</text>"
            )
        if not bar.reported:
            continue
        row = bar.row
        classes = "week reported" + (" open" if row["high_open"] else "") + (" spans" if bar.spans_weeks else "")
        out.append(
            f'<g class="{classes}" data-week="{bar.week.isoformat()}" data-low="{row["low"]}" '
            f'data-best="{row["best"]}" data-high="{"" if row["high"] is None else row["high"]}" '
            f'data-high-open="{"true" if row["high_open"] else "false"}">'
        )
        out.append(f"<title>{escape(bar.summary())}</title>")
        band_w, bar_w = min(slot * 0.8, 64), min(slot * 0.5, 36)
        band_top = top if row["high_open"] else y(row["high"])
        band_bottom = y(row["low"])
        out.append(
            f'<rect {look("band")} x="{cx - band_w / 2:.1f}" y="{band_top:.1f}" width="{band_w:.1f}" '
            f'height="{max(band_bottom - band_top, 1):.1f}"/>'
        )
        bar_top = y(row["best"])
        fill = f'fill="url(#{chart_id}-hatch)"' if bar.spans_weeks else LOOK["bar"]
        out.append(
            f'<rect class="bar{" spans" if bar.spans_weeks else ""}" {fill} x="{cx - bar_w / 2:.1f}" y="{bar_top:.1f}" '
            f'width="{bar_w:.1f}" height="{max(top + plot_h - bar_top, 0):.1f}"/>'
        )
        if row["high_open"]:
            out.append(
                f'<path {look("open-marker")} d="M{cx - 6:.1f} {top - 2:.1f} L{cx:.1f} {top - 12:.1f} '
                f'L{cx + 6:.1f} {top - 2:.1f} Z"/>'
            )
        if row["best"] == 0:
            out.append(f'<text {look("zero")} x="{cx:.1f}" y="{top + plot_h - 4:.1f}" text-anchor="middle">0</text>')
        if bar.spans_weeks and row.get("earliest_start_date"):
            spans.append((index, cx, row["earliest_start_date"]))
        if len(bars) <= 20:
            label_y = max(bar_top - 5, top + 12)
            out.append(
                f'<text {look("value")} x="{cx:.1f}" y="{label_y:.1f}" text-anchor="middle">'
                f"{escape(count(row['best']))}{'+' if row['high_open'] else ''}{'*' if bar.spans_weeks else ''}"
                "</text>"
            )
        out.append("</g>")
    # multi-week figures: a dashed bracket from the week their period starts in (an arrow when earlier)
    for n, (index, cx, start) in enumerate(spans):
        first_index = (monday(start) - weeks[0]).days // 7
        sy = top + 18 + (n % 3) * 16
        sx = left + max(first_index, 0) * slot + slot / 2 if first_index >= 0 else left + 2
        tip = f"A figure counted in the week of {long_date(weeks[index])} began on {long_date(start)}"
        out.append(f'<g class="span-marker"><title>{escape(tip)}</title>')
        out.append(f'<line x1="{sx:.1f}" x2="{cx:.1f}" y1="{sy:.1f}" y2="{sy:.1f}" {look("span-line")}/>')
        if first_index < 0:
            out.append(f'<path {look("span-arrow")} d="M{sx:.1f} {sy:.1f} l7 -4 v8 Z"/>')
        else:
            out.append(f'<line x1="{sx:.1f}" x2="{sx:.1f}" y1="{sy - 4:.1f}" y2="{sy + 4:.1f}" {look("span-line")}/>')
        out.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{sy - 4:.1f}" y2="{sy + 4:.1f}" {look("span-line")}/>')
        label_x = sx + 10 if first_index < 0 else sx + 4
        out.append(
            f'<text {look("span-label")} x="{label_x:.1f}" y="{sy - 4:.1f}">'
            f"{'from' if first_index >= 0 else '← period from'} {escape(long_date(start))}</text></g>"
        )
    # x axis
    out.append(
        f'<line {look("axis")} x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
        f'<line {look("axis")} x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}"/>'
        f'<text {look("axis-label")} x="{left + plot_w / 2:.1f}" y="{height - 34}" text-anchor="middle">'
        "Week (starting Monday), by the end date of each figure</text>"
    )
    # legend
    lx, ly = left, height - 14
    out.append(
        f'<rect {look("bar")} x="{lx}" y="{ly - 9}" width="10" height="10"/>'
        f'<text {look("legend")} x="{lx + 14}" y="{ly}">best</text>'
        f'<rect {look("band")} x="{lx + 60}" y="{ly - 9}" width="10" height="10"/>'
        f'<text {look("legend")} x="{lx + 74}" y="{ly}">low–high range</text>'
        f'<path {look("open-marker")} d="M{lx + 190} {ly} L{lx + 195} {ly - 9} L{lx + 200} {ly} Z"/>'
        f'<text {look("legend")} x="{lx + 204}" y="{ly}">open upper bound (“or more”)</text>'
        f'<rect x="{lx + 410}" y="{ly - 9}" width="10" height="10" fill="url(#{chart_id}-hatch)"/>'
        f'<text {look("legend")} x="{lx + 424}" y="{ly}">* spans several weeks</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text above is escaped


def chart_rows_table(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chart's numbers as table rows (its data table for screen readers and print)."""
    return [
        {
            "week": row["week_start"],
            "figure": persons_range(row["low"], row["best"], row["high"], row["high_open"]),
            "figures_count": row["figures_count"],
            "spans": bool(row.get("multi_bucket_count")),
        }
        for row in rows
    ]
