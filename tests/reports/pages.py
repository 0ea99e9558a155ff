"""Reading the numbers a page shows from its data attributes (what the reader sees is next to them)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self, tag: str, attribute: str):
        super().__init__()
        self.tag, self.attribute = tag, attribute
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == self.tag and self.attribute in attrs:
            self.found.append({k: v or "" for k, v in attrs.items()})


def elements(html: str | bytes, tag: str, attribute: str) -> list[dict[str, str]]:
    """Attributes of every ``tag`` element that has ``attribute``, in document order."""
    collector = _Collector(tag, attribute)
    collector.feed(html.decode() if isinstance(html, bytes) else html)
    return collector.found


def numbers(attrs: dict[str, str]) -> tuple:
    """(low, best, high, high_open) from data attributes, as the API gives them."""
    return (int(attrs["data-low"]), int(attrs["data-best"]),
            int(attrs["data-high"]) if attrs["data-high"] else None, attrs["data-high-open"] == "true")


def api_numbers(row: dict) -> tuple:
    return row["low"], row["best"], row["high"], row["high_open"]
