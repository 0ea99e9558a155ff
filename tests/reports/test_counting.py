"""The counting rules of tracker/reporting/ against totals computed by hand (tests/reports/conftest.py)."""

from __future__ import annotations

import functools
import gc
import itertools
import threading
from collections import defaultdict
from datetime import date

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from tests.reports.conftest import d, flow
from tracker.audience import Audience
from tracker.choices import DisplacementCategory, ReviewStatus, TermGroup
from tracker.models import DisplacementFigure, SurrenderFigure
from tracker.reporting.aid_capacity import aid_capacity_status
from tracker.reporting.dimensions import GROUP_BY_CHOICES, PLACE_DIMENSIONS, TIME_DIMENSIONS, parse_group_by
from tracker.reporting.report import displacement_report, figure_report, surrender_report

pytestmark = pytest.mark.django_db

FLOW, STOCK = DisplacementCategory.FLOW, DisplacementCategory.STOCK


def numbers(row: dict) -> tuple:
    return row["low"], row["best"], row["high"], row["high_open"]


def by_group(rows: list[dict], *keys: str) -> dict[tuple, dict]:
    return {tuple(row[k] for k in keys): row for row in rows}


# --- flows -------------------------------------------------------------------------------------------


def test_flows_add_up_per_month_and_leave_out_what_does_not_count(world):
    rows = by_group(displacement_report(group_by="month").rows, "month", "category", "term_group")
    assert numbers(rows[("2019-01", FLOW, TermGroup.LEAVING)]) == (1_000, 1_000, 3_000, False)
    # household figure in persons (200 x 5.5) plus an open "more than 4,000": the total stays open
    assert numbers(rows[("2019-02", FLOW, TermGroup.LEAVING)]) == (5_100, 5_100, None, True)
    # F1 alone: not its triangulation, its duplicate, the confidential ones, the draft, the unquantified
    march = rows[("2019-03", FLOW, TermGroup.LEAVING)]
    assert numbers(march) == (10_000, 10_000, 10_000, False)
    assert march["ids"] == [world.f1.pk]
    assert march["figures_count"] == 1
    # arriving never adds to leaving
    assert numbers(rows[("2019-03", FLOW, TermGroup.ARRIVING)]) == (2_000, 2_000, 2_000, False)


def test_whole_period_flow_total_and_its_open_bound(world):
    report = displacement_report()
    leaving = by_group(report.rows, "category", "term_group")[(FLOW, TermGroup.LEAVING)]
    assert numbers(leaving) == (16_100, 16_100, None, True)
    assert leaving["figures_count"] == 4
    assert leaving["sources_count"] == 1
    assert sorted(leaving["ids"]) == sorted([world.f1.pk, world.f5.pk, world.f6.pk, world.f10.pk])


def test_confidential_records_count_only_for_an_audience_that_may_see_them(world):
    public = by_group(displacement_report().rows, "category", "term_group")[(FLOW, TermGroup.LEAVING)]
    scoped = by_group(displacement_report(audience=Audience.STAFF).rows, "category", "term_group")[
        (FLOW, TermGroup.LEAVING)
    ]
    assert public["best"] == 16_100
    assert scoped["best"] == 16_100 + 500 + 700  # F4 (confidential) and F4b (confidential source)
    assert world.f4.pk in scoped["ids"] and world.f4b.pk in scoped["ids"]
    assert world.f4.pk not in public["ids"]


def test_household_units_are_counted_in_persons(world):
    rows = displacement_report(DisplacementFigure.objects.filter(pk=world.f5.pk)).rows
    assert numbers(rows[0]) == (1_100, 1_100, 1_100, False)


def test_a_period_without_figures_has_no_row(world):
    report = displacement_report(group_by="month", date_from=date(2018, 1, 1), date_to=date(2018, 12, 31))
    assert report.rows == []
    assert report.totals == []


def test_date_filters_select_by_end_date(world):
    # F1 runs 20 February - 10 March: a March report counts it, a February one does not.
    march = displacement_report(date_from=d("2019-03-01"), date_to=d("2019-03-31"))
    february = displacement_report(date_from=d("2019-02-01"), date_to=d("2019-02-28"))
    assert world.f1.pk in by_group(march.rows, "category", "term_group")[(FLOW, TermGroup.LEAVING)]["ids"]
    assert world.f1.pk not in by_group(february.rows, "category", "term_group")[(FLOW, TermGroup.LEAVING)]["ids"]


# --- stocks ------------------------------------------------------------------------------------------


def test_stocks_take_the_latest_per_place_and_never_add_over_time(world):
    monthly = by_group(displacement_report(group_by="month").rows, "month", "category", "term_group")
    assert numbers(monthly[("2019-02", STOCK, TermGroup.IN_CAMP)]) == (5_500, 5_500, 5_500, False)
    march = monthly[("2019-03", STOCK, TermGroup.IN_CAMP)]
    assert numbers(march) == (9_000, 9_000, 9_000, False)
    assert march["ids"] == [world.s5.pk]  # S2, the camp's latest, lies inside Baghouz's S5
    whole = by_group(displacement_report().rows, "category", "term_group")[(STOCK, TermGroup.IN_CAMP)]
    assert whole["best"] == 9_000  # not 5,500 + 9,000: stocks never add over time


def test_weekly_stocks_have_no_carry_forward(world):
    weekly = by_group(displacement_report(group_by="week").rows, "week_start", "category", "term_group")
    assert weekly[(d("2019-02-18"), STOCK, TermGroup.IN_CAMP)]["best"] == 5_500
    assert weekly[(d("2019-02-25"), STOCK, TermGroup.IN_CAMP)]["best"] == 5_000
    assert weekly[(d("2019-03-04"), STOCK, TermGroup.IN_CAMP)]["best"] == 9_000
    assert (d("2019-03-11"), STOCK, TermGroup.IN_CAMP) not in weekly  # an empty week: no report, not 9,000


def test_stock_ties_go_to_the_more_reliable_publisher_then_the_lower_id(world):
    world.s5.delete()  # without Baghouz's stock, the camp's own latest counts
    march = by_group(displacement_report(group_by="month").rows, "month", "category", "term_group")
    assert march[("2019-03", STOCK, TermGroup.IN_CAMP)]["ids"] == [world.s2.pk]  # medium beats low (S3, 6,500)
    assert march[("2019-03", STOCK, TermGroup.IN_CAMP)]["best"] == 6_000
    assert march[("2019-03", STOCK, TermGroup.TRAPPED)]["ids"] == [world.s6.pk]  # same reliability: lower id
    assert march[("2019-03", STOCK, TermGroup.TRAPPED)]["best"] == 1_000


def test_a_tie_of_three_goes_to_the_most_reliable_publisher_whatever_the_ids(world):
    """Three stocks of one day, place and term: the two from a highly reliable publisher, written after the
    others, beat the medium and low ones, and the lower id of those two wins; another place's stock that day is
    counted on its own."""
    from tests.factories import OrganizationFactory, SourceFactory
    from tests.reports.conftest import stock
    from tracker.choices import OrganizationKind, Reliability

    world.s5.delete()
    high = SourceFactory(title="Agency update", publisher=OrganizationFactory(
        name="High Agency", kind=OrganizationKind.UN_AGENCY, reliability=Reliability.HIGH))
    day = {"event": world.event, "start_date": d("2019-03-08"), "end_date": d("2019-03-08")}
    first = stock(**day, source=high, location=world.places.camp, reported_value=7_000)
    stock(**day, source=high, location=world.places.camp, reported_value=7_500)
    elsewhere = stock(**day, source=world.blog, location=world.places.hasakeh, reported_value=300)
    march = displacement_report(group_by="month,adm1").rows
    camp = [row for row in march if row["month"] == "2019-03" and row["term_group"] == TermGroup.IN_CAMP]
    by_province = {row["adm1_id"]: row for row in camp}
    assert by_province[world.places.deir_ez_zor.pk]["ids"] == [first.pk]  # not S2 (medium) nor S3 (low)
    assert by_province[world.places.deir_ez_zor.pk]["best"] == 7_000
    assert by_province[world.places.hasakeh.pk]["ids"] == [elsewhere.pk]


def test_nested_stocks_are_dropped_before_grouping_so_totals_do_not_change(world):
    by_adm2 = displacement_report(group_by="adm2")
    in_camp = [row for row in by_adm2.rows if row["term_group"] == TermGroup.IN_CAMP]
    assert sum(row["best"] for row in in_camp) == 9_000
    warning = next(w for w in by_adm2.warnings if w["code"] == "nested_stock")
    assert warning["ids"] == [world.s2.pk]
    assert warning["inside_of"] == {str(world.s2.pk): world.s5.pk}


# --- surrenders ---------------------------------------------------------------------------------------


def test_surrender_totals(world):
    report = surrender_report(group_by="month")
    rows = by_group(report.rows, "month")
    assert numbers(rows[("2019-02",)]) == (300, 300, 300, False)  # U3 duplicates U2
    assert numbers(rows[("2019-03",)]) == (4_000, 4_000, None, True)
    assert numbers(report.totals[0]) == (4_300, 4_300, None, True)
    assert {w["code"] for w in report.warnings} >= {"excluded_duplicate", "multi_bucket"}


# --- warnings -----------------------------------------------------------------------------------------


def test_warnings_list_what_was_left_out_and_why(world):
    warnings = {w["code"]: w for w in displacement_report(group_by="month").warnings}
    assert warnings["excluded_triangulation"]["ids"] == [world.f2.pk]
    assert warnings["excluded_duplicate"]["ids"] == [world.f3.pk]
    assert warnings["unquantified"]["ids"] == [world.f7.pk]
    assert warnings["nested_stock"]["ids"] == [world.s2.pk]
    assert warnings["multi_bucket"]["ids"] == [world.f1.pk]  # 20 February to 10 March
    overlap = warnings["overlap"]
    assert overlap["pairs"] == [{
        "first_id": min(world.f1.pk, world.f6.pk), "second_id": max(world.f1.pk, world.f6.pk), "decided": True,
        "decision_reason": world.pair.decision_reason,
    }]
    # confidential and unapproved records are never named to a public audience
    named = {pk for w in warnings.values() for pk in w.get("ids", [])}
    assert not named & {world.f4.pk, world.f4b.pk, world.f8.pk}


@pytest.mark.parametrize("cap", [1, 100])
def test_the_first_ids_left_out_are_the_same_however_they_are_read(world, monkeypatch, cap):
    from tracker.reporting import report
    from tracker.reporting import warnings as report_warnings

    found = displacement_report(group_by="month", ids_cap=cap).warnings
    assert {w["code"] for w in found} >= {"excluded_triangulation", "excluded_duplicate", "unquantified"}
    # the portable way (SQLite's): counted, then one labelled query for a few, a query per exclusion for thousands
    monkeypatch.setattr(report, "report_warnings", functools.partial(report_warnings.report_warnings, arrays=False))
    assert displacement_report(group_by="month", ids_cap=cap).warnings == found
    monkeypatch.setattr(report_warnings, "FEW_EXCLUDED", 0)
    assert displacement_report(group_by="month", ids_cap=cap).warnings == found


@pytest.mark.parametrize("group_by", ["month", "adm1,week", ()])
def test_a_report_without_sources_counts_the_same_and_leaves_their_count_empty(world, group_by):
    def without_sources(rows):
        return [{**row, "sources_count": None} for row in rows]

    full = displacement_report(group_by=group_by)
    bare = displacement_report(group_by=group_by, with_sources=False)
    assert full.rows and all(row["sources_count"] for row in full.rows)
    assert (bare.rows, bare.totals, bare.warnings) == (without_sources(full.rows), without_sources(full.totals),
                                                       full.warnings)
    with CaptureQueriesContext(connection) as queries:
        surrender_report(group_by=group_by, with_sources=False)
    assert not [query for query in queries if "source_id" in query["sql"].split(" FROM ")[0]]


def test_a_report_of_the_flows_only_reads_no_stocks_and_counts_what_a_scope_of_flows_counts(world):
    flows = DisplacementFigure.objects.filter(category=FLOW)
    for group_by in ("week", "month", ()):
        alone = displacement_report(DisplacementFigure.objects.all(), group_by=group_by, flows_only=True)
        scoped = displacement_report(flows, group_by=group_by)
        assert (alone.rows, alone.totals, alone.warnings) == (scoped.rows, scoped.totals, scoped.warnings)
    with CaptureQueriesContext(connection) as queries:
        displacement_report(flows, group_by="week", flows_only=True, with_warnings=False)
    assert not [query for query in queries if "'stock'" in query["sql"] or "tracker_location" in query["sql"]]


def test_a_figure_spanning_several_buckets_is_counted_once_and_flagged(world):
    monthly = by_group(displacement_report(group_by="month").rows, "month", "category", "term_group")
    march = monthly[("2019-03", FLOW, TermGroup.LEAVING)]
    assert march["multi_bucket_count"] == 1
    assert march["earliest_start_date"] == d("2019-02-20")
    assert monthly[("2019-01", FLOW, TermGroup.LEAVING)]["multi_bucket_count"] == 0
    weekly = displacement_report(group_by="week")
    assert sum(row["figures_count"] for row in weekly.rows if world.f1.pk in row["ids"]) == 1


# --- groupings ------------------------------------------------------------------------------------------


NON_TIME = [g for g in GROUP_BY_CHOICES if g not in TIME_DIMENSIONS]
GROUPINGS = [
    combo for size in range(0, 3) for combo in itertools.combinations(NON_TIME, size)
]


def _sums(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, tuple[int, int, int | None]]:
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, False, 0])
    for row in rows:
        total = sums[tuple(row[k] for k in keys)]
        total[0] += row["low"]
        total[1] += row["best"]
        total[2] += row["high"] or 0
        total[3] = total[3] or row["high_open"]
        total[4] += row["figures_count"]
    return {key: (low, best, None if open_ else high, count) for key, (low, best, high, open_, count) in sums.items()}


@pytest.mark.parametrize("time_dim", [None, *TIME_DIMENSIONS])
def test_every_grouping_adds_up_to_the_same_total(world, time_dim):
    """Within a time grouping (or none), any place, event or term grouping sums to the same totals."""
    time_keys = {None: (), "week": ("week",), "month": ("month",), "year": ("year",)}[time_dim]
    base_keys = (*time_keys, "category", "term_group")
    fast = {"with_ids": False, "with_warnings": False, "with_totals": False}
    reference = _sums(displacement_report(group_by=[time_dim] if time_dim else [], **fast).rows, base_keys)
    assert reference
    for combo in GROUPINGS:
        group_by = [*combo, *([time_dim] if time_dim else [])]
        assert _sums(displacement_report(group_by=group_by, **fast).rows, base_keys) == reference, group_by


def test_flows_summed_over_time_buckets_equal_the_whole_period(world):
    whole = _sums(displacement_report().rows, ("category", "term_group"))
    for time_dim in TIME_DIMENSIONS:
        rows = [row for row in displacement_report(group_by=time_dim).rows if row["category"] == FLOW]
        assert _sums(rows, ("category", "term_group")) == {k: v for k, v in whole.items() if k[0] == FLOW}


def test_figures_coarser_than_the_grouping_go_to_an_empty_key(world):
    rows = displacement_report(group_by="adm1,adm2").rows
    leaving = [row for row in rows if row["term_group"] == TermGroup.LEAVING]
    keyed = {(row["adm1_name"], row["adm2_name"]): row["best"] for row in leaving}
    assert keyed == {
        ("Deir-ez-Zor", "Abu Kamal"): 10_000,  # F1
        ("Deir-ez-Zor", None): 4_000,  # F6 is placed at the governorate: not attributable to a district
        ("Al-Hasakeh", None): 1_100,  # F5
        (None, None): 1_000,  # F10 is placed at the country
    }
    attributed = next(row for row in leaving if row["adm2_name"] == "Abu Kamal")
    assert attributed["adm1_pcode"] == "SY09"
    assert attributed["adm2_id"] == world.places.abu_kamal.pk


def test_group_keys_carry_names_and_codes(world):
    row = displacement_report(group_by="country,event,term").rows[0]
    assert set(row) >= {"country_id", "country_name", "country_iso3", "country_pcode", "event_id", "event_name",
                        "term", "term_label", "category", "term_group", "figures_count", "sources_count", "low",
                        "best", "high", "high_open", "ids", "ids_truncated"}
    week = displacement_report(group_by="week").rows[-1]
    assert week["week"] == "2019-W10" and week["week_start"] == d("2019-03-04")


def test_contributing_ids_are_capped_per_row(world):
    for n in range(3):
        flow(source=world.article, location=world.places.baghouz, reported_value=10 + n,
             start_date=d("2019-03-09"), end_date=d("2019-03-09"))
    report = displacement_report(group_by="month", ids_cap=2)
    march = by_group(report.rows, "month", "category", "term_group")[("2019-03", FLOW, TermGroup.LEAVING)]
    assert march["figures_count"] == 4
    assert len(march["ids"]) == 2
    assert march["ids_truncated"] is True
    assert world.f1.pk in march["ids"]  # the largest contributors first
    assert report.ids_cap == 2


def test_the_garbage_collector_runs_again_after_a_report_even_one_that_fails(world):
    # a report pauses cyclic garbage collection while it counts; a server left without it would grow
    assert gc.isenabled()
    displacement_report(group_by="adm1,month")
    assert gc.isenabled()
    with pytest.raises(FieldError):
        figure_report(DisplacementFigure, SurrenderFigure.objects.all())  # no category: fails while counting
    assert gc.isenabled()
    gc.disable()
    try:
        displacement_report()
        assert not gc.isenabled()  # a caller's own pause is left to the caller
    finally:
        gc.enable()


# --- parameters -------------------------------------------------------------------------------------------


def test_group_by_is_parsed_and_checked():
    assert parse_group_by("adm1,month") == ("month", "adm1")
    assert parse_group_by(" Month , month ") == ("month",)
    assert parse_group_by("") == ()
    with pytest.raises(ValidationError) as error:
        parse_group_by("adm1,mnth")
    assert "mnth" in str(error.value.message_dict["group_by"])
    with pytest.raises(ValidationError):
        parse_group_by("week,month")
    assert set(PLACE_DIMENSIONS) <= set(GROUP_BY_CHOICES)


# --- aid capacity -------------------------------------------------------------------------------------------


def test_aid_capacity_status_takes_the_latest_per_provider_place_and_sector(world):
    latest = {row["record_id"]: row for row in aid_capacity_status()}
    assert set(latest) == {world.a2.pk, world.a3.pk}  # a5 is confidential
    assert latest[world.a2.pk]["strain"] == "overwhelmed"
    assert latest[world.a2.pk]["capacity"] == 40
    as_of_5_march = {row["record_id"] for row in aid_capacity_status(as_of=d("2019-03-05"))}
    assert as_of_5_march == {world.a1.pk, world.a4.pk}  # unnamed providers matched by description
    with_confidential = {row["record_id"] for row in aid_capacity_status(audience=Audience.STAFF)}
    assert world.a5.pk in with_confidential


@pytest.mark.django_db(transaction=True)
def test_a_report_reads_one_moment_while_a_reviewer_changes_a_record(world):
    """Rejecting the holder stock and a flow while a report runs changes nothing in that report (the flows are
    summed on a second connection, started after the rejections commit), and all of the next."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets no write in while the report's read transaction is open")
    march = ("2019-03", "in_camp")

    def in_camp_march(report):
        return next(row["best"] for row in report.rows if (row["month"], row["term_group"]) == march)

    def leaving_march(report):
        return next((row["best"] for row in report.rows if (row["month"], row["term_group"]) == ("2019-03",
                                                                                                 "leaving")), None)

    def reject_holder() -> None:  # another session, committed at once
        try:
            DisplacementFigure.objects.filter(pk__in=[world.s5.pk, world.f1.pk]).update(
                review_status=ReviewStatus.REJECTED)
        finally:
            connections.close_all()

    def write_after_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not written and sql.lstrip().upper().startswith("SELECT"):
            written.append(sql)
            worker = threading.Thread(target=reject_holder)
            worker.start()
            worker.join()
        return result

    written: list[str] = []
    with connection.execute_wrapper(write_after_first_read):
        during = displacement_report(group_by="month")
    assert written  # the rejection landed after the report's first read
    assert in_camp_march(during) == 9_000  # S5 still counts, and S2 is still inside it
    assert leaving_march(during) == 10_000  # F1 too, read by the other connection in the same snapshot
    assert next(t["best"] for t in during.totals if t["term_group"] == "leaving") == 16_100
    nested = next(w for w in during.warnings if w["code"] == "nested_stock")
    assert nested["inside_of"][str(world.s2.pk)] == world.s5.pk

    after = displacement_report(group_by="month")
    assert in_camp_march(after) == 6_000  # S5 rejected: the camp's own latest stock counts
    assert leaving_march(after) is None  # F1 was March's only leaving flow
    assert not [w for w in after.warnings if w["code"] == "nested_stock"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("group_by", ["", "month", "adm1,week", "event,term"])
def test_one_connection_counts_what_two_connections_count(world, settings, group_by):
    """The second connection only runs the flows' part elsewhere: turned off (bench/ab_report.py compares the
    two), every row, total and warning is the same."""
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL counts on a second connection")
    two = displacement_report(group_by=group_by, audience=Audience.STAFF)
    settings.REPORT_SECOND_CONNECTION = False
    one = displacement_report(group_by=group_by, audience=Audience.STAFF)
    assert (one.rows, one.totals, one.warnings) == (two.rows, two.totals, two.warnings)
    assert two.rows
