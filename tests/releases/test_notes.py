"""A release's notes: records added, changed and withdrawn since the release before."""

from __future__ import annotations

import pytest

from tests.factories import DisplacementFigureFactory
from tests.releases.conftest import build_release, manifest_of
from tracker.choices import ReviewStatus
from tracker.services import claim_reject, claim_update


@pytest.mark.django_db
def test_notes_count_what_was_added_changed_and_withdrawn_since_the_release_before(world, releases_root):
    build_release("--date", "2026-12-05")
    kept, withdrawn = world.visible["displacement-figures"]
    claim_update(kept, changed_by=world.analyst, data={"notes": "Revised after a second source."},
                 expected_version=kept.version)
    claim_reject(withdrawn, rejected_by=world.reviewer, reason="The source retracted it.",
                 expected_version=withdrawn.version)
    added = DisplacementFigureFactory(review_status=ReviewStatus.APPROVED, location=world.places.baghouz,
                                      source=world.public_source)
    DisplacementFigureFactory(review_status=ReviewStatus.DRAFT, source=world.public_source)  # not released

    output = build_release("--date", "2026-12-06")
    assert "Release 2026.12.06" in output
    manifest = manifest_of(releases_root / "2026.12.06")
    assert manifest["previous"] == "2026.12.05" and manifest["number"] == 2
    assert manifest["changes"] == {
        "aid-capacity": {"added": 0, "changed": 0, "withdrawn": 0},
        "displacement-figures": {"added": 1, "changed": 1, "withdrawn": 1},
        "surrenders": {"added": 0, "changed": 0, "withdrawn": 0},
    }
    assert manifest["records"]["displacement-figures"] == 2
    notes = (releases_root / "2026.12.06" / "notes.md").read_text(encoding="utf-8")
    assert "## Changes since 2026.12.05" in notes
    assert "| displacement figures | 1 | 1 | 1 |" in notes
    assert f"Withdrawn displacement figures: {withdrawn.pk}." in notes
    # the release before stays as it was
    assert manifest_of(releases_root / "2026.12.05")["records"]["displacement-figures"] == 2
    assert added.pk not in [int(line.split(",")[0]) for line in
                            (releases_root / "2026.12.05" / "displacement-figures.csv").read_text().splitlines()[1:]]


@pytest.mark.django_db
def test_a_second_release_on_the_same_day_gets_the_next_version(world, releases_root):
    build_release("--date", "2026-12-05")
    record = world.visible["surrenders"][0]
    claim_reject(record, rejected_by=world.reviewer, reason="Duplicate report.", expected_version=record.version)
    assert "Release 2026.12.05.2" in build_release("--date", "2026-12-05")
    manifest = manifest_of(releases_root / "2026.12.05.2")
    assert manifest["changes"]["surrenders"] == {"added": 0, "changed": 0, "withdrawn": 1}
