"""Normal forms used to compare things: source URLs, article text and excerpts."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "_ga", "yclid"})
DEFAULT_PORTS = {"http": 80, "https": 443}

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})
_WHITESPACE = re.compile(r"\s+")
_BLANKS = re.compile(r"[ \t]+")
_PARAGRAPH_BREAKS = re.compile(r"\n{3,}")


def normalise_url(url: str) -> str:
    """The form under which two URLs of the same page compare equal.

    Scheme and host lower case, http and https equal (stored as https), a leading
    ``www.`` and default ports dropped, trailing slashes of the path dropped
    (``/a/`` is ``/a``; the root stays ``/``), tracking parameters (``utm_*``,
    ``fbclid``, ``gclid``...) and the fragment dropped, remaining parameters sorted.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        scheme = "https"
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port is None or port in DEFAULT_PORTS.values() else f"{host}:{port}"
    query = sorted(
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith("utm_") and key.lower() not in TRACKING_PARAMETERS
    )
    return urlunsplit((scheme, netloc, parts.path.rstrip("/") or "/", urlencode(query), ""))


def stored_url_forms(url: str) -> list[str]:
    """Every ``url_normalized`` a stored source of this page may hold: its normal form, and the form from before
    trailing slashes were dropped (the path with one slash after it), which a source kept when its new form
    collided with another's (``manage.py source_url_collisions`` lists those for a reviewer to merge). Finding a
    source by URL asks for all of them, so a page is found, and refused as a duplicate, under either."""
    normal = normalise_url(url)
    parts = urlsplit(normal)
    if parts.path == "/":
        return [normal]
    return [normal, urlunsplit(parts._replace(path=parts.path + "/"))]


def normalise_text(text: str) -> str:
    """Whitespace (non-breaking spaces included) folded to one space, curly quotes made straight."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ").translate(_QUOTES)).strip()


def normalise_stored_text(text: str) -> str:
    """The form in which a source's text is stored, whichever door it came through.

    Unicode NFC; CRLF and CR line ends made LF; runs of spaces and tabs folded to one space and trailing
    spaces dropped on every line; three or more line ends made one paragraph break (two); leading and
    trailing blank lines removed. Paragraph breaks survive, so sentences and excerpts keep their places.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_BLANKS.sub(" ", line).rstrip(" ") for line in text.split("\n")]
    return _PARAGRAPH_BREAKS.sub("\n\n", "\n".join(lines)).strip("\n")


def content_hash(text: str) -> str:
    """SHA-256 of the normalised text: two copies of one article share it."""
    return hashlib.sha256(normalise_text(text).encode()).hexdigest()
