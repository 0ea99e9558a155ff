"""A small world whose totals are computed by hand (see the numbers in each docstring).

Places come from ``tests/conftest.py``'s ``places``: Syria > Deir-ez-Zor (SY09) >
Abu Kamal > Baghouz > Al-Hol camp (a site), Syria > Al-Hasakeh (SY08), Iraq > Al-Anbar.
Every record is approved unless its name says otherwise. Dates are in early 2019:
weeks start on Monday (18 Feb, 25 Feb, 4 Mar ...).
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.factories import (
    AidCapacityReportFactory,
    DisplacementFigureFactory,
    EventFactory,
    OrganizationFactory,
    SourceFactory,
    SurrenderFigureFactory,
)
from tracker.choices import (
    DisplacementCategory,
    DisplacementTerm,
    OrganizationKind,
    Quantifier,
    Reliability,
    ReviewStatus,
    Role,
    Sector,
    Strain,
    SurrenderTerm,
    Unit,
)
from tracker.models import PossibleDoubleCount

APPROVED = ReviewStatus.APPROVED


def d(text: str) -> date:
    return date.fromisoformat(text)


def flow(**fields):
    fields.setdefault("review_status", APPROVED)
    fields.setdefault("term", DisplacementTerm.FLED)
    fields.setdefault("category", DisplacementCategory.FLOW)
    return DisplacementFigureFactory(**fields)


def stock(**fields):
    fields.setdefault("review_status", APPROVED)
    fields.setdefault("term", DisplacementTerm.IN_CAMP)
    fields.setdefault("category", DisplacementCategory.STOCK)
    return DisplacementFigureFactory(**fields)


@pytest.fixture
def world(places):
    """Figures with a triangulation, a duplicate, confidential records, a stock series, a household unit,
    an open bound, an unquantified claim, a draft and a country-level figure.

    Public leaving flows (fled/evacuated), low / best / high:
      January:  F10 Syria range 1,000-3,000                     1,000 / 1,000 / 3,000
      February: F5 Al-Hasakeh 200 households x 5.5 = 1,100      1,100 / 1,100 / 1,100
                F6 Deir-ez-Zor more than 4,000                  4,000 / 4,000 / open
                                                     total      5,100 / 5,100 / open
      March:    F1 Abu Kamal exactly 10,000 (began 20 Feb)     10,000 / 10,000 / 10,000
      Whole period                                             16,100 / 16,100 / open
    Not counted: F2 (triangulation of F1, 3,000), F3 (duplicate of F1), F4 (confidential, 500),
    F4b (its source is confidential, 700), F7 (unquantified), F8 (draft, 50,000).
    Arriving: F9 Al-Anbar 2,000 (3 March).

    In-camp stocks: Al-Hol camp S4 5,500 (20 Feb), S1 5,000 (1 Mar), S2 6,000 (8 Mar, medium publisher),
    S3 6,500 (8 Mar, low publisher: loses the tie to S2); Baghouz S5 9,000 (5 Mar) holds the camp.
      February 5,500 (S4); March 9,000 (S5; S2 dropped: the camp lies inside Baghouz); whole period 9,000.
      Weeks: 18 Feb 5,500 (S4); 25 Feb 5,000 (S1); 4 Mar 9,000 (S5, S2 dropped).
    Trapped stocks: Baghouz S6 1,000 and S7 1,200, both 10 March from equally reliable publishers:
      the lower id (S6) wins: 1,000.

    Surrenders: U1 more than 4,000 (March), U2 exactly 300 (February), U3 duplicate of U2.
      Whole period 4,300 / 4,300 / open.
    """
    p = places
    event = EventFactory(name="Battle of Baghouz")
    medium = OrganizationFactory(name="Medium Wire", kind=OrganizationKind.MEDIA, reliability=Reliability.MEDIUM)
    low = OrganizationFactory(name="Low Blog", kind=OrganizationKind.MEDIA, reliability=Reliability.LOW)
    article = SourceFactory(title="Article A", publisher=medium)
    other = SourceFactory(title="Article B", publisher=medium)
    blog = SourceFactory(title="Blog post", publisher=low)
    secret = SourceFactory(title="Confidential briefing", publisher=medium, is_confidential=True)

    w = SimpleNamespace(places=p, event=event, article=article, other=other, blog=blog, secret=secret)
    common = {"event": event, "source": article}
    w.f1 = flow(**common, location=p.abu_kamal, reported_value=10_000, start_date=d("2019-02-20"),
                end_date=d("2019-03-10"))
    w.f2 = flow(**common, location=p.baghouz, reported_value=3_000, role=Role.TRIANGULATION, supports=w.f1,
                start_date=d("2019-03-01"), end_date=d("2019-03-10"))
    w.f3 = flow(event=event, source=other, location=p.abu_kamal, reported_value=10_000, duplicate_of=w.f1,
                start_date=d("2019-03-01"), end_date=d("2019-03-09"))
    w.f4 = flow(**common, location=p.baghouz, reported_value=500, is_confidential=True,
                start_date=d("2019-03-04"), end_date=d("2019-03-05"))
    w.f4b = flow(event=event, source=secret, location=p.hasakeh, reported_value=700,
                 start_date=d("2019-03-04"), end_date=d("2019-03-06"))
    w.f5 = flow(**common, location=p.hasakeh, unit=Unit.HOUSEHOLDS, reported_value=200,
                household_size=Decimal("5.5"), household_size_source="reported",
                start_date=d("2019-02-11"), end_date=d("2019-02-15"))
    w.f6 = flow(**common, location=p.deir_ez_zor, term=DisplacementTerm.EVACUATED, quantifier=Quantifier.MORE_THAN,
                reported_value=4_000, start_date=d("2019-02-25"), end_date=d("2019-02-28"))
    w.f7 = flow(**common, location=p.baghouz, quantifier=Quantifier.UNQUANTIFIED, reported_value=None,
                start_date=d("2019-03-08"), end_date=d("2019-03-08"))
    w.f8 = flow(**common, location=p.baghouz, reported_value=50_000, review_status=ReviewStatus.IN_REVIEW,
                start_date=d("2019-03-08"), end_date=d("2019-03-08"))
    w.f9 = flow(**common, location=p.anbar, term=DisplacementTerm.ARRIVED, reported_value=2_000,
                start_date=d("2019-03-01"), end_date=d("2019-03-03"))
    w.f10 = flow(event=None, source=article, location=p.syria, quantifier=Quantifier.RANGE, reported_value=1_000,
                 reported_value_max=3_000, start_date=d("2019-01-14"), end_date=d("2019-01-20"))

    w.s4 = stock(**common, location=p.camp, reported_value=5_500, start_date=d("2019-02-20"), end_date=d("2019-02-20"))
    w.s1 = stock(**common, location=p.camp, reported_value=5_000, start_date=d("2019-03-01"), end_date=d("2019-03-01"))
    w.s2 = stock(**common, location=p.camp, reported_value=6_000, start_date=d("2019-03-08"), end_date=d("2019-03-08"))
    w.s3 = stock(event=event, source=blog, location=p.camp, reported_value=6_500, start_date=d("2019-03-08"),
                 end_date=d("2019-03-08"))
    w.s5 = stock(**common, location=p.baghouz, reported_value=9_000, start_date=d("2019-03-05"),
                 end_date=d("2019-03-05"))
    w.s6 = stock(**common, location=p.baghouz, term=DisplacementTerm.TRAPPED, reported_value=1_000,
                 start_date=d("2019-03-10"), end_date=d("2019-03-10"))
    w.s7 = stock(event=event, source=other, location=p.baghouz, term=DisplacementTerm.TRAPPED,
                 reported_value=1_200, start_date=d("2019-03-10"), end_date=d("2019-03-10"))

    isil = OrganizationFactory(name="ISIL", kind=OrganizationKind.ARMED_GROUP)
    surrender = {"event": event, "source": article, "surrendering_group": isil, "review_status": APPROVED,
                 "term": SurrenderTerm.SURRENDERED}
    w.u1 = SurrenderFigureFactory(**surrender, location=p.baghouz, quantifier=Quantifier.MORE_THAN,
                                  reported_value=4_000, start_date=d("2019-02-10"), end_date=d("2019-03-10"))
    w.u2 = SurrenderFigureFactory(**surrender, location=p.abu_kamal, reported_value=300,
                                  start_date=d("2019-02-18"), end_date=d("2019-02-19"))
    w.u3 = SurrenderFigureFactory(event=event, source=other, surrendering_group=isil, review_status=APPROVED,
                                  location=p.abu_kamal, reported_value=300, duplicate_of=w.u2,
                                  start_date=d("2019-02-18"), end_date=d("2019-02-19"))

    helper = OrganizationFactory(name="Health Partner", reliability=Reliability.HIGH)
    aid = {"event": event, "source": article, "review_status": APPROVED}
    w.a1 = AidCapacityReportFactory(**aid, provider=helper, provider_description="", location=p.baghouz,
                                    sector=Sector.HEALTH, strain=Strain.STRAINED,
                                    start_date=d("2019-03-01"), end_date=d("2019-03-01"))
    w.a2 = AidCapacityReportFactory(**aid, provider=helper, provider_description="", location=p.baghouz,
                                    sector=Sector.HEALTH, strain=Strain.OVERWHELMED, capacity=40, demand=120,
                                    capacity_unit="beds", start_date=d("2019-03-08"), end_date=d("2019-03-08"))
    w.a3 = AidCapacityReportFactory(**aid, provider_description="aid agencies in the area", location=p.deir_ez_zor,
                                    sector=Sector.MULTI_SECTOR, strain=Strain.STRAINED,
                                    start_date=d("2019-03-10"), end_date=d("2019-03-10"))
    w.a4 = AidCapacityReportFactory(**aid, provider_description=" Aid agencies in the AREA", location=p.deir_ez_zor,
                                    sector=Sector.MULTI_SECTOR, strain=Strain.NORMAL,
                                    start_date=d("2019-03-02"), end_date=d("2019-03-02"))
    w.a5 = AidCapacityReportFactory(**aid, provider=helper, provider_description="", location=p.hasakeh,
                                    sector=Sector.SHELTER, strain=Strain.SUSPENDED, is_confidential=True,
                                    start_date=d("2019-03-03"), end_date=d("2019-03-03"))

    first, second = sorted((w.f1.pk, w.f6.pk))
    w.pair = PossibleDoubleCount.objects.create(
        kind="displacementfigure", first_id=first, second_id=second, decided_at=timezone.now(),
        decision_reason="Different people: Abu Kamal's flow and the governorate's evacuation.",
    )
    return w


# --- the browser ----------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "reports"


class ChromiumThread:
    """Debian's Chromium driven by Playwright's sync API in a thread of its own.

    Another suite's session-wide Playwright may already run an event loop in the test thread (the sync API
    allows one per thread), so this one lives in its own thread: ``run(fn)`` calls ``fn(browser)`` there and
    returns its result, re-raising its exceptions. The live server and the ORM stay in the test thread.
    """

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self.playwright = self.browser = None
        self.run(lambda _: self._start())

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self.playwright = sync_playwright().start()
        self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    def run(self, fn):
        return self.executor.submit(lambda: fn(self.browser)).result(timeout=120)

    def close(self) -> None:
        def stop(browser):
            if browser:
                browser.close()
            if self.playwright:
                self.playwright.stop()

        try:
            self.run(stop)
        finally:
            self.executor.shutdown()


@pytest.fixture(scope="session")
def chromium():
    """Chromium for the page tests; skipped with a reason when missing (a failure under CI=true)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package to run browser tests"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # browser tests only (NOTES.md, browser tests)
    runner = ChromiumThread()
    try:
        yield runner
    finally:
        runner.close()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def save_screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
