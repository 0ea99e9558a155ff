"""Files for the intake tests, made here: an article page with boilerplate around it, a PDF, an encrypted PDF."""

from __future__ import annotations

import io
import json
from html import escape
from pathlib import Path

from django.conf import settings


def demo_article() -> str:
    """The demo's second article (written for the demo): title line, blank line, paragraphs."""
    rows = json.loads((Path(settings.BASE_DIR) / "fixtures" / "demo_workbench.json").read_text())
    return rows[0]["fields"]["text"]


def paragraphs(text: str) -> list[str]:
    return [part for part in text.split("\n\n") if part.strip()]


def article_page(text: str, *, site: str = "Reuters", url: str = "https://wire.example.org/2019/03/14/baghouz",
                 author: str = "Jane Roe", date: str = "2019-03-14", lang: str = "en") -> bytes:
    """A saved news page: navigation, a cookie banner, related links and a footer around the article."""
    title, *body = paragraphs(text)
    article = "\n".join(f"<p>{escape(part)}</p>" for part in body)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{escape(title)} | {escape(site)}</title>
<meta property="og:site_name" content="{escape(site)}">
<meta property="og:title" content="{escape(title)}">
<meta name="author" content="{escape(author)}">
<meta property="article:published_time" content="{date}T09:30:00Z">
<link rel="canonical" href="{url}">
</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a>
</li><li><a href="/sport">Sport</a></li></ul></nav></header>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies or manage your choices.</div>
<main><article>
<h1>{escape(title)}</h1>
<div class="byline">By {escape(author)}</div>
{article}
</article>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Markets close higher on tech rally</a></li>
<li><a href="/b">Ten recipes for a quick weeknight dinner</a></li></ul></aside>
</main>
<footer><p>Copyright 2019 {escape(site)}. All rights reserved.</p><p><a href="/terms">Terms of use</a> |
<a href="/privacy">Privacy policy</a></p></footer>
</body></html>""".encode()


def make_pdf(pages: list[list[str]]) -> bytes:
    """A PDF written by hand: one Helvetica text line per string, one page per list."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for lines in pages:
        shown = " ".join(f"({line.replace(chr(92), '').replace('(', '[').replace(')', ']')}) Tj T*" for line in lines)
        stream = f"BT /F1 11 Tf 50 750 Td 14 TL {shown} ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       f"/Resources << /Font << /F1 3 0 R >> >> /Contents {len(objects)} 0 R >>")
        kids.append(len(objects))
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{kid} 0 R' for kid in kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def encrypted(pdf: bytes, password: str = "secret") -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def reprint(text: str) -> str:
    """The same wire story as another outlet runs it: a new headline and a few words edited."""
    title, *body = paragraphs(text)
    edited = "\n\n".join(body)
    for old, new in (("More than 2,000 civilians", "Over 2,000 civilians"), ("pick-up trucks", "pickup trucks"),
                     ("steady since", "constant since"), ("hungry, dehydrated", "exhausted, dehydrated")):
        assert old in edited
        edited = edited.replace(old, new, 1)
    return "Exodus from last ISIL enclave swells Syria's largest camp\n\n" + edited


UNRELATED = """Harvest season begins early in the southern valleys

Farmers across the southern valleys began cutting wheat two weeks earlier than usual this year after a warm,
dry spring, agricultural officials said on Monday.

The early start has raised hopes of a second planting of vegetables before the autumn rains, though some growers
worry that the grain is lighter than in previous seasons and that prices at the regional markets will fall.

Cooperatives in the area said they had hired extra drivers and repaired the old storage depots near the railway,
and that the first lorries of grain were expected at the mills by the end of the week."""


#: bytes no reader takes: a binary header and zeros
UNREADABLE_NOTE = b"\x7fELF\x02\x01\x01" + bytes(512)
