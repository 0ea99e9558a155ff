"""Incremental sync: ``updated_since`` plus ``/deletions/`` let an NGO mirror exactly what its key sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tests.api.conftest import API, make_key
from tests.factories import DisplacementFigureFactory, OrganizationFactory, SurrenderFigureFactory, build_claim
from tracker import services
from tracker.choices import OrganizationKind
from tracker.models import ApiKey, Tombstone

RESOURCES = ["sources", "organizations", "locations", "events", "displacement-figures", "surrenders",
             "aid-capacity"]


def pages(client, url, params):
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        data = response.json()
        yield response, data
        if not data["next"]:
            return
        response = client.get(data["next"])


def snapshot(client) -> dict[str, dict[int, dict]]:
    """What the key sees now, in full."""
    return {resource: {item["id"]: item for _, data in pages(client, f"{API}/{resource}/", {"page_size": 7})
                       for item in data["results"]}
            for resource in RESOURCES}


class Mirror:
    """An NGO's copy, kept up to date the way docs/api.md says."""

    def __init__(self, client):
        self.client = client
        self.rows: dict[str, dict[int, dict]] = {resource: {} for resource in RESOURCES}
        self.since = None

    def sync(self) -> None:
        since = (self.since or parse_datetime("2000-01-01T00:00:00Z")).isoformat().replace("+00:00", "Z")
        started = None
        for resource in RESOURCES:
            for response, data in pages(self.client, f"{API}/{resource}/", {"updated_since": since,
                                                                            "page_size": 3}):
                started = started or parse_datetime(response["X-Server-Time"])
                for item in data["results"]:
                    self.rows[resource][item["id"]] = item
        for _, data in pages(self.client, f"{API}/deletions/", {"since": since, "page_size": 2}):
            for row in data["results"]:
                self.rows[row["resource"]].pop(row["id"], None)
        # Next time, start a little before this sync began (transactions in flight).
        self.since = started - timedelta(seconds=1)


@pytest.fixture
def people(analyst, reviewer, second_reviewer):
    return analyst, reviewer, second_reviewer


def approved(claim, analyst, reviewer):
    services.claim_create(claim, created_by=analyst)
    services.claim_submit(claim, submitted_by=analyst)
    return services.claim_approve(claim, approved_by=reviewer)


def test_a_mirror_kept_by_updated_since_and_deletions_equals_what_the_key_sees(
    places, source, people, key_client
):
    analyst, reviewer, second_reviewer = people
    mirror = Mirror(key_client)

    def check():
        mirror.sync()
        assert mirror.rows == snapshot(key_client)

    first = approved(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz), analyst,
                     reviewer)
    check()
    assert first.pk in mirror.rows["displacement-figures"]

    # a draft: never seen
    second = services.claim_create(
        build_claim(DisplacementFigureFactory, source=source, location=places.hasakeh, start_date="2019-01-01",
                    end_date="2019-01-31"), created_by=analyst)
    check()
    assert second.pk not in mirror.rows["displacement-figures"]

    # submitted and approved: appears
    services.claim_submit(second, submitted_by=analyst)
    services.claim_approve(second, approved_by=reviewer)
    check()
    assert second.pk in mirror.rows["displacement-figures"]

    # an approved record edited in substance goes back to review: it leaves the view
    services.claim_update(first, changed_by=analyst, data={"reported_value": 1500})
    check()
    assert first.pk not in mirror.rows["displacement-figures"]

    # approved again (by another reviewer): back, with the new number
    services.claim_approve(first, approved_by=second_reviewer)
    check()
    assert mirror.rows["displacement-figures"][first.pk]["best"] == 1500

    # withdrawn (rejected): leaves
    services.claim_reject(second, rejected_by=reviewer, reason="The source retracted it.")
    check()
    assert second.pk not in mirror.rows["displacement-figures"]

    # the source made confidential: its records and the source itself leave; made public again: back
    services.reference_update(source, changed_by=reviewer, data={"is_confidential": True})
    check()
    assert mirror.rows["displacement-figures"] == {} and source.pk not in mirror.rows["sources"]
    services.reference_update(source, changed_by=reviewer, data={"is_confidential": False})
    check()
    assert first.pk in mirror.rows["displacement-figures"]

    # a record made confidential itself leaves at once (still approved: raising needs no review); a reviewer
    # publishing it again brings it back
    services.claim_update(first, changed_by=analyst, data={"is_confidential": True})
    check()
    assert first.pk not in mirror.rows["displacement-figures"]
    services.claim_update(first, changed_by=second_reviewer, data={"is_confidential": False})
    check()

    # a nested object renamed: the record is fetched again with the new name
    services.reference_update(places.baghouz, changed_by=reviewer, data={"name": "Al-Baghuz Fawqani"})
    services.reference_update(places.deir_ez_zor, changed_by=reviewer, data={"name": "Deir ez-Zor"})
    check()
    location = mirror.rows["displacement-figures"][first.pk]["location"]
    assert (location["name"], location["adm1_name"]) == ("Al-Baghuz Fawqani", "Deir ez-Zor")

    # a draft deleted, a place deleted, an organization merged away: tombstones
    doomed = services.claim_create(build_claim(SurrenderFigureFactory, source=source, location=places.anbar),
                                   created_by=analyst)
    services.claim_delete(doomed, deleted_by=analyst)
    admin = reviewer
    admin.is_superuser = True
    admin.save()
    spare = places.camp
    check()
    assert spare.pk in mirror.rows["locations"]
    services.reference_delete(spare, deleted_by=admin)
    keep = OrganizationFactory(name="Syrian Democratic Forces", kind=OrganizationKind.ARMED_GROUP)
    merge = OrganizationFactory(name="SDF (duplicate)", kind=OrganizationKind.ARMED_GROUP)
    merged_id = merge.pk
    check()
    assert merged_id in mirror.rows["organizations"]
    services.organization_merge(keep=keep, merge=merge, merged_by=admin)
    check()
    assert spare.pk not in mirror.rows["locations"] and merged_id not in mirror.rows["organizations"]
    assert "SDF (duplicate)" in mirror.rows["organizations"][keep.pk]["aliases"]
    assert set(Tombstone.objects.values_list("kind", "record_id")) >= {
        ("surrenderfigure", doomed.pk), ("location", spare.pk), ("organization", merged_id)}


def test_deletions_list_tombstones_and_hidden_rows_for_a_key_but_only_tombstones_for_staff(
    world, key_client, scoped_key_client, staff_client
):
    since = (timezone.now() - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    hidden = {(resource, record.pk) for resource, records in world.hidden.items() for record in records.values()}
    hidden.add(("sources", world.secret_source.pk))
    rows = [row for _, data in pages(key_client, f"{API}/deletions/", {"since": since, "page_size": 4})
            for row in data["results"]]
    assert {(row["resource"], row["id"]) for row in rows} == hidden
    assert {row["reason"] for row in rows} == {"hidden"}
    assert rows == sorted(rows, key=lambda row: (row["at"], row["kind"], row["id"]))
    scoped = {(row["resource"], row["id"])
              for _, data in pages(scoped_key_client, f"{API}/deletions/", {"since": since}) for row in data["results"]}
    assert ("surrenders", world.hidden["surrenders"]["confidential"].pk) not in scoped
    assert ("surrenders", world.hidden["surrenders"]["draft"].pk) in scoped
    assert staff_client.get(f"{API}/deletions/", {"since": since}).json()["results"] == []

    draft = world.hidden["surrenders"]["draft"]
    services.claim_delete(draft, deleted_by=world.analyst)
    staff_rows = staff_client.get(f"{API}/deletions/", {"since": since}).json()["results"]
    assert [(row["resource"], row["id"], row["reason"]) for row in staff_rows] == [
        ("surrenders", draft.pk, "deleted")]
    only = key_client.get(f"{API}/deletions/", {"since": since, "resource": "surrenders"}).json()["results"]
    assert {row["resource"] for row in only} == {"surrenders"}


@pytest.mark.parametrize("params, name", [
    ({}, "since"), ({"since": "last week"}, "since"), ({"since": "2019-01-01T00:00:00Z", "resource": "people"},
                                                         "resource"),
    ({"since": "2019-01-01T00:00:00Z", "sinse": "x"}, "sinse"), ({"since": "2019-01-01T00:00:00Z", "cursor": "x"},
                                                                 "cursor"),
    ({"since": "2019-01-01T00:00:00Z", "page_size": "0"}, "page_size"),
    ({"since": "2019-01-01T00:00:00Z", "format": "csv"}, "format"),
])
def test_deletions_refuse_bad_parameters(db, key_client, params, name):
    response = key_client.get(f"{API}/deletions/", params)
    assert response.status_code == 400
    assert name in response.json()


def test_deletions_need_credentials(db, anonymous_client):
    assert anonymous_client.get(f"{API}/deletions/", {"since": "2019-01-01T00:00:00Z"}).status_code == 401


def test_a_reference_row_still_in_use_is_not_deleted(places, source, reviewer):
    reviewer.is_superuser = True
    reviewer.save()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="still used"):
        services.reference_delete(source.publisher, deleted_by=reviewer)
    assert not Tombstone.objects.exists()


def test_keys_are_hashed_at_rest(db):
    key, raw = make_key()
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in (stored.hashed_key, stored.id) and raw.split(".")[1] not in stored.hashed_key
