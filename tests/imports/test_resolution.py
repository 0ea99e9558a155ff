"""Names in a sheet resolved to rows (places, organizations, sources), HXL hashtags and a team's own headers
read as our columns, and a sheet that names no source stored as the source of its rows."""

from __future__ import annotations

import pytest

from tests.factories import LocalityFactory
from tests.imports.conftest import EXCERPTS, HEADER, counts, csv_bytes, errors_of, row, run
from tracker.choices import SourceKind
from tracker.imports.headers import save_mapping
from tracker.imports.spec import import_columns
from tracker.models import DisplacementFigure, ImportMapping, LocationName, OrganizationAlias, Source


def one(world, data: bytes, **options) -> DisplacementFigure:
    result = run("displacement", data, world.analyst, **options)
    assert result.written, result.error_lines()
    return DisplacementFigure.objects.get(pk=result.rows[0].object_id)


def with_columns(source, **cells) -> bytes:
    """A one-row file: the standard row with columns replaced, added, or (value None) removed."""
    values = dict(zip(HEADER, row(source), strict=True))
    values.update(cells)
    values = {name: value for name, value in values.items() if value is not None}
    return csv_bytes([list(values), list(values.values())])


# --- places ---------------------------------------------------------------------------------------------------


def test_a_place_by_pcode(world):
    figure = one(world, with_columns(world.source, location_name=None, location_pcode="sy09"))
    assert figure.location == world.places.deir_ez_zor


def test_a_place_by_name_within_its_country(world):
    LocalityFactory(name="Baghouz", parent=world.places.anbar)  # a namesake in Iraq
    figure = one(world, with_columns(world.source, location_name="baghouz"))
    assert figure.location == world.places.baghouz


def test_a_place_by_its_alternate_name(world):
    LocationName.objects.create(location=world.places.baghouz, name="الباغوز", language="ar")
    assert one(world, with_columns(world.source, location_name="الباغوز")).location == world.places.baghouz


def test_an_ambiguous_place_lists_the_candidates(world):
    other = LocalityFactory(name="Baghouz", parent=world.places.hasakeh)
    before = counts()
    result = run("displacement", with_columns(world.source), world.analyst)
    [message] = errors_of(result)[2]["location_name"]
    assert message.startswith("'Baghouz' names 2 places in Syria: ")
    assert f"#{world.places.baghouz.pk} Baghouz (locality, Abu Kamal)" in message
    assert f"#{other.pk} Baghouz (locality, Al-Hasakeh)" in message
    assert message.endswith("Give the place's P-code or id.")
    assert counts() == before


def test_the_same_name_in_two_countries_without_a_country_asks_for_it(world):
    LocalityFactory(name="Baghouz", parent=world.places.anbar)
    result = run("displacement", with_columns(world.source, country_iso3=None), world.analyst)
    assert errors_of(result)[2]["location_name"][0].endswith(
        "Give the place's P-code or id, or its country's ISO3 code.")


def test_an_unknown_place_lists_places_with_a_similar_name(world):
    result = run("displacement", with_columns(world.source, location_name="Bagouz"), world.analyst)
    [message] = errors_of(result)[2]["location_name"]
    assert message.startswith("No place is named 'Bagouz' in Syria. Places with a similar name: ")
    assert f"#{world.places.baghouz.pk} Baghouz" in message


def test_an_unknown_pcode_and_country(world):
    result = run("displacement", with_columns(world.source, location_name=None, location_pcode="SY0999"),
                 world.analyst)
    assert errors_of(result)[2]["location_pcode"][0].startswith("No place has the P-code 'SY0999'. Codes close "
                                                                "to it: ")
    result = run("displacement", with_columns(world.source, country_iso3="XYZ"), world.analyst)
    assert errors_of(result) == {2: {"country_iso3": ["No country has the code 'XYZ' (ISO 3166 alpha-3, e.g. SYR)."]}}


def test_the_most_exact_place_column_wins(world):
    figure = one(world, with_columns(world.source, location_pcode="SY08", location_name="Baghouz"))
    assert figure.location == world.places.hasakeh


# --- organizations and sources --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SDF", "sdf", "Syrian Democratic Forces", "Quwwat Suriya al-Dimuqratiya"])
def test_an_organization_by_name_acronym_or_alias(world, name):
    OrganizationAlias.objects.create(organization=world.sdf, name="Quwwat Suriya al-Dimuqratiya")
    figure = one(world, with_columns(world.source, attributed_to=name, cited_sources="UNHCR; sdf"))
    assert figure.attributed_to == world.sdf
    assert set(figure.cited_sources.all()) == {world.unhcr, world.sdf}


def test_an_unknown_organization_lists_similar_names(world):
    result = run("displacement", with_columns(world.source, attributed_to="Syrian Democratic Front"), world.analyst)
    [message] = errors_of(result)[2]["attributed_to"]
    assert message.startswith("No organization is named 'Syrian Democratic Front'. Organizations with a similar "
                              f"name: #{world.sdf.pk} Syrian Democratic Forces")


@pytest.mark.parametrize("url", [
    "http://www.news.example.org/story?utm_source=twitter&fbclid=abc",
    "HTTPS://news.example.org/story#comments",
])
def test_a_source_by_its_url_compared_normalised(world, url):
    world.source.url = "https://news.example.org/story"
    world.source.save()
    figure = one(world, with_columns(world.source, source_id=None, source_url=url))
    assert figure.source == world.source


def test_an_unknown_source_url_is_an_error(world):
    result = run("displacement", with_columns(world.source, source_id=None, source_url="https://elsewhere.example/x"),
                 world.analyst)
    assert errors_of(result)[2]["source_url"][0].startswith("No source has the URL https://elsewhere.example/x")


# --- HXL and a team's own headers ------------------------------------------------------------------------------


def hashtags(names: list[str]) -> list[str]:
    tag = {column.name: column.hxl for column in import_columns("displacement")}
    return [tag[name] for name in names]


def test_an_hxl_csv_with_a_hashtag_row_under_its_headers(world):
    headers = ["Type", "Flow", "Qualifier", "Number", "Unit", "Role", "Country", "Place", "From", "To", "Source",
               "Quote"]
    data = csv_bytes([headers, hashtags(HEADER), row(world.source)])
    result = run("displacement", data, world.analyst)
    assert result.written and result.format == "hxl", result.error_lines()
    assert {match.how for match in result.headers} == {"hxl"}
    figure = DisplacementFigure.objects.get()
    assert (figure.location, figure.reported_value) == (world.places.baghouz, 4000)


def test_an_hxl_csv_of_hashtags_only_with_extra_hashtags_ignored(world):
    data = csv_bytes([[*hashtags(HEADER), "#org+impl"], [*row(world.source), "REACH"]])
    result = run("displacement", data, world.analyst)
    assert result.written, result.error_lines()
    assert "Ignored column: #org+impl." in result.notes
    assert DisplacementFigure.objects.get().location == world.places.baghouz


def test_hashtag_attributes_in_another_order_match(world):
    tags = hashtags(HEADER)
    tags[HEADER.index("location_name")] = "#loc +name"
    tags[HEADER.index("start_date")] = "#date+start+v_iso"  # an attribute of theirs we do not use
    result = run("displacement", csv_bytes([tags, row(world.source)]), world.analyst)
    assert result.written, result.error_lines()


def test_a_saved_mapping_reads_the_next_file(world):
    theirs = ["Lieu" if name == "location_name" else name for name in HEADER] + ["Commentaire"]
    data = csv_bytes([theirs, [*row(world.source), "vu par l'équipe"]])
    assert "Unknown column" in run("displacement", data, world.analyst).file_errors[0]

    save_mapping("displacement", {"Lieu": "location_name", "Commentaire": ""}, world.analyst)
    assert ImportMapping.objects.filter(kind="displacement").count() == 2
    result = run("displacement", data, world.analyst)
    assert result.written, result.error_lines()
    assert [(m.header, m.how) for m in result.headers if m.how != "name"] == [("Lieu", "mapping"),
                                                                            ("Commentaire", "ignored")]
    assert DisplacementFigure.objects.get().location == world.places.baghouz


def test_a_mapping_to_a_column_we_do_not_have_is_refused(world):
    theirs = ["Lieu" if name == "location_name" else name for name in HEADER]
    result = run("displacement", csv_bytes([theirs, row(world.source)]), world.analyst,
                 mapping={"Lieu": "place"})
    assert result.file_errors == ["The mapping of 'Lieu' names 'place', which is not one of our columns."]


# --- the file as its rows' source ------------------------------------------------------------------------------


def sheet_without_sources() -> list[list[str]]:
    header = ["term", "quantifier", "reported_value", "country_iso3", "location_name", "start_date", "end_date"]
    return [header,
            ["fled", "exact", "4000", "SYR", "Baghouz", "2019-03-03", "2019-03-10"],
            ["returned", "approximately", "1200", "SYR", "Al-Hasakeh", "2019-04-01", "2019-04-30"]]


def test_a_sheet_naming_no_source_becomes_the_source_and_each_excerpt_its_line(world):
    data = csv_bytes(sheet_without_sources())
    result = run("displacement", data, world.analyst, name="hdx_displacement.csv", publisher="UNHCR")
    assert result.written, result.error_lines()
    source = Source.objects.get(kind=SourceKind.DATASET)
    assert result.source == source and result.batch.source == source
    assert (source.title, source.publisher, source.text_may_be_kept) == ("hdx_displacement.csv", world.unhcr, True)
    lines = source.text.split("\n")
    assert lines[0] == "term,quantifier,reported_value,country_iso3,location_name,start_date,end_date"
    for figure in DisplacementFigure.objects.order_by("pk"):
        assert figure.source == source
        assert source.text[figure.excerpt_start:figure.excerpt_end] == figure.excerpt
        assert figure.excerpt in lines
    excerpts = [f.excerpt for f in DisplacementFigure.objects.order_by("pk")]
    assert excerpts == ["fled,exact,4000,SYR,Baghouz,2019-03-03,2019-03-10",
                        "returned,approximately,1200,SYR,Al-Hasakeh,2019-04-01,2019-04-30"]
    assert [(item.model, item.action) for item in result.batch.items.all()] == [
        ("source", "created"), ("displacementfigure", "created"), ("displacementfigure", "created")]

    again = run("displacement", data, world.analyst, name="copy.csv")  # no publisher needed: the source is stored
    assert again.written, again.error_lines()
    assert again.source == source and Source.objects.filter(kind=SourceKind.DATASET).count() == 1


def test_a_sheet_naming_no_source_needs_its_publisher(world):
    before = counts()
    result = run("displacement", csv_bytes(sheet_without_sources()), world.analyst)
    assert result.file_errors == ["The rows name no source, so the file itself becomes their source: say who "
                                  "published it (publisher)."]
    result = run("displacement", csv_bytes(sheet_without_sources()), world.analyst, publisher="Nobody Known")
    assert result.file_errors[0].startswith("Publisher: No organization is named 'Nobody Known'.")
    assert counts() == before


def test_a_sheet_as_source_from_xlsx_renders_dates_and_numbers_as_csv(world):
    from datetime import date

    from tests.imports.conftest import xlsx_bytes

    table = sheet_without_sources()
    table[1][2], table[1][5], table[1][6] = 4000, date(2019, 3, 3), date(2019, 3, 10)
    result = run("displacement", xlsx_bytes(table), world.analyst, name="sheet.xlsx", publisher="UNHCR")
    assert result.written, result.error_lines()
    figure = DisplacementFigure.objects.get(reported_value=4000)
    assert figure.excerpt == "fled,exact,4000,SYR,Baghouz,2019-03-03,2019-03-10"
    assert figure.source.text[figure.excerpt_start:figure.excerpt_end] == figure.excerpt


def test_a_row_naming_its_own_excerpt_keeps_it(world):
    data = with_columns(world.source, excerpt=EXCERPTS[1])
    assert one(world, data).excerpt == EXCERPTS[1]


def test_rows_of_an_hxl_file_are_numbered_as_the_spreadsheet_shows_them(world):
    data = csv_bytes([HEADER, hashtags(HEADER), row(world.source), row(world.source, location_name="Nowhere")])
    result = run("displacement", data, world.analyst)
    assert list(errors_of(result)) == [4]


def test_mapping_one_of_our_own_columns_applies_to_that_file_only(world):
    data = csv_bytes([[*HEADER, "notes"], [*row(world.source), "Not for the database."]])
    result = run("displacement", data, world.analyst, mapping={"notes": ""})
    assert result.written and "Ignored column: notes." in result.notes
    assert DisplacementFigure.objects.get().notes == ""

    save_mapping("displacement", {"notes": "", "ID": "", "Lieu": "location_name"}, world.analyst)
    assert list(ImportMapping.objects.values_list("header", "column")) == [("lieu", "location_name")]
