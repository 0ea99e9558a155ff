"""History of every change, whatever the door: who, when, before and after, links included."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    EventFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
    UserFactory,
    build_claim,
)
from tracker.choices import OrganizationKind, ReviewStatus
from tracker.models import (
    AidCapacityReport,
    DisplacementFigure,
    Event,
    Organization,
    OrganizationAlias,
    Source,
    SurrenderFigure,
)
from tracker.permissions import ADMINISTRATORS
from tracker.services import (
    claim_approve,
    claim_create,
    claim_submit,
    claim_update,
    organization_merge,
    reference_update,
)

pytestmark = pytest.mark.django_db


def test_a_shell_edit_records_who_and_before_and_after(draft, second_analyst):
    """``claim_update(..., changed_by=user)`` outside any request still says who changed what."""
    claim_update(draft, data={"reported_value": 4500, "notes": "Corrected."}, changed_by=second_analyst)
    latest = draft.history.first()
    assert latest.history_user == second_analyst
    assert latest.history_change_reason == "Edited"
    assert latest.history_type == "~"
    delta = latest.diff_against(latest.prev_record)
    changes = {change.field: (change.old, change.new) for change in delta.changes}
    assert changes["reported_value"] == (1000, 4500)
    assert changes["notes"] == ("", "Corrected.")
    # Derived, read-only columns are kept in each row too: the row before shows the old persons.
    assert (latest.prev_record.best, latest.best) == (1000, 4500)
    assert (latest.prev_record.version, latest.version) == (1, 2)
    assert DisplacementFigure.objects.get(pk=draft.pk).updated_by == second_analyst


def test_creation_records_the_creator(draft, analyst):
    first = draft.history.last()
    assert (first.history_type, first.history_user, first.history_change_reason) == ("+", analyst, "Created")
    assert DisplacementFigure.objects.get(pk=draft.pk).created_by == analyst


def test_cited_sources_are_in_history(draft, analyst):
    unhcr, ocha = OrganizationFactory(name="UNHCR"), OrganizationFactory(name="OCHA")
    claim_update(draft, cited_sources=[unhcr, ocha], changed_by=analyst)
    with_both = draft.history.first()
    assert {row.organization for row in with_both.cited_sources.all()} == {unhcr, ocha}
    assert with_both.history_user == analyst
    claim_update(draft, cited_sources=[ocha], changed_by=analyst)
    latest = draft.history.first()
    assert {row.organization for row in latest.cited_sources.all()} == {ocha}
    assert {row.organization for row in latest.prev_record.cited_sources.all()} == {unhcr, ocha}
    assert "cited_sources" in {change.field for change in latest.diff_against(latest.prev_record).changes}


def test_changing_only_cited_sources_is_a_change_of_substance(draft, analyst, reviewer):
    claim_submit(draft, submitted_by=analyst)
    claim_approve(draft, approved_by=reviewer)
    claim_update(draft, cited_sources=[OrganizationFactory()], changed_by=analyst)
    assert DisplacementFigure.objects.get(pk=draft.pk).review_status == ReviewStatus.IN_REVIEW


def test_cited_sources_given_at_creation_are_in_history(analyst):
    unhcr = OrganizationFactory(name="UNHCR")
    claim = claim_create(build_claim(SurrenderFigureFactory), created_by=analyst, cited_sources=[unhcr])
    assert [row.organization for row in claim.history.first().cited_sources.all()] == [unhcr]
    assert claim.history.first().history_user == analyst


def test_reference_edits_are_in_history(analyst, places):
    reference_update(places.baghouz, data={"name": "Al-Baghuz Fawqani"}, changed_by=analyst)
    latest = places.baghouz.history.first()
    assert (latest.name, latest.prev_record.name, latest.history_user) == ("Al-Baghuz Fawqani", "Baghouz", analyst)


def test_merging_organizations_repoints_every_reference_and_keeps_the_names(groups):
    admin = UserFactory(groups=[ADMINISTRATORS])
    isil = OrganizationFactory(name="ISIL", acronym="ISIL", kind=OrganizationKind.ARMED_GROUP)
    OrganizationAlias.objects.create(organization=isil, name="ISIS")
    daesh = OrganizationFactory(name="Daesh", acronym="", kind=OrganizationKind.ARMED_GROUP)
    OrganizationAlias.objects.create(organization=daesh, name="Islamic State")
    OrganizationAlias.objects.create(organization=daesh, name="isis")  # ISIL already answers to it

    source = SourceFactory(publisher=daesh)
    source.co_credited.set([daesh])
    event = EventFactory()
    event.parties.set([daesh])
    surrender = SurrenderFigureFactory(source=source, surrendering_group=daesh, attributed_to=daesh)
    figure = DisplacementFigureFactory(source=source)
    figure.cited_sources.set([daesh])
    report = AidCapacityReportFactory(source=source, provider=daesh)

    organization_merge(keep=isil, merge=daesh, merged_by=admin)

    assert not Organization.objects.filter(pk=daesh.pk).exists()
    assert Source.objects.get(pk=source.pk).publisher == isil
    assert list(Source.objects.get(pk=source.pk).co_credited.all()) == [isil]
    assert list(Event.objects.get(pk=event.pk).parties.all()) == [isil]
    surrender = SurrenderFigure.objects.get(pk=surrender.pk)
    assert (surrender.surrendering_group, surrender.attributed_to) == (isil, isil)
    assert list(DisplacementFigure.objects.get(pk=figure.pk).cited_sources.all()) == [isil]
    assert AidCapacityReport.objects.get(pk=report.pk).provider == isil
    assert sorted(isil.aliases.values_list("name", flat=True)) == ["Daesh", "ISIS", "Islamic State"]
    assert surrender.history.first().history_user == admin
    assert "merged into 'ISIL'" in surrender.history.first().history_change_reason


def test_a_merge_of_two_long_names_is_stored_with_its_reason_cut_to_fit(groups):
    """The reason names both organizations; history holds 100 characters of it, where PostgreSQL refused the merge."""
    admin = UserFactory(groups=[ADMINISTRATORS])
    keep = OrganizationFactory(name="Office for the Coordination of Humanitarian Affairs, Syria Cross-Border Hub")
    merge = OrganizationFactory(name="United Nations Office for the Coordination of Humanitarian Affairs (Gaziantep)")
    figure = DisplacementFigureFactory(attributed_to=merge)
    figure.cited_sources.set([merge])

    organization_merge(keep=keep, merge=merge, merged_by=admin)

    figure = DisplacementFigure.objects.get(pk=figure.pk)
    assert figure.attributed_to == keep and list(figure.cited_sources.all()) == [keep]
    reasons = [row.history_change_reason for row in figure.history.all()[:2]]
    assert all(len(reason) == 100 and reason.endswith("…") for reason in reasons), reasons
    assert reasons[0].startswith("Organization 'United Nations Office for the Coordination")
    assert keep.history.first().history_change_reason == reasons[0]


def test_an_analyst_cannot_merge_organizations(analyst):
    keep, merge = OrganizationFactory(), OrganizationFactory()
    with pytest.raises(PermissionDenied):
        organization_merge(keep=keep, merge=merge, merged_by=analyst)
    assert Organization.objects.filter(pk=merge.pk).exists()
