"""The weekly chart of a flow (displacement or surrenders): what was reported, week by week, never overstated.

- A bar is the best estimate of the figures whose period lies within one week; a band behind it their low–high.
- An open upper bound ("more than 1,000") is a hollow arrow above its value: never a band to the top of the
  axis, and it never stretches the scale.
- A figure whose period spans several weeks is drawn across its period, at the height of its value, as a
  labelled bracket (dates and total): never as a spike in the week of its end date.
- The time axis names the year at its first tick and wherever the year changes.

Each chart comes in two widths (:data:`WIDE`, :data:`NARROW`) drawn with the same rules; the page's style sheet
shows the narrow one on small screens, where the wide one would shrink its text below legibility.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape  # what django.utils.html.escape returns, less its lazy-text check on each of a chart's texts
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from tracker.charts.svg import FONT, LOOK, Box, long_date, look, medium_date, nice_ceiling, short_date, text_width, wrap
from tracker.formatting import count, counter, persons_range
from tracker.reporting.dimensions import monday

MAX_WEEKS = 104
MIN_WEEKS = 8
ARROW = 22  # length of an open bound's arrow above its value, in chart units


@dataclass(frozen=True)
class Variant:
    """One width of a chart: its margins, text size and how much it labels."""

    name: str
    width: int
    left: int
    right: int
    plot_height: int
    font: float
    title_size: float
    max_ticks: int
    value_labels_up_to: int  # bars carry their value when the chart has at most this many weeks


WIDE = Variant("wide", 760, 80, 20, 240, 12, 16, 12, 20)
NARROW = Variant("narrow", 340, 58, 14, 200, 13, 15, 4, 8)


def week_range(first: date, last: date, *, limit: int = MAX_WEEKS, minimum: int = MIN_WEEKS) -> tuple[list[date], bool]:
    """Mondays from ``first``'s week to ``last``'s week (at least ``minimum`` weeks, reaching back);
    the latest ``limit`` weeks when longer (True then)."""
    start, end = monday(first), monday(last)
    start = min(start, end - timedelta(weeks=minimum - 1))
    weeks = [start + timedelta(weeks=n) for n in range((end - start).days // 7 + 1)]
    return weeks[-limit:], len(weeks) > limit


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _range_text(item: dict[str, Any], fmt: Callable[[int | None], str] = count) -> str:
    if item["high_open"]:
        return f"{fmt(item['low'])} or more (open upper bound)"
    return f"{fmt(item['low'])}–{fmt(item['high'])}"


def bar_summary(week: date, row: dict[str, Any], fmt: Callable[[int | None], str] = count) -> str:
    text = (f"Week of {long_date(week)}: best {fmt(row['best'])}, range {_range_text(row, fmt)}; "
            f"{_plural(row['figures_count'], 'figure')}")
    if row.get("multi_bucket_count"):
        text += f", {row['multi_bucket_count']} of them spanning several weeks, counted in this week"
    return text


def span_summary(span: dict[str, Any], fmt: Callable[[int | None], str] = count) -> str:
    return (f"One figure over {long_date(span['start_date'])} to {long_date(span['end_date'])}: "
            f"best {fmt(span['best'])} in all, range {_range_text(span, fmt)}; drawn across its period, "
            f"counted once in the week of {long_date(monday(span['end_date']))}")


@dataclass
class Frame:
    """Where things go: the plot rectangle and the two scales."""

    variant: Variant
    weeks: Sequence[date]
    top: float
    y_max: float
    step: float

    @property
    def left(self) -> float:
        return self.variant.left

    @property
    def plot_width(self) -> float:
        return self.variant.width - self.variant.left - self.variant.right

    @property
    def bottom(self) -> float:
        return self.top + self.variant.plot_height

    @property
    def right(self) -> float:
        return self.left + self.plot_width

    @property
    def slot(self) -> float:
        return self.plot_width / max(len(self.weeks), 1)

    def y(self, value: float) -> float:
        return self.bottom - (value / self.y_max) * self.variant.plot_height

    def x_day(self, day: date, *, end: bool = False) -> float:
        """The x of ``day``'s start (of its end with ``end``), clamped to the plot."""
        days = (day - self.weeks[0]).days + (1 if end else 0)
        return min(max(self.left + days / 7 * self.slot, self.left), self.right)


def _scale(bars: Sequence[dict[str, Any]], spans: Sequence[dict[str, Any]], plot_height: float) -> tuple[float, float]:
    """The y axis maximum and step: the largest drawn value (best, low, a closed high), with room above an open
    bound's arrow. An open bound never stretches the scale."""
    items = [*bars, *spans]
    peak = max([0] + [item["best"] for item in items] + [item["low"] for item in items]
               + [item["high"] for item in items if not item["high_open"] and item["high"] is not None])
    need = peak * 1.05
    for item in items:
        if item["high_open"]:
            base = max(item["low"], item["best"])
            need = max(need, base * plot_height / (plot_height - ARROW - 6))
    return nice_ceiling(need)


def _open_arrow(cx: float, base_y: float) -> str:
    """A stem up from ``base_y`` and a hollow arrow head: "this many or more"."""
    tip = base_y - ARROW
    return (f'<line {look("open-stem")} x1="{cx:.1f}" x2="{cx:.1f}" y1="{base_y:.1f}" y2="{tip + 8:.1f}"/>'
            f'<path {look("open-marker")} d="M{cx - 5:.1f} {tip + 9:.1f} L{cx:.1f} {tip:.1f} '
            f'L{cx + 5:.1f} {tip + 9:.1f} Z"/>')


@dataclass(frozen=True)
class Summaries:
    """What a chart says in words, escaped for the SVG: the weeks with a bar (index, week, row, its tooltip), the
    spans shown (largest first, each with its tooltip) and the description. The same in both widths: worked out
    once for the two drawings of a chart."""

    bars: list[tuple[int, date, dict[str, Any], str]]
    spans: list[tuple[dict[str, Any], str]]
    desc: str


def summaries(bars: Sequence[dict[str, Any]], spans: Sequence[dict[str, Any]], weeks: Sequence[date], *,
              title: str) -> Summaries:
    """The words of :func:`weekly_chart` for these arguments."""
    fmt = counter()
    by_week = {row["week_start"]: row for row in bars}
    shown_bars = [(index, week, by_week[week], bar_summary(week, by_week[week], fmt))
                  for index, week in enumerate(weeks) if week in by_week]
    shown_spans = [(span, span_summary(span, fmt)) for span in sorted(
        (s for s in spans if weeks and s["end_date"] >= weeks[0]), key=lambda s: (-s["best"], s["start_date"]))]
    desc = (
        f"{title}. {_plural(len(weeks), 'week')} from {long_date(weeks[0])} to the week of {long_date(weeks[-1])}; "
        f"{len(shown_bars)} with a bar, {_plural(len(shown_spans), 'figure')} spanning several weeks. "
        + " ".join([*(summary + "." for *_, summary in shown_bars), *(summary + "." for _, summary in shown_spans)])
        + " Weeks without a bar have no report (not zero)."
    ) if weeks else f"{title}. No weeks to show."
    return Summaries([(index, week, row, escape(summary)) for index, week, row, summary in shown_bars],
                     [(span, escape(summary)) for span, summary in shown_spans], escape(desc))


def weekly_chart(
    bars: Sequence[dict[str, Any]],
    spans: Sequence[dict[str, Any]],
    weeks: Sequence[date],
    *,
    title: str,
    chart_id: str,
    noun: str = "People",
    variant: Variant = WIDE,
    said: Summaries | None = None,
) -> SafeString:
    """The SVG of one term group's weekly chart.

    ``bars`` are report rows grouped by week (``week_start``) of the figures drawn as bars; ``spans`` the
    figures (``start_date``, ``end_date``, ``low``, ``best``, ``high``, ``high_open``) drawn across their
    period. Weeks without a bar have no report, not zero; a reported zero shows as "0". ``said``: what
    :func:`summaries` gives for the same arguments, when the caller draws the chart in both widths.
    """
    v = variant
    font = v.font
    title_lines = wrap(title, v.title_size, v.width - 24, bold=True)
    # the narrow chart names its y axis above it, where the wide one turns the name along the axis
    top = 22 + (len(title_lines) - 1) * (v.title_size + 4) + 22 + (font + 6 if v is NARROW else 0)
    frame = Frame(v, weeks, top, *_scale(bars, spans, v.plot_height))
    y = frame.y
    said = said or summaries(bars, spans, weeks, title=title)
    shown_bars, shown_spans, desc = said.bars, said.spans, said.desc
    taken: list[Box] = []
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{v.name}" id="{escape(chart_id)}" '
        f'viewBox="0 0 {v.width} {{HEIGHT}}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'preserveAspectRatio="xMidYMid meet" font-family="{FONT}" font-size="{font:g}" fill="#1d2430">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{desc}</desc>',
        "<defs>"
        f'<pattern id="{chart_id}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" class="bar-fill" {LOOK["bar"]}/>'
        f'<line x1="0" y1="0" x2="0" y2="6" {look("hatch-line")}/></pattern>'
        "</defs>",
    ]
    for n, line in enumerate(title_lines):
        out.append(f'<text {look("chart-title", v.title_size)} x="{v.width / 2:.1f}" '
                   f'y="{22 + n * (v.title_size + 4):.1f}" text-anchor="middle">{escape(line)}</text>')
    # y axis: grid lines, ticks, label
    tick = 0.0
    while tick <= frame.y_max + 1e-9:
        ty = y(tick)
        out.append(f'<line {look("grid")} x1="{frame.left}" x2="{frame.right:.1f}" y1="{ty:.1f}" y2="{ty:.1f}"/>')
        out.append(f'<text {look("tick", font)} x="{frame.left - 6}" y="{ty + font / 3:.1f}" text-anchor="end">'
                   f"{escape(_tick_text(int(tick), compact=v is NARROW))}</text>")
        tick += frame.step
    if v is NARROW:
        out.append(f'<text {look("axis-label", font)} x="4" y="{top - font - 2:.1f}">{escape(noun)} per week</text>')
    else:
        out.append(f'<text {look("axis-label", font)} transform="translate({font + 2:g} '
                   f'{top + v.plot_height / 2:.1f}) rotate(-90)" text-anchor="middle">{escape(noun)} per week</text>')
    out += _time_axis(frame)
    hatched = False
    for index, week, row, summary in shown_bars:
        hatched |= bool(row.get("multi_bucket_count"))
        out += _bar(frame, index, week, row, chart_id, taken, summary)
    for span, summary in shown_spans:
        out += _span(frame, span, taken, summary)
    out.append(f'<line {look("axis")} x1="{frame.left}" x2="{frame.right:.1f}" y1="{frame.bottom:.1f}" '
               f'y2="{frame.bottom:.1f}"/><line {look("axis")} x1="{frame.left}" x2="{frame.left}" '
               f'y1="{top:.1f}" y2="{frame.bottom:.1f}"/>')
    axis_label = ("Week (starting Monday)" if v is NARROW
                  else "Week (starting Monday): bars by the end date of their figures")
    label_y = frame.bottom + 3 * font + 14
    out.append(f'<text {look("axis-label", font)} x="{frame.left + frame.plot_width / 2:.1f}" y="{label_y:.1f}" '
               f'text-anchor="middle">{escape(axis_label)}</text>')
    legend, height = _legend(frame, chart_id, label_y + font + 10, has_bars=bool(shown_bars),
                             has_band=any(row["high_open"] is False and row["high"] > row["low"] for row in bars),
                             has_open=any(item["high_open"] for item in [*bars, *(s for s, _ in shown_spans)]),
                             has_spans=bool(shown_spans), hatched=hatched,
                             has_span_range=any(not s["high_open"] and s["high"] > s["low"] for s, _ in shown_spans))
    out += legend
    out.append("</svg>")
    return mark_safe("".join(out).replace("{HEIGHT}", f"{height:.0f}", 1))  # noqa: S308 - every text is escaped


def _tick_text(value: int, *, compact: bool) -> str:
    """A y tick's number; in thousands ("125k") on the narrow chart, where "125,000" would not fit."""
    if compact and value >= 10_000 and value % 1_000 == 0:
        return f"{count(value // 1_000)}k"
    return count(value)


def _time_axis(frame: Frame) -> list[str]:
    """Week ticks, at most the variant's number, with the year under the first and wherever it changes."""
    out: list[str] = []
    font = frame.variant.font
    every = max(1, math.ceil(len(frame.weeks) / frame.variant.max_ticks))
    year = None
    for index in range(0, len(frame.weeks), every):
        week = frame.weeks[index]
        cx = frame.left + index * frame.slot + frame.slot / 2
        out.append(f'<line {look("axis")} x1="{cx:.1f}" x2="{cx:.1f}" y1="{frame.bottom:.1f}" '
                   f'y2="{frame.bottom + 4:.1f}"/>')
        out.append(f'<text {look("tick", font)} x="{cx:.1f}" y="{frame.bottom + font + 5:.1f}" '
                   f'text-anchor="middle">{escape(short_date(week))}</text>')
        if week.year != year:
            out.append(f'<text {look("tick-year", font)} x="{cx:.1f}" y="{frame.bottom + 2 * font + 8:.1f}" '
                       f'text-anchor="middle">{week.year}</text>')
            year = week.year
    return out


def _place_label(lines: list[tuple[str, str]], spots: Sequence[tuple[float, float]], frame: Frame,
                 taken: list[Box]) -> list[str]:
    """``lines`` (look, text) at the first of ``spots`` (left x, baseline of the last line) where they stay
    inside the plot and clear of what is drawn; nothing when there is no room (the tooltip and the table still
    tell)."""
    font = frame.variant.font
    width = max(text_width(text, font, bold=True) for _, text in lines)
    height = len(lines) * (font + 3)
    # the frame's edges read once, and Box.overlaps written out in the loop: a page's charts try thousands of spots
    left, right, highest, lowest = frame.left + 2, frame.right - width - 2, frame.top - font, frame.bottom
    for x, baseline in spots:
        x0 = min(max(x, left), right)
        y0, x1, y1 = baseline - height, x0 + width, baseline + 2
        if y0 < highest or y1 > lowest:
            continue
        for o in taken:
            if x0 < o.x1 and o.x0 < x1 and y0 < o.y1 and o.y0 < y1:
                break
        else:
            taken.append(Box(x0, y0, x1, y1))
            return [f'<text {look(name, font)} x="{x0:.1f}" y="{baseline - (len(lines) - 1 - n) * (font + 3):.1f}">'
                    f"{escape(text)}</text>" for n, (name, text) in enumerate(lines)]
    return []


def _bar(frame: Frame, index: int, week: date, row: dict[str, Any], chart_id: str, taken: list[Box],
         summary: str) -> list[str]:
    y, slot = frame.y, frame.slot
    cx = frame.left + index * slot + slot / 2
    spans = bool(row.get("multi_bucket_count"))
    classes = "week reported" + (" open" if row["high_open"] else "") + (" spans" if spans else "")
    out = [
        f'<g class="{classes}" data-week="{week.isoformat()}" data-low="{row["low"]}" data-best="{row["best"]}" '
        f'data-high="{"" if row["high"] is None else row["high"]}" '
        f'data-high-open="{"true" if row["high_open"] else "false"}">',
        f"<title>{summary}</title>",
    ]
    band_w, bar_w = max(min(slot * 0.8, 64), 2), max(min(slot * 0.5, 36), 1.5)
    upper = max(row["low"], row["best"]) if row["high_open"] else row["high"]
    if upper > row["low"]:
        out.append(f'<rect {look("band")} x="{cx - band_w / 2:.1f}" y="{y(upper):.1f}" width="{band_w:.1f}" '
                   f'height="{y(row["low"]) - y(upper):.1f}"/>')
    bar_top = y(row["best"])
    fill = f'fill="url(#{chart_id}-hatch)"' if spans else LOOK["bar"]
    out.append(f'<rect class="bar{" spans" if spans else ""}" {fill} x="{cx - bar_w / 2:.1f}" y="{bar_top:.1f}" '
               f'width="{bar_w:.1f}" height="{max(frame.bottom - bar_top, 0):.1f}"/>')
    drawn_top = y(upper)
    if row["high_open"]:
        out.append(_open_arrow(cx, drawn_top))
        drawn_top -= ARROW
    taken.append(Box(cx - max(band_w, 10) / 2, drawn_top, cx + max(band_w, 10) / 2, frame.bottom))
    if row["best"] == 0:
        out.append(f'<text {look("zero", frame.variant.font)} x="{cx:.1f}" y="{frame.bottom - 4:.1f}" '
                   'text-anchor="middle">0</text>')
    elif len(frame.weeks) <= frame.variant.value_labels_up_to:
        text = f"{count(row['best'])}{'+' if row['high_open'] else ''}{'*' if spans else ''}"
        width = text_width(text, frame.variant.font, bold=True)
        out += _place_label([("value", text)], [(cx - width / 2, drawn_top - 5)], frame, taken)
    out.append("</g>")
    return out


def _span(frame: Frame, span: dict[str, Any], taken: list[Box], summary: str) -> list[str]:
    """One figure across its period: a bracket at the height of its best value, its range as a dashed whisker
    (an arrow when open) at its middle, and its total and dates as a label."""
    y, font = frame.y, frame.variant.font
    start, end = span["start_date"], span["end_date"]
    clipped = start < frame.weeks[0]
    x0, x1 = frame.x_day(start), frame.x_day(end, end=True)
    x1 = max(x1, x0 + 3)
    yb, wx = y(span["best"]), (x0 + x1) / 2
    out = [
        f'<g class="span" data-id="{span.get("pk", "")}" data-start="{start.isoformat()}" '
        f'data-end="{end.isoformat()}" data-low="{span["low"]}" data-best="{span["best"]}" '
        f'data-high="{"" if span["high"] is None else span["high"]}" '
        f'data-high-open="{"true" if span["high_open"] else "false"}">',
        f"<title>{summary}</title>",
        f'<line {look("span-line")} x1="{x0:.1f}" x2="{x1:.1f}" y1="{yb:.1f}" y2="{yb:.1f}"/>',
        f'<line {look("span-cap")} x1="{x1:.1f}" x2="{x1:.1f}" y1="{yb - 6:.1f}" y2="{yb + 6:.1f}"/>',
    ]
    if clipped:  # the period began before the first week shown
        out.append(f'<path {look("span-arrow")} d="M{x0:.1f} {yb:.1f} l8 -5 v10 Z"/>')
    else:
        out.append(f'<line {look("span-cap")} x1="{x0:.1f}" x2="{x0:.1f}" y1="{yb - 6:.1f}" y2="{yb + 6:.1f}"/>')
    whisker_top = yb
    if span["high_open"]:
        base = y(max(span["low"], span["best"]))
        out.append(_open_arrow(wx, base))
        whisker_top = base - ARROW
    elif span["high"] > span["low"]:
        whisker_top, low = y(span["high"]), y(span["low"])
        out.append(f'<line {look("span-range")} x1="{wx:.1f}" x2="{wx:.1f}" y1="{whisker_top:.1f}" y2="{low:.1f}"/>'
                   f'<line {look("span-cap")} x1="{wx - 5:.1f}" x2="{wx + 5:.1f}" y1="{whisker_top:.1f}" '
                   f'y2="{whisker_top:.1f}"/><line {look("span-cap")} x1="{wx - 5:.1f}" x2="{wx + 5:.1f}" '
                   f'y1="{low:.1f}" y2="{low:.1f}"/>')
    taken.append(Box(x0, yb - 7, x1, yb + 7))
    taken.append(Box(wx - 6, whisker_top, wx + 6, max(yb, y(span["low"]))))
    lines = [("span-label", f"{count(span['best'])}{'+' if span['high_open'] else ''} in all"),
             ("span-dates", f"{'… ' if clipped else ''}{medium_date(start)} – {medium_date(end)}")]
    for shown in (lines, lines[:1]):  # with its dates, or its total alone where the dates find no room
        width = max(text_width(text, font, bold=True) for _, text in shown)
        xs = [x0 + (10 if clipped else 4), x1 - 4 - width, wx - width / 2]
        above, below = yb - 10, yb + len(shown) * (font + 3) + 6
        label = _place_label(shown, [(x, above) for x in xs] + [(x, whisker_top - 6) for x in xs[2:]]
                             + [(x, below) for x in xs], frame, taken)
        if label:
            out += label
            break
    out.append("</g>")
    return out


def _legend(frame: Frame, chart_id: str, y0: float, *, has_bars: bool, has_band: bool, has_open: bool,
            has_spans: bool, has_span_range: bool, hatched: bool) -> tuple[list[str], float]:
    """The keys to what is drawn, wrapped to the chart's width; and the chart's height below them."""
    font = frame.variant.font
    items: list[tuple[str, str]] = []
    if has_bars:
        items.append((f'<rect {look("bar")} x="0" y="{-font + 2:g}" width="10" height="{font - 1:g}"/>',
                      "best estimate"))
    if has_band:
        items.append((f'<rect {look("band")} x="0" y="{-font + 2:g}" width="10" height="{font - 1:g}"/>',
                      "low–high"))
    if has_open:
        items.append((f'<path {look("open-marker")} d="M1 1 L5 {-font + 3:g} L9 1 Z"/>', "or more (open bound)"))
    if has_spans:
        items.append((f'<line {look("span-line")} x1="0" x2="16" y1="{-font / 3:.1f}" y2="{-font / 3:.1f}"/>',
                      "one figure across its period"))
    if has_span_range:
        items.append((f'<line {look("span-range")} x1="5" x2="5" y1="{-font + 1:g}" y2="2"/>', "its low–high"))
    if hatched:
        items.append((f'<rect x="0" y="{-font + 2:g}" width="10" height="{font - 1:g}" '
                      f'fill="url(#{chart_id}-hatch)"/>', "* includes figures begun earlier"))
    out, x, y = [], frame.left, y0
    for sample, text in items:
        sample_width = 22 if 'class="span-line"' in sample else 14
        width = sample_width + text_width(text, font) + 14
        if x > frame.left and x + width > frame.variant.width - 4:
            x, y = frame.left, y + font + 8
        out.append(f'<g class="legend-item" transform="translate({x:.1f} {y:.1f})">{sample}'
                   f'<text {look("legend", font)} x="{sample_width}" y="0">{escape(text)}</text></g>')
        x += width
    return out, y + 10


def chart_table(bars: Sequence[dict[str, Any]], spans: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the chart draws as table rows (its data table, for screen readers, print and small screens), with the
    text of its dates and period cells written here, once, rather than by a filter per cell."""
    fmt = counter()
    rows = [{"week": row["week_start"], "period": None,
             "figure": persons_range(row["low"], row["best"], row["high"], row["high_open"], fmt=fmt),
             "figures_count": row["figures_count"], "spans": bool(row.get("multi_bucket_count")),
             "week_text": medium_date(row["week_start"]),
             "period_text": "within the week; some began earlier*" if row.get("multi_bucket_count")
             else "within the week"} for row in bars]
    rows += [{"week": monday(span["end_date"]), "period": (span["start_date"], span["end_date"]),
              "figure": persons_range(span["low"], span["best"], span["high"], span["high_open"], fmt=fmt),
              "figures_count": 1, "spans": True, "week_text": medium_date(monday(span["end_date"])),
              "period_text": f"{medium_date(span['start_date'])} – {medium_date(span['end_date'])} (drawn across)"}
             for span in spans]
    return sorted(rows, key=lambda row: (row["week"], row["period"] is not None))
