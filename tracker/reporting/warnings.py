"""A report's warnings: what was counted twice perhaps, dropped, left out or spread over several buckets.

Every code a report may warn with is made here: ``overlap`` (stored possible double counts among the counted
figures), ``nested_stock`` (from the stock rule's decisions), ``excluded_triangulation``,
``excluded_duplicate``, ``unquantified`` and ``multi_bucket``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import BigIntegerField, Case, CharField, Count, F, Func, Model, Q, QuerySet, Value, When

from tracker.audience import Audience
from tracker.choices import Role
from tracker.models import PossibleDoubleCount
from tracker.reporting.counting import visible_approved
from tracker.reporting.dimensions import bucket_expression
from tracker.reporting.grouping import IDS_CAP
from tracker.reporting.stocks import StockRule


def _id_warning(code: str, message: str, count: int, ids: list[int], cap: int) -> dict[str, Any]:
    """A warning about ``count`` figures naming the first ``cap`` of their ``ids``."""
    return {"code": code, "message": message.format(count=count, s="" if count == 1 else "s"),
            "count": count, "ids": ids[:cap], "ids_truncated": count > cap}


def report_warnings(
    model: type[Model],
    scope: QuerySet,
    included: QuerySet,
    *,
    audience: Audience,
    cap: int = IDS_CAP,
    stock_rule: StockRule | None = None,
    arrays: bool | None = None,
) -> list[dict[str, Any]]:
    """Overlaps found (stored possible double counts among counted figures), stocks dropped as nested (from
    ``stock_rule``, the report's decisions about displacement stocks), and what was excluded and why. Figures
    spanning several time buckets are :func:`multi_bucket_warning`. ``arrays`` (PostgreSQL's, unless told)
    chooses how the excluded figures are read; both ways name the same figures."""
    warnings: list[dict[str, Any]] = []
    counted_ids = included.values("pk")
    pairs = PossibleDoubleCount.objects.filter(
        kind=model._meta.model_name, first_id__in=counted_ids, second_id__in=counted_ids
    ).order_by("first_id", "second_id")
    listed = list(pairs.values("first_id", "second_id", "decided_at", "decision_reason")[: cap + 1])
    if listed:
        count = len(listed) if len(listed) <= cap else pairs.count()
        unresolved = sum(1 for pair in listed[:cap] if pair["decided_at"] is None)
        warnings.append({
            "code": "overlap",
            "message": (
                f"{count} pair{'s' if count != 1 else ''} of counted figures may describe the same people "
                f"(same term group, nesting places, overlapping periods); both figures of each pair are counted"
                + (f"; {unresolved} without a reviewer's decision." if unresolved else
                   ", as a reviewer decided that both stand.")
            ),
            "count": count,
            "pairs": [
                {"first_id": p["first_id"], "second_id": p["second_id"], "decided": p["decided_at"] is not None,
                 "decision_reason": p["decision_reason"]}
                for p in listed[:cap]
            ],
            "ids_truncated": count > cap,
        })
    if stock_rule is not None:
        count = stock_rule.nested_count
        if count:
            nested_ids = stock_rule.first_nested(cap)
            warnings.append({
                "code": "nested_stock",
                "message": (
                    f"{count} stock figure{'s' if count != 1 else ''} dropped: the place lies inside the place "
                    "of another counted stock of the same term and period, which already includes it."
                ),
                "count": count,
                "ids": nested_ids,
                "inside_of": {str(pk): stock_rule.holder_of(pk) for pk in nested_ids},
                "ids_truncated": count > cap,
            })
    visible = visible_approved(scope, audience=audience)
    exclusions = {
        "excluded_triangulation": (
            "{count} triangulation figure{s} not counted: each supports a headline figure that is counted.",
            Q(role=Role.TRIANGULATION)),
        "excluded_duplicate": (
            "{count} duplicate{s} not counted: the same fact from another source, counted once through the original.",
            Q(role=Role.HEADLINE, duplicate_of__isnull=False)),
        "unquantified": (
            "{count} unquantified claim{s} skipped (\"large numbers\"): evidence, never summed.",
            Q(role=Role.HEADLINE, duplicate_of__isnull=True, low__isnull=True)),
    }
    excluded = visible.filter(Q(*[q for _, q in exclusions.values()], _connector=Q.OR))
    conditions = {code: q for code, (_, q) in exclusions.items()}
    if arrays is None:
        arrays = connections[scope.db].vendor == "postgresql"
    counts, first_ids = (_excluded_in_one_pass(excluded, conditions, cap) if arrays
                         else _excluded_counted_then_listed(excluded, visible, conditions, cap))
    for code, (message, _) in exclusions.items():
        if counts[code]:
            warnings.append(_id_warning(code, message, counts[code], first_ids[code], cap))
    return warnings


def _excluded_in_one_pass(excluded: QuerySet, conditions: dict[str, Q],
                          cap: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """PostgreSQL: each exclusion's count and first ``cap`` ids in one aggregate (each kind's ids sorted and cut in
    the database). A province's three reads in id order, one per kind, walked the primary key through tens of
    thousands of its figures: 51 ms at a million records, against 10 ms for this one pass."""
    measures: dict[str, Any] = {}
    for code, q in conditions.items():
        measures[code] = Count("pk", filter=q)
        measures[f"{code}_ids"] = Func(ArrayAgg("pk", filter=q, order_by="pk"),
                                       template=f"(%(expressions)s)[1:{int(cap)}]",
                                       output_field=ArrayField(BigIntegerField()))
    found = excluded.aggregate(**measures)
    return ({code: found[code] for code in conditions},
            {code: found[f"{code}_ids"] or [] for code in conditions})


def _excluded_counted_then_listed(excluded: QuerySet, visible: QuerySet, conditions: dict[str, Q],
                                  cap: int) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Elsewhere (SQLite): one pass counts all three; only a kind that has figures is asked for its first ids."""
    counts = excluded.aggregate(**{code: Count("pk", filter=q) for code, q in conditions.items()})
    present = {code: q for code, q in conditions.items() if counts[code]}
    first_ids = _first_excluded_ids(excluded, present, total=sum(counts.values()), cap=cap)
    if first_ids is None:
        first_ids = {code: list(visible.filter(q).order_by("pk").values_list("pk", flat=True)[:cap])
                     for code, q in present.items()}
    return counts, first_ids


# Up to this many figures left out of totals are read in one query, each labelled with its exclusion; beyond it
# (a country's thousands), the first ids of each exclusion are one query each, read in id order to the cap.
FEW_EXCLUDED = 1000


def _first_excluded_ids(excluded: QuerySet, present: dict[str, Q], *, total: int,
                        cap: int) -> dict[str, list[int]] | None:
    """The first ``cap`` ids of each exclusion in ``present`` (its code and condition, exclusive of the others),
    read in one query when ``excluded`` holds few figures (an event's dozens: three queries cost more to build
    than to run); None when it holds more, or a single exclusion is asked for."""
    if total > FEW_EXCLUDED or len(present) < 2:
        return None
    found: dict[str, list[int]] = {code: [] for code in present}
    labelled = excluded.annotate(exclusion=Case(*[When(q, then=Value(code)) for code, q in present.items()],
                                                output_field=CharField()))
    for pk, code in labelled.order_by("pk").values_list("pk", "exclusion"):
        if code in found and len(found[code]) < cap:
            found[code].append(pk)
    return found


def multi_bucket_warning(
    included: QuerySet, time_dim: str, *, cap: int = IDS_CAP, count: int | None = None, ids: list[int] | None = None
) -> dict[str, Any] | None:
    """The counted figures whose period began in an earlier bucket than their end date's: ``count`` of them,
    the first ``cap`` by id (both counted here when the report has not got them already)."""
    message = ("Counted figures whose period spans several " + time_dim + "s: {count}. Each is counted once, "
               "in the " + time_dim + " of its end date.")
    if count == 0:
        return None
    if ids is None or count is None:
        spanning = included.annotate(bucket=bucket_expression(time_dim)).filter(start_date__lt=F("bucket"))
        ids = list(spanning.order_by("pk").values_list("pk", flat=True)[: cap + 1])
        if count is None:
            count = len(ids) if len(ids) <= cap else spanning.count()
    return _id_warning("multi_bucket", message, count, ids, cap) if count else None
