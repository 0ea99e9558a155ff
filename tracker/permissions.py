"""The three groups and what each may do, created idempotently after every migrate.

Analysts add and change sources, reference data and records and submit them;
reviewers do that and also approve, reject and request changes; administrators
hold every permission of the tracker and manage accounts.
"""

from __future__ import annotations

from typing import Any

ANALYSTS = "Analysts"
REVIEWERS = "Reviewers"
ADMINISTRATORS = "Administrators"

CURATED_MODELS = (
    "source", "organization", "organizationalias", "location", "locationname", "crisis", "event",
    "displacementfigure", "surrenderfigure", "aidcapacityreport",
)
CLAIM_MODELS = ("displacementfigure", "surrenderfigure", "aidcapacityreport")


def group_permissions() -> dict[str, set[tuple[str, str]]]:
    """(app_label, codename) pairs per group."""
    analyst = {("tracker", f"{action}_{model}") for model in CURATED_MODELS for action in ("view", "add", "change")}
    # Only drafts are ever deleted (the services refuse anything else).
    analyst |= {("tracker", f"delete_{model}") for model in CLAIM_MODELS}
    analyst |= {("tracker", "view_possibledoublecount")}
    # Their own saved queries and feeds (tracker.services.saved_queries); on an NGO key's behalf needs change_apikey.
    analyst |= {("tracker", f"{action}_savedquery") for action in ("view", "add", "change", "delete")}
    reviewer = analyst | {("tracker", "review_claim"), ("tracker", "change_possibledoublecount")}
    return {ANALYSTS: analyst, REVIEWERS: reviewer}


def ensure_groups(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    """Create or complete the groups; safe to run any number of times."""
    from django.contrib.auth.models import Group, Permission

    wanted = group_permissions()
    all_tracker = set(Permission.objects.using(using).filter(content_type__app_label="tracker"))
    for name, codes in wanted.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        perms = [p for p in all_tracker if (p.content_type.app_label, p.codename) in codes]
        group.permissions.add(*perms)
    admins, _ = Group.objects.using(using).get_or_create(name=ADMINISTRATORS)
    admins.permissions.add(
        *all_tracker, *Permission.objects.using(using).filter(content_type__app_label__in=["auth"])
    )
