"""What every chart shares: its look, its scale, its date labels and its text measures.

The look of each class is given as SVG presentation attributes on the element itself: a chart saved on its own
looks the same, and the page's Content-Security-Policy (no inline style) has nothing to block. System fonts only.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import date

FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"
INK, MUTED, BAR, BAND, BAND_EDGE = "#1d2430", "#3a4350", "#1f5f8b", "#8fb8d8", "#5b8db3"
OPEN, SPAN = "#b03a2e", "#7a4a00"
LOOK = {
    "chart-title": 'font-weight="600"',
    "tick": f'fill="{MUTED}"',
    "tick-year": f'font-weight="700" fill="{INK}"',
    "legend": f'fill="{MUTED}"',
    "axis-label": "",
    "value": 'font-weight="700"',
    "zero": 'font-weight="700"',
    "grid": 'stroke="#e6e9ee"',
    "axis": f'stroke="{INK}"',
    "bar": f'fill="{BAR}"',
    "hatch-line": 'stroke="#ffffff" stroke-width="2.5"',
    "band": f'fill="{BAND}" fill-opacity=".45" stroke="{BAND_EDGE}" stroke-width="1"',
    "open-stem": f'stroke="{OPEN}" stroke-width="2"',
    "open-marker": f'fill="#ffffff" stroke="{OPEN}" stroke-width="2" stroke-linejoin="round"',
    "span-line": f'stroke="{SPAN}" stroke-width="3" stroke-linecap="butt"',
    "span-cap": f'stroke="{SPAN}" stroke-width="2"',
    "span-range": f'stroke="{SPAN}" stroke-width="1.5" stroke-dasharray="3 2"',
    "span-arrow": f'fill="{SPAN}"',
    "span-label": f'font-weight="700" fill="{SPAN}"',
    "span-dates": f'fill="{SPAN}"',
}


@functools.cache
def look(name: str, size: float | None = None) -> str:
    """``class="name"``, the presentation attributes that draw it and, for text, its font size (a few dozen
    pairs, each written once: a page's charts ask for them thousands of times)."""
    attributes = f'class="{name}" {LOOK[name]}'.rstrip()
    return f'{attributes} font-size="{size:g}"' if size else attributes


def nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1, 1
    raw_step = value / 5
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw_step)
    step = max(step, 1)
    return step * math.ceil(value / step), step


def short_date(day: date) -> str:
    return f"{day.day} {day:%b}"


def medium_date(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A generous estimate of ``text``'s width in a system sans-serif (no font metrics on the server)."""
    return len(text) * size * (0.62 if bold else 0.58)


def wrap(text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """``text`` in lines no wider than ``width`` (by :func:`text_width`), broken between words."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold=bold) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


@dataclass(frozen=True)
class Box:
    """A rectangle already taken by a label, so the next label goes elsewhere."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
