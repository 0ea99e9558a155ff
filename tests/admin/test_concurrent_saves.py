"""Ten analysts save one record in the admin at the same moment: one save lands, the others see the merge page.

Before, the form's version check passed for all ten and the service's locked check refused the losers with
ConcurrentEditError out of ``save_model``: four of ten got a 500.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from tests.admin.test_admin import figure_form
from tests.factories import AnalystFactory, DisplacementFigureFactory, build_claim
from tracker.models import DisplacementFigure
from tracker.services import claim_create

WRITERS = 10


@pytest.mark.django_db(transaction=True)
def test_ten_simultaneous_admin_saves_give_one_save_and_nine_merge_pages(groups, places, source):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs each admin save in one IMMEDIATE transaction, so saves never race past the form's "
                    "version check there; the race needs PostgreSQL's row locks")
    analysts = [AnalystFactory(username=f"analyst{n}") for n in range(WRITERS)]
    figure = claim_create(build_claim(DisplacementFigureFactory, source=source, location=places.baghouz),
                          created_by=analysts[0])
    url = reverse("admin:tracker_displacementfigure_change", args=[figure.pk])
    clients = []
    for analyst in analysts:
        client = Client(raise_request_exception=False)
        client.force_login(analyst)
        clients.append(client)
    start = threading.Barrier(WRITERS)
    results: list[tuple[int, str]] = [None] * WRITERS  # type: ignore[list-item]

    def save(n: int) -> None:
        try:
            start.wait()
            response = clients[n].post(url, figure_form(figure, notes=f"Checked by analyst {n}."))
            results[n] = (response.status_code, response.content.decode())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * (WRITERS - 1) + [302], statuses
    merge_pages = [body for status, body in results if status == 200]
    assert all("Someone else saved this record" in body for body in merge_pages)
    saved = DisplacementFigure.objects.get(pk=figure.pk)
    assert saved.version == figure.version + 1
    assert saved.history.count() == 2  # created, then the one save that landed
