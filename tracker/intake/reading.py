"""Reading an article's text out of what an analyst pastes or uploads: a text file, an HTML page or a PDF.

Pure functions: nothing here touches the database. The text comes back normalised
(``tracker.rules.normalise.normalise_stored_text``), with whatever metadata the file states.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings

from tracker.choices import IntakeFormat
from tracker.rules.normalise import normalise_stored_text

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|article|p|div)\b",
                         re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})(?:[-_][A-Za-z0-9-]+)?", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PARAGRAPH_LINES = re.compile(r"\n+")
MIN_PAGE_WORDS = 5
UNREADABLE_PDF = "This PDF cannot be read (damaged or not a PDF): paste the article's text instead."


class IntakeError(ValueError):
    """A file or text that cannot become a source's text; ``field`` names the form field to show it beside."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the doors receive it."""

    data: bytes
    filename: str = ""
    content_type: str | None = None


@dataclass
class IntakeText:
    """An article's normalised text and the metadata its file gave (empty where it gave none)."""

    text: str
    format: str
    title: str = ""
    publication_date: datetime.date | None = None
    author: str = ""
    site: str = ""
    url: str = ""
    language: str = ""


def max_upload_bytes() -> int:
    return settings.SOURCE_UPLOAD_MAX_BYTES


def too_large_message(size: int | None = None) -> str:
    limit = max_upload_bytes()
    stated = f" ({size / 1_048_576:.1f} MB)" if size is not None else ""
    return (f"The file is too large{stated}: uploads are limited to {limit / 1_048_576:g} MB. "
            "Upload the article alone, or paste its text.")


def read_pasted(text: str) -> IntakeText:
    """Pasted text, normalised; refused when nothing is left."""
    normalised = normalise_stored_text(text or "")
    if not normalised.strip():
        raise IntakeError("The pasted text is empty.", field="text")
    return IntakeText(text=normalised, format=IntakeFormat.PASTED)


def sniff_format(data: bytes, filename: str = "", content_type: str | None = None) -> str | None:
    """The file's kind from its first bytes (then its name and declared type): pdf, html, text, or None."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return IntakeFormat.PDF
    if _HTML_START.match(head) or b"<html" in head.lower():
        return IntakeFormat.HTML
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # binary: no text file holds NUL bytes (UTF-16 with its mark aside)
    name = filename.lower()
    declared = (content_type or "").split(";")[0].strip().lower()
    if name.endswith((".html", ".htm")) or declared in ("text/html", "application/xhtml+xml"):
        return IntakeFormat.HTML
    return IntakeFormat.TEXT_FILE


def read_upload(data: bytes, filename: str = "", content_type: str | None = None) -> IntakeText:
    """An uploaded file's text and metadata; IntakeError (with a message for the analyst) when it has none."""
    if not data or not data.strip():
        raise IntakeError("The file is empty.")
    if len(data) > max_upload_bytes():
        raise IntakeError(too_large_message(len(data)))
    kind = sniff_format(data, filename, content_type)
    if kind == IntakeFormat.PDF:
        result = _read_pdf(data)
    elif kind == IntakeFormat.HTML:
        result = _read_html(data)
    elif kind == IntakeFormat.TEXT_FILE:
        result = IntakeText(text=normalise_stored_text(_decode(data)), format=IntakeFormat.TEXT_FILE)
    else:
        raise IntakeError("This file is not a text file, an HTML page or a PDF: upload one of those, "
                          "or paste the article's text.")
    if not result.text.strip():
        raise IntakeError({
            IntakeFormat.PDF: "No text was found in this PDF (a scanned image?): paste the article's text instead.",
            IntakeFormat.HTML: "No article text was found in this page: paste the article's text instead.",
        }.get(result.format, "The file holds no text."))
    return result


def _decode(data: bytes) -> str:
    """UTF-8 (with or without its byte order mark), or UTF-16 with its mark; anything else is refused, named."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise IntakeError("The file says it is UTF-16 but cannot be read as such.") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        guess = _guess_encoding(data)
        named = f" (it looks like {guess})" if guess else ""
        raise IntakeError(f"The file is not UTF-8{named}: save it as UTF-8 and upload it again, "
                          "or paste its text.") from error
    if len(_CONTROL.findall(text[:8192])) > 8:
        raise IntakeError("This file is not a text file, an HTML page or a PDF: upload one of those, "
                          "or paste the article's text.")
    return text


def _guess_encoding(data: bytes) -> str:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - installed with trafilatura's dependencies
        return ""
    best = from_bytes(data[:65536]).best()
    return best.encoding if best is not None else ""


def _read_html(data: bytes) -> IntakeText:
    """The page's main text and metadata; the page's own charset (meta tag or detection) decodes it."""
    import trafilatura

    html = data.decode("utf-8-sig", errors="replace")
    document = trafilatura.bare_extraction(
        data, with_metadata=True, favor_precision=True, include_comments=False, include_tables=False,
    )
    if document is None:
        # favor_precision can leave a short page empty: try once without it before refusing.
        document = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False)
    if document is None:
        raise IntakeError("No article text was found in this page: paste the article's text instead.")
    found = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    # trafilatura ends each paragraph with one line end: ours are paragraph breaks.
    text = normalise_stored_text(_PARAGRAPH_LINES.sub("\n\n", found.get("text") or ""))
    if len(text.split()) < MIN_PAGE_WORDS:
        text = ""  # a menu word or a caption left by the extractor is not an article
    language = found.get("language") or ""
    if not language and (match := _HTML_LANG.search(html[:4096])):
        language = match.group(1)
    return IntakeText(
        text=text,
        format=IntakeFormat.HTML,
        title=(found.get("title") or "").strip()[:500],
        publication_date=_date(found.get("date")),
        author=(found.get("author") or "").strip()[:300],
        site=(found.get("sitename") or "").strip(),
        url=(found.get("url") or "").strip() if (found.get("url") or "").startswith(("http://", "https://")) else "",
        language=language.lower()[:20],
    )


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _read_pdf(data: bytes) -> IntakeText:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise IntakeError("This PDF is protected by a password: save an unprotected copy, "
                              "or paste its text.") from error
        raise IntakeError(UNREADABLE_PDF) from error
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(normalise_stored_text(textpage.get_text_range()))
            textpage.close()
            page.close()
        metadata = document.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError as error:
        raise IntakeError(UNREADABLE_PDF) from error
    finally:
        document.close()
    return IntakeText(
        text=normalise_stored_text("\n\n".join(page for page in pages if page)),
        format=IntakeFormat.PDF,
        title=(metadata.get("Title") or "").strip()[:500],
        author=(metadata.get("Author") or "").strip()[:300],
        # A PDF's creation date is the file's, not the article's: the analyst gives the publication date.
    )
