"""Reads the screens share: the analysts' landing page and the review queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from tracker.choices import ReviewStatus
from tracker.models import CLAIM_MODELS, Claim, PossibleDoubleCount


def awaiting_review_by(model: type[Claim], user: AbstractBaseUser) -> QuerySet:
    """Records in review that ``user`` may approve: the four-eyes rule of ``ClaimQuerySet.approvable_by``."""
    return model.objects.approvable_by(user)


def changes_requested_of(model: type[Claim], user: AbstractBaseUser) -> QuerySet:
    """Records a reviewer sent back that ``user`` created or submitted."""
    return model.objects.filter(review_status=ReviewStatus.CHANGES_REQUESTED).filter(
        Q(created_by=user) | Q(submitted_by=user)
    )


@dataclass
class KindSummary:
    model: type[Claim]
    awaiting_review: int
    changes_requested: int
    drafts: int

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()

    @property
    def changelist(self) -> str:
        return f"admin:tracker_{self.model._meta.model_name}_changelist"


def landing_summary(user: AbstractBaseUser, *, recent: int = 10) -> dict:
    """Counts and recent records for the admin's landing page."""
    kinds = [
        KindSummary(
            model=model,
            awaiting_review=awaiting_review_by(model, user).count(),
            changes_requested=changes_requested_of(model, user).count(),
            drafts=model.objects.filter(review_status=ReviewStatus.DRAFT, created_by=user).count(),
        )
        for model in CLAIM_MODELS
    ]
    recently_changed = sorted(
        (
            record
            for model in CLAIM_MODELS
            for record in model.objects.select_related("source", "location", "updated_by").order_by("-updated_at")[
                :recent
            ]
        ),
        key=lambda record: record.updated_at,
        reverse=True,
    )[:recent]
    return {
        "kinds": kinds,
        "recently_changed": recently_changed,
        "unresolved_double_counts": PossibleDoubleCount.objects.filter(decided_at__isnull=True).count(),
    }
