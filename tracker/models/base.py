"""Audit fields every curated table carries, and the base of every queryset that answers ``visible_to``."""

from __future__ import annotations

import logging
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import FieldError, ValidationError
from django.db import DatabaseError, connections, models, router, transaction
from django.db.models import BooleanField, CheckConstraint, ExpressionWrapper, Q, Value
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.constants import SINGLE

from tracker.audience import Audience

logger = logging.getLogger(__name__)


class VisibleQuerySet(models.QuerySet):
    """Rows a caller may see (``tracker.audience``). Reference rows are open to every caller with access;
    claims and sources narrow it (``ClaimQuerySet``, ``SourceQuerySet``)."""

    def visibility(self, audience: Audience) -> Q | None:
        """The condition on rows ``audience`` sees beyond having access at all; None when it sees every row."""
        return None

    def visible_to(self, audience: Audience) -> VisibleQuerySet:
        """The rows ``audience`` may see: nothing without access, else the rows ``visibility`` names."""
        if not audience.sees_anything:
            return self.none()
        condition = self.visibility(audience)
        return self if condition is None else self.filter(condition)

    def hidden_from(self, audience: Audience) -> VisibleQuerySet:
        """The rows ``audience`` may not see (what left a mirror's view, for the deletions feed)."""
        if not audience.sees_anything:
            return self
        condition = self.visibility(audience)
        return self.none() if condition is None else self.exclude(condition)


class Audited(models.Model):
    """Who made and last changed a row, when, and a version bumped on every save.

    The version is the optimistic lock: a write names the version it read and is
    refused when the row has moved on since.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # No index on who created or changed a row: nothing lists rows by their author at scale (the review
    # queues start from the status), and at a million records each such index cost every write and
    # seconds of every bulk load. Deleting an account scans instead, rarely.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        db_index=False,
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = VisibleQuerySet.as_manager()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        """Django's constraint validation, with every check constraint tested in one query.

        Django tests each ``CheckConstraint`` with a query of its own (``SELECT 1 WHERE <condition>``, inside a
        savepoint when a transaction is open): a displacement figure has fifteen, so a write spent about 45
        statements on them. Here one SELECT returns every condition's verdict, and the errors are raised in the
        order and with the messages and codes Django gives; the other constraints are validated as Django does.

        It copies Django 5.2's ``Model.validate_constraints``, ``CheckConstraint.validate`` and ``Q.check``, and
        so leans on what they use that is not public API: ``Model._get_field_expression_map(meta, exclude)``,
        ``Model.get_constraints()``, ``sql.Query(None).add_annotation(expression, alias, select=False)`` and
        ``get_compiler(using).execute_sql(SINGLE)``. Each model's constraints are its own (abstract bases only, no
        multi-table inheritance), so ``self._meta`` stands for each constraint's model. tests/test_constraints.py
        compares the verdicts with Django's own and fails, naming the piece, when an upgrade changes one of these
        (docs/decisions.md: why this is kept).
        """
        using = router.db_for_write(type(self), instance=self)
        failing = self._failing_checks(exclude, using)
        errors: dict = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    if isinstance(constraint, CheckConstraint) and failing is not None:
                        if constraint in failing:
                            raise ValidationError(constraint.get_violation_error_message(),
                                                  code=constraint.violation_error_code)
                    else:
                        constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    if getattr(error, "code", None) == "unique" and len(getattr(constraint, "fields", ())) == 1:
                        errors.setdefault(constraint.fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _failing_checks(self, exclude, using: str) -> list[CheckConstraint] | None:
        """The check constraints this row breaks, from one query (None: the database refused the query, and
        each constraint is tested on its own instead). A condition naming an excluded field is not tested,
        as in Django."""
        against = self._get_field_expression_map(meta=self._meta, exclude=exclude)
        query = Query(None)
        for name, value in against.items():
            query.add_annotation(value if hasattr(value, "resolve_expression") else Value(value), name, select=False)
        tested: list[CheckConstraint] = []
        for _, constraints in self.get_constraints():
            for constraint in constraints:
                if not isinstance(constraint, CheckConstraint):
                    continue
                verdict = Coalesce(ExpressionWrapper(Q(constraint.condition), output_field=BooleanField()), True,
                                   output_field=BooleanField())
                try:
                    query.add_annotation(verdict, f"_check_{len(tested)}")
                except FieldError:
                    continue
                tested.append(constraint)
        if not tested:
            return []
        connection = connections[using]
        try:
            with transaction.atomic(using=using) if connection.in_atomic_block else nullcontext():
                row = query.get_compiler(using=using).execute_sql(SINGLE)
        except DatabaseError as error:
            logger.warning("Checking %s's constraints in one query failed: %s", type(self).__name__, error)
            return None
        return [constraint for constraint, passed in zip(tested, row, strict=True) if not passed]

    def bump_version(self) -> None:
        """Derived column: a row saved again is a new version."""
        if not self._state.adding:
            self.version = (self.version or 0) + 1
