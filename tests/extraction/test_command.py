"""``manage.py extract_records``: an article file in, proposals out, with the places and organizations of the
database (the reference fixture)."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tracker.choices import LocationLevel
from tracker.extraction import RULES_VERSION, Gazetteer
from tracker.models import Location, LocationName

pytestmark = pytest.mark.django_db

ARTICLE = (
    "Thousands flee Baghouz as SDF resumes assault\n\n"
    "More than 3,000 civilians have fled Al-Baghuz Fawqani since Saturday, the Syrian Democratic Forces said.\n\n"
    "Aid agencies in Deir ez-Zor are struggling to cope, according to Save the Children. Some 500 Daesh "
    "fighters surrendered to the SDF on Friday.\n\n"
    "Thousands more could flee if the fighting spreads, and 40 people were killed in air strikes."
)
HTML = f"""<!doctype html>
<html lang="en"><head>
<title>Thousands flee Baghouz as SDF resumes assault</title>
<meta property="article:published_time" content="2019-03-10T09:00:00Z">
<meta name="author" content="A. Reporter">
</head><body><article>
<h1>Thousands flee Baghouz as SDF resumes assault</h1>
{"".join(f"<p>{paragraph}</p>" for paragraph in ARTICLE.split(chr(10) + chr(10))[1:])}
</article></body></html>"""


@pytest.fixture
def reference(db):
    call_command("loaddata", "reference", verbosity=0)


def run(*args) -> str:
    out = StringIO()
    call_command("extract_records", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_text_file_gives_its_proposals_as_json_with_places_and_organizations_from_the_database(reference, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    proposals = json.loads(run(str(path), "--published", "2019-03-10", "--format", "json"))
    assert [(p["kind"], p["quantifier"], p["reported_value"], p["strain"]) for p in proposals] == [
        ("displacement", "more_than", 3000, None),
        ("aid_capacity", None, None, "strained"),
        ("surrender", "approximately", 500, None),
    ]
    fled, aid, surrender = proposals
    assert fled["location"]["name"] == "Baghouz"  # by its alias Al-Baghuz Fawqani
    assert fled["attributed_to"] == {"id": fled["attributed_to"]["id"], "name": "Syrian Democratic Forces",
                                     "is_party": True}
    assert (fled["start_date"], fled["end_date"]) == ("2019-03-09", "2019-03-10")
    assert aid["location"]["name"] == "Deir-ez-Zor" and aid["attributed_to"]["name"] == "Save the Children"
    assert surrender["surrendering_group"]["name"] == "Islamic State of Iraq and the Levant"  # Daesh
    assert surrender["start_date"] == "2019-03-08"
    text = path.read_text(encoding="utf-8")
    for proposal in proposals:
        assert text[proposal["excerpt_start"]:proposal["excerpt_end"]] == proposal["excerpt"]
        assert proposal["rules_version"] == RULES_VERSION


def test_an_html_page_gives_the_same_proposals_dated_from_its_metadata(reference, tmp_path):
    path = tmp_path / "article.html"
    path.write_text(HTML, encoding="utf-8")
    proposals = json.loads(run(str(path)))
    assert [(p["kind"], p["reported_value"]) for p in proposals] == [
        ("displacement", 3000), ("aid_capacity", None), ("surrender", 500)]
    assert proposals[0]["end_date"] == "2019-03-10"
    assert proposals[0]["location"]["name"] == "Baghouz"


def test_the_gazetteer_of_thousands_of_places_loads_in_four_queries_and_well_under_five_seconds(
    reference, django_assert_num_queries
):
    # Test data only: the gazetteer reads names, so the places' derived columns do not matter here.
    places = Location.objects.bulk_create(
        Location(name=f"Village {number:04d}", level=LocationLevel.LOCALITY) for number in range(3000)
    )
    LocationName.objects.bulk_create(LocationName(location=place, name=f"Qaryat {place.name[8:]}") for place in places)
    started = time.perf_counter()
    with django_assert_num_queries(4):
        gazetteer = Gazetteer.from_database()
    assert time.perf_counter() - started < 2
    (mention,) = gazetteer.mentions("Some 300 families fled Qaryat 1234 on Sunday.")
    assert gazetteer.places[mention.id].name == "Village 1234"


def test_the_text_format_is_a_readable_table(reference, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    table = run(str(path), "--published", "2019-03-10", "--format", "text")
    assert "more_than" in table and "Baghouz" in table and "3 proposal(s)" in table


def test_a_text_file_without_a_date_asks_for_one(reference, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    with pytest.raises(CommandError, match="--published YYYY-MM-DD"):
        run(str(path))
    with pytest.raises(CommandError, match="not a date"):
        run(str(path), "--published", "10/03/2019")


def test_a_missing_or_unreadable_file_is_a_clear_error(reference, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nowhere.txt"), "--published", "2019-03-10")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run(str(empty), "--published", "2019-03-10")


def test_another_language_gets_the_notice_and_no_proposals(reference, tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("extract_records", str(path), "--published", "2019-03-10", "--language", "ar", stdout=out,
                 stderr=err)
    assert json.loads(out.getvalue()) == []
    assert "English only" in err.getvalue()
