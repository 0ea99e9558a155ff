"""One FilterSet per resource, shared by the API, its exports and reports; no imports from the API.

A FilterSet filters for the audience its caller names (``audience=``, a :class:`tracker.audience.Audience`): the
API passes ``audience_of(request)``, the pages ``Audience.PUBLIC``. Given none it filters for
``Audience.NOBODY``, so a FilterSet built outside a request fails closed. Built outside a request::

    SourceFilterSet(QueryDict("q=siege"), Source.objects.visible_to(Audience.PUBLIC), audience=Audience.PUBLIC)
"""

from tracker.filtersets.base import StrictFilterSet
from tracker.filtersets.claims import (
    AidCapacityReportFilterSet,
    ClaimFilterSet,
    DisplacementFigureFilterSet,
    PossibleDoubleCountFilterSet,
    QuantifiedClaimFilterSet,
    SurrenderFigureFilterSet,
)
from tracker.filtersets.fields import date_filter
from tracker.filtersets.reference import EventFilterSet, LocationFilterSet, OrganizationFilterSet, SourceFilterSet

__all__ = [
    "AidCapacityReportFilterSet",
    "ClaimFilterSet",
    "DisplacementFigureFilterSet",
    "EventFilterSet",
    "LocationFilterSet",
    "OrganizationFilterSet",
    "PossibleDoubleCountFilterSet",
    "QuantifiedClaimFilterSet",
    "SourceFilterSet",
    "StrictFilterSet",
    "SurrenderFigureFilterSet",
    "date_filter",
]
