"""The checks every API resource passes: subclass :class:`ResourceContract` and say what the world holds.

List and detail, anonymous and forbidden callers, what a key may see in every
format, pagination, the licence, unknown parameters and a query count that does
not grow with the page size.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from geojson_pydantic import FeatureCollection

from tests.api.conftest import API, body, client_with, csv_rows, geojson, hxl_rows, list_ids, make_key, xlsx_rows

FORMATS = ["json", "csv", "hxl", "xlsx", "geojson"]
EXPORT_FORMATS = ["csv", "hxl", "xlsx", "geojson"]


def ids_in(response, fmt: str) -> list[int]:
    """The record ids a list response holds, read the way a client of that format would."""
    assert response.status_code == 200, body(response)[:500]
    if fmt == "json":
        return [item["id"] for item in response.json()["results"]]
    if fmt == "csv":
        return [int(row["id"]) for row in csv_rows(response)]
    if fmt == "hxl":
        columns, rows = hxl_rows(response)
        id_tag = next(tag for tag in columns if tag.endswith("+id") and tag.split("+")[0] in (
            "#meta", "#org", "#loc", "#event"))
        return [int(row.get(id_tag)) for row in rows]
    if fmt == "xlsx":
        return [int(row["id"]) for row in xlsx_rows(response)]
    if fmt == "geojson":
        data = geojson(response)
        FeatureCollection.model_validate(data)
        return [feature["id"] for feature in data["features"]]
    raise AssertionError(fmt)


class ResourceContract:
    """Subclasses set ``resource`` and implement ``visible``, ``hidden`` and ``add_visible``."""

    resource = ""

    def visible(self, world) -> set[int]:
        raise NotImplementedError

    def hidden(self, world) -> set[int]:
        return set()

    def add_visible(self, world, count: int) -> None:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"{API}/{self.resource}/"

    def detail(self, pk: int) -> str:
        return f"{self.url}{pk}/"

    # --- who may call ---
    def test_anonymous_callers_are_refused_in_every_format(self, world, anonymous_client):
        pk = min(self.visible(world))
        for fmt in FORMATS:
            for url in (self.url, self.detail(pk)):
                response = anonymous_client.get(url, {"format": fmt})
                assert response.status_code == 401, (url, fmt)
                assert response["Content-Type"].startswith("application/json")
                assert response["WWW-Authenticate"].startswith("Api-Key")

    def test_unknown_revoked_and_expired_keys_are_refused(self, world):
        revoked, revoked_raw = make_key(name="revoked")
        revoked.revoked = True
        revoked.save()
        _, expired_raw = make_key(name="expired", expiry_date=timezone.now() - timezone.timedelta(minutes=1))
        valid, valid_raw = make_key(name="valid")
        wrong_secret = valid_raw.split(".")[0] + ".not-the-secret"
        for header in (f"Api-Key {revoked_raw}", f"Api-Key {expired_raw}", f"Api-Key {wrong_secret}", "Api-Key ",
                       "Api-Key nonsense"):
            response = client_with(header).get(self.url)
            assert response.status_code == 401, header
        assert client_with(f"Api-Key {valid_raw}").get(self.url).status_code == 200

    def test_accounts_that_are_not_staff_are_refused(self, world, other_user):
        from tests.api.conftest import token_client

        assert token_client(other_user).get(self.url).status_code == 403

    def test_keys_only_read(self, world, key_client):
        pk = min(self.visible(world))
        assert key_client.post(self.url, {}, format="json").status_code == 403
        for method in (key_client.put, key_client.patch, key_client.delete):
            response = method(self.detail(pk), {}, format="json", HTTP_IF_MATCH="*")
            assert response.status_code == 403
            assert "only read" in response.json()["detail"]

    # --- what a key sees ---
    def test_a_key_sees_exactly_the_visible_records_in_every_format(self, world, key_client):
        for fmt in FORMATS:
            params = {"format": fmt, "page_size": 1000}
            assert set(ids_in(key_client.get(self.url, params), fmt)) == self.visible(world), fmt

    def test_hidden_records_are_not_found_for_a_key_in_any_format(self, world, key_client):
        for fmt in FORMATS:
            for pk in self.hidden(world):
                response = key_client.get(self.detail(pk), {"format": fmt})
                assert response.status_code == 404, (pk, fmt)
                assert response["Content-Type"].startswith("application/json")
            for pk in self.visible(world):
                response = key_client.get(self.detail(pk), {"format": fmt})
                assert response.status_code == 200, (pk, fmt)

    def test_staff_see_every_record(self, world, staff_client):
        assert set(list_ids(staff_client, self.resource)) >= self.visible(world) | self.hidden(world)

    def test_a_detail_carries_its_version_as_etag(self, world, key_client):
        pk = min(self.visible(world))
        response = key_client.get(self.detail(pk))
        assert response.status_code == 200
        assert response["ETag"] == f'"{response.json()["version"]}"'

    # --- pages, formats, licence ---
    def test_pages_walk_every_row_once_in_a_stable_order(self, world, key_client):
        self.add_visible(world, 3)
        everything = ids_in(key_client.get(self.url, {"page_size": 1000}), "json")
        walked = list_ids(key_client, self.resource, page_size=2)
        assert walked == everything
        assert len(set(walked)) == len(walked) >= 4

    def test_the_query_count_does_not_grow_with_the_page_size(self, world, key_client):
        self.add_visible(world, 4)
        counts = {}
        for size in (1, 3, 50):
            with CaptureQueriesContext(connection) as queries:
                response = key_client.get(self.url, {"page_size": size})
            assert response.status_code == 200
            counts[size] = len(queries)
        assert counts[1] == counts[3] == counts[50], counts
        with CaptureQueriesContext(connection) as few:
            body(key_client.get(self.url, {"format": "csv", "page_size": 1}))
        self.add_visible(world, 4)
        with CaptureQueriesContext(connection) as many:
            body(key_client.get(self.url, {"format": "csv"}))
        assert len(few) == len(many), "exports run a constant number of queries"

    def test_every_format_states_the_data_licence(self, world, key_client):
        for fmt in FORMATS:
            response = key_client.get(self.url, {"format": fmt})
            assert response["X-Data-License"] == settings.DATA_LICENSE
            if fmt in ("json", "geojson"):
                assert json.loads(body(response))["license"] == settings.DATA_LICENSE
            if fmt != "json":
                assert "attachment" in response["Content-Disposition"]

    def test_geojson_is_valid_rfc_7946(self, world, key_client):
        data = geojson(key_client.get(self.url, {"format": "geojson"}))
        collection = FeatureCollection.model_validate(data)
        assert len(collection.features) == len(self.visible(world))
        for feature in data["features"]:
            geometry = feature["geometry"]
            if geometry is not None:
                longitude, latitude = geometry["coordinates"]
                assert -180 <= longitude <= 180 and -90 <= latitude <= 90

    def test_hxl_has_a_hashtag_row_under_the_header(self, world, key_client):
        response = key_client.get(self.url, {"format": "hxl"})
        header, hashtags = body(response).decode().splitlines()[:2]
        assert len(header.split(",")) == len(hashtags.split(","))
        assert all(tag.startswith("#") for tag in hashtags.split(","))
        columns, rows = hxl_rows(response)
        assert len(rows) == len(self.visible(world))

    def test_an_unknown_parameter_is_a_400_naming_it(self, world, key_client):
        for fmt in ("json", "csv"):
            response = key_client.get(self.url, {"format": fmt, "updated_sinse": "2019-01-01"})
            assert response.status_code == 400
            assert "updated_sinse" in response.json()
        for fmt in ("pdf", "", " "):
            response = key_client.get(self.url, {"format": fmt})
            assert response.status_code == 400 and "format" in response.json(), fmt
        response = key_client.get(self.detail(min(self.visible(world))), {"q": "x"})
        assert response.status_code == 400 and "q" in response.json()

    def test_updated_since_returns_only_later_changes(self, world, key_client):
        later = timezone.now() + timezone.timedelta(seconds=1)
        assert ids_in(key_client.get(self.url, {"updated_since": later.isoformat().replace("+00:00", "Z")}),
                      "json") == []
        assert set(ids_in(key_client.get(self.url, {"updated_since": "2000-01-01T00:00:00Z"}), "json")) == \
            self.visible(world)


class WriteContract:
    """The checks every writable resource passes: subclass, set ``resource`` and ``model``, and say what a valid
    body is (``payload``), a change to it (``change``) and a field-level refusal (``bad``: field, value).

    A create lands through the services (a history row names the analyst); an update needs the current ETag
    (none or ``*``: 428, a stale one: 412); a key cannot write (403); a bad body is a 400 naming the field and
    saves nothing.
    """

    resource = ""
    model: type
    change: dict = {"notes": "Checked against the original."}
    bad: tuple[str, object] = ("", None)

    def payload(self, places, source) -> dict:
        raise NotImplementedError

    @property
    def url(self) -> str:
        return f"{API}/{self.resource}/"

    def create(self, client, places, source):
        response = client.post(self.url, self.payload(places, source), format="json")
        assert response.status_code == 201, body(response)[:500]
        return response

    def test_a_create_lands_through_the_services_with_its_history(self, analyst_client, places, source):
        response = self.create(analyst_client, places, source)
        row = self.model.objects.get(pk=response.json()["id"])
        assert row.history.first().history_user.username == "analyst"
        assert response["ETag"] == f'"{row.version}"'

    def test_an_update_needs_the_current_version(self, analyst_client, places, source):
        created = self.create(analyst_client, places, source)
        url = created["Location"]
        assert analyst_client.patch(url, self.change, format="json").status_code == 428
        assert analyst_client.patch(url, self.change, format="json", HTTP_IF_MATCH="*").status_code == 428
        updated = analyst_client.patch(url, self.change, format="json", HTTP_IF_MATCH=created["ETag"])
        assert updated.status_code == 200, body(updated)[:500]
        stale = analyst_client.patch(url, self.change, format="json", HTTP_IF_MATCH=created["ETag"])
        assert stale.status_code == 412
        row = self.model.objects.get(pk=created.json()["id"])
        assert row.version == int(updated["ETag"].strip('"'))

    def test_a_key_cannot_write(self, key_client, places, source):
        before = self.model.objects.count()
        response = key_client.post(self.url, self.payload(places, source), format="json")
        assert response.status_code == 403
        assert self.model.objects.count() == before

    def test_a_bad_body_is_a_field_level_400_and_saves_nothing(self, analyst_client, places, source):
        field, value = self.bad
        before = self.model.objects.count()
        response = analyst_client.post(self.url, {**self.payload(places, source), field: value}, format="json")
        assert response.status_code == 400 and field in response.json(), body(response)[:500]
        assert self.model.objects.count() == before
