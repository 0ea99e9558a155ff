"""Reading an article out of a pasted text, an HTML page, a PDF or a text file; refusing what holds none."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from tests.intake.helpers import article_page, demo_article, encrypted, make_pdf, paragraphs
from tracker.choices import IntakeFormat
from tracker.intake import IntakeError, read_pasted, read_upload


def test_an_html_page_gives_the_article_without_its_boilerplate_and_with_its_metadata():
    text = demo_article()
    read = read_upload(article_page(text), "saved-page.html", "text/html")
    assert read.format == IntakeFormat.HTML
    assert read.text == text  # headline and paragraphs, paragraph breaks kept
    for boilerplate in ("cookies", "Related stories", "Copyright", "Privacy policy", "Business"):
        assert boilerplate not in read.text
    assert (read.title, read.author, read.site, read.url, read.publication_date, read.language) == (
        paragraphs(text)[0], "Jane Roe", "Reuters", "https://wire.example.org/2019/03/14/baghouz",
        datetime.date(2019, 3, 14), "en")


def test_the_type_is_sniffed_from_the_bytes_not_the_name():
    text = demo_article()
    assert read_upload(article_page(text), "article.txt", "text/plain").format == IntakeFormat.HTML
    pdf = make_pdf([["More than 2,000 civilians fled Baghouz on Wednesday."]])
    assert read_upload(pdf, "article.html", "text/html").format == IntakeFormat.PDF


def test_a_pdf_gives_its_text_page_by_page():
    pdf = make_pdf([
        ["Thousands more leave Baghouz", "More than 2,000 civilians fled on Wednesday."],
        ["Some 3,500 people arrived at Al-Hol camp in the past 48 hours."],
    ])
    read = read_upload(pdf, "report.pdf", "application/pdf")
    assert read.format == IntakeFormat.PDF
    assert read.text == ("Thousands more leave Baghouz\nMore than 2,000 civilians fled on Wednesday.\n\n"
                         "Some 3,500 people arrived at Al-Hol camp in the past 48 hours.")


def test_a_text_file_is_read_as_utf8_with_or_without_its_mark():
    text = "Al-\u1e24awl camp\r\n\r\n\r\nSome 3,500  people arrived."
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        read = read_upload(data, "article.txt", "text/plain")
        assert (read.text, read.format) == ("Al-\u1e24awl camp\n\nSome 3,500 people arrived.", IntakeFormat.TEXT_FILE)


def test_pasted_text_is_normalised():
    assert read_pasted("  x  \r\n\r\n\r\ny ").text == " x\n\ny"
    assert read_pasted("x").format == IntakeFormat.PASTED


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "empty.txt", "The file is empty."),
    (b"  \n\t\n", "blank.txt", "The file is empty."),
    (bytes(range(256)) * 40, "junk.bin", "not a text file, an HTML page or a PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(2000), "photo.png", "not a text file, an HTML page or a PDF"),
    (b"%PDF-1.7\n1 0 obj <<>> broken", "broken.pdf", "This PDF cannot be read"),
    ("Fran\u00e7ais: d\u00e9plac\u00e9s \u00e0 Hassak\u00e9".encode("latin-1") * 20, "latin.txt", "not UTF-8"),
    (b"<html><body><nav>Home</nav></body></html>", "empty.html", "No article text was found in this page"),
])
def test_files_without_an_article_are_refused_with_a_clear_message(data, name, message):
    with pytest.raises(IntakeError) as refused:
        read_upload(data, name, None)
    assert message in refused.value.message and refused.value.field == "file"


def test_an_encrypted_pdf_is_refused_naming_the_password():
    pdf = encrypted(make_pdf([["More than 2,000 civilians fled on Wednesday."]]))
    with pytest.raises(IntakeError, match="protected by a password"):
        read_upload(pdf, "locked.pdf", "application/pdf")


@override_settings(SOURCE_UPLOAD_MAX_BYTES=1000)
def test_an_oversized_file_is_refused_naming_the_limit():
    with pytest.raises(IntakeError, match="too large"):
        read_upload(b"x " * 600, "long.txt", "text/plain")


def test_empty_pasted_text_is_refused_on_the_text_field():
    with pytest.raises(IntakeError) as refused:
        read_pasted(" \r\n\t ")
    assert refused.value.field == "text"


def test_an_html_page_in_its_own_charset_is_read_by_it():
    text = demo_article().replace("Thousands more", "D\u00e9plac\u00e9s: thousands more", 1)
    page = article_page(text).replace(b'charset="utf-8"', b'charset="windows-1252"').decode().encode("cp1252")
    assert read_upload(page, "page.html", "text/html").text == text
