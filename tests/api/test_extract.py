"""``POST /api/v1/extract/``: analysts read proposals from a stored source or an uploaded file; nothing is saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import API
from tests.factories import OrganizationFactory, SourceFactory
from tracker.choices import OrganizationKind
from tracker.models import DisplacementFigure, Proposal, Source

URL = f"{API}/extract/"

# Written for this test in the project's own words.
TEXT = (
    "Families leave Baghouz as fighting resumes\n\n"
    "More than 3,000 civilians fled Baghouz on Saturday, the SDF said.\n\n"
    "Aid workers said a further 500 people could leave in the coming days if the routes stay open."
)
KEYS = {
    "kind", "term", "quantifier", "reported_value", "reported_value_max", "magnitude_word", "unit",
    "reported_phrase", "excerpt", "excerpt_start", "excerpt_end", "start_date", "end_date", "location",
    "attributed_to", "strain", "sector", "confidence", "rules_version",
}


@pytest.fixture
def stored(places, db):
    OrganizationFactory(name="Syrian Democratic Forces", acronym="SDF", kind=OrganizationKind.ARMED_GROUP)
    return SourceFactory(text=TEXT, text_may_be_kept=True, publication_date=date(2019, 3, 10))


def test_an_analyst_reads_a_stored_source_and_nothing_is_saved(analyst_client, stored):
    before = (Source.objects.count(), DisplacementFigure.objects.count(), Proposal.objects.count())
    response = analyst_client.post(URL, {"source": stored.pk}, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["source"] == stored.pk and answer["published"] == "2019-03-10" and answer["notice"] is None
    [fled] = answer["proposals"]  # the forecast ("could leave ... if") is not a counted fact
    assert KEYS <= set(fled)
    assert (fled["kind"], fled["term"], fled["quantifier"], fled["reported_value"], fled["unit"]) == (
        "displacement", "fled", "more_than", 3000, "persons")
    assert TEXT[fled["excerpt_start"]:fled["excerpt_end"]] == fled["excerpt"]
    assert fled["location"]["name"] == "Baghouz"
    assert fled["attributed_to"]["name"] == "Syrian Democratic Forces"
    assert (fled["start_date"], fled["end_date"]) == ("2019-03-09", "2019-03-09")
    assert fled["rules_version"] == answer["rules_version"]
    assert (Source.objects.count(), DisplacementFigure.objects.count(), Proposal.objects.count()) == before


def test_an_uploaded_file_is_read_with_the_date_given(analyst_client, places, db):
    upload = SimpleUploadedFile("report.txt", TEXT.encode(), content_type="text/plain")
    response = analyst_client.post(URL, {"file": upload, "published": "2019-03-10"}, format="multipart")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["source"] is None
    assert [p["reported_value"] for p in answer["proposals"]] == [3000]
    assert Source.objects.count() == 0


def test_an_html_page_brings_its_own_publication_date(analyst_client, places, db):
    page = (
        "<html><head><title>Families leave Baghouz</title>"
        '<meta property="article:published_time" content="2019-03-10T08:00:00Z"></head>'
        "<body><nav>Home | World | Sport</nav><article><h1>Families leave Baghouz</h1>"
        + "".join(f"<p>{paragraph}</p>" for paragraph in TEXT.split("\n\n")[1:])
        + "</article><footer>Copyright the publisher</footer></body></html>"
    )
    upload = SimpleUploadedFile("page.html", page.encode(), content_type="text/html")
    response = analyst_client.post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["published"] == "2019-03-10"
    assert [p["reported_value"] for p in response.json()["proposals"]] == [3000]


def test_another_language_gets_a_notice_and_no_proposals(analyst_client, places, db):
    source = SourceFactory(text="Plus de 3 000 civils ont fui Baghouz samedi.", language="fr",
                           text_may_be_kept=True)
    answer = analyst_client.post(URL, {"source": source.pk}, format="json").json()
    assert answer["proposals"] == [] and "English" in answer["notice"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "source"),
        ({"source": "one"}, "source"),
        ({"source": True}, "source"),
        ({"source": 10**30}, "source"),
        ({"source": 1, "text": "x"}, "text"),
    ],
)
def test_a_bad_body_is_a_field_level_400(analyst_client, stored, body, field):
    response = analyst_client.post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content


def test_a_source_without_text_or_unknown_is_a_400_that_says_why(analyst_client, stored, db):
    bare = SourceFactory()
    response = analyst_client.post(URL, {"source": bare.pk}, format="json")
    assert response.status_code == 400 and "no stored text" in response.json()["source"][0]
    response = analyst_client.post(URL, {"source": bare.pk + 1000}, format="json")
    assert response.status_code == 400 and f"#{bare.pk + 1000}" in response.json()["source"][0]


def test_an_empty_or_unreadable_file_is_a_400_on_the_file(analyst_client, db):
    for name, content in (("empty.txt", b""), ("junk.pdf", b"%PDF-1.7 this is not a PDF at all")):
        upload = SimpleUploadedFile(name, content)
        response = analyst_client.post(URL, {"file": upload, "published": "2019-03-10"}, format="multipart")
        assert response.status_code == 400 and response.json()["file"], (name, response.content)
    upload = SimpleUploadedFile("report.txt", TEXT.encode())
    response = analyst_client.post(URL, {"file": upload, "published": "10/03/2019"}, format="multipart")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.json()["published"][0]


def test_keys_and_strangers_are_refused(key_client, anonymous_client, stored):
    assert key_client.post(URL, {"source": stored.pk}, format="json").status_code == 403
    assert anonymous_client.post(URL, {"source": stored.pk}, format="json").status_code == 401
    assert key_client.get(URL).status_code in (403, 405)


def test_a_confidential_source_is_read_only_by_those_who_see_it(analyst_client, stored):
    stored.is_confidential = True
    stored.save()
    # Staff see confidential sources in the admin, so the analyst reads it; the rule is the audience's.
    assert analyst_client.post(URL, {"source": stored.pk}, format="json").status_code == 200


def test_an_oversized_upload_is_a_413_before_it_is_read(analyst_client, db, settings):
    settings.SOURCE_UPLOAD_MAX_BYTES = 1000
    upload = SimpleUploadedFile("long.txt", b"word " * 100_000)
    response = analyst_client.post(URL, {"file": upload, "published": "2019-03-10"}, format="multipart")
    assert response.status_code == 413 and "MB" in response.json()["detail"]
