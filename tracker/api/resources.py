"""Every resource of the API, in the order the API root lists them."""

from __future__ import annotations

from tracker.api.claims import AidCapacityReportViewSet, DisplacementFigureViewSet, SurrenderFigureViewSet
from tracker.api.reference import EventViewSet, LocationViewSet, OrganizationViewSet, SourceViewSet

RESOURCE_VIEWSETS = [
    SourceViewSet, OrganizationViewSet, LocationViewSet, EventViewSet,
    DisplacementFigureViewSet, SurrenderFigureViewSet, AidCapacityReportViewSet,
]
RESOURCE_OF = {viewset.model._meta.model_name: viewset.resource for viewset in RESOURCE_VIEWSETS}
