"""``/api/v1/``: the resources, sync, vocabularies, the OpenAPI schema and its interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.renderers import JSONRenderer
from rest_framework.reverse import reverse
from rest_framework.routers import DefaultRouter

from tracker.api import imports as spreadsheet_imports
from tracker.api import reports, schema, tokens
from tracker.api.base import TrackerAPIMixin
from tracker.api.claims import AidCapacityReportViewSet, DisplacementFigureViewSet, SurrenderFigureViewSet
from tracker.api.deletions import DeletionsView
from tracker.api.double_counts import PossibleDoubleCountViewSet
from tracker.api.errors import not_found
from tracker.api.extract import ExtractView
from tracker.api.reference import EventViewSet, LocationViewSet, OrganizationViewSet, SourceViewSet
from tracker.api.resources import RESOURCE_VIEWSETS
from tracker.api.saved_queries import SavedQueryViewSet
from tracker.api.throttling import AnonRateThrottle
from tracker.api.vocabularies import VocabulariesView
from tracker.releases.listing import ReleaseListView

app_name = "api"

schema.document_resource(SourceViewSet, noun="source", plural="sources")
schema.document_resource(OrganizationViewSet, noun="organization", plural="organizations")
schema.document_resource(LocationViewSet, noun="place", plural="places")
schema.document_resource(EventViewSet, noun="event", plural="events")
schema.document_resource(DisplacementFigureViewSet, noun="displacement figure",
                         plural="displacement figures", claim=True)
schema.document_resource(SurrenderFigureViewSet, noun="surrender figure", plural="surrender figures",
                         claim=True, examples=[schema.SURRENDER_EXAMPLE])
schema.document_resource(AidCapacityReportViewSet, noun="aid capacity report", plural="aid capacity reports",
                         claim=True)
schema.DELETIONS_SCHEMA(DeletionsView)
schema.VOCABULARIES_SCHEMA(VocabulariesView)

class ApiRoot(TrackerAPIMixin, DefaultRouter.APIRootView):
    """The resources of the API, with the sync, vocabulary and documentation endpoints."""

    renderer_classes = [JSONRenderer]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        for name in ("deletions", "vocabularies", "releases", "extract", "imports", "schema", "docs"):
            response.data[name] = reverse(f"api:{name}", request=request)
        return response


router = DefaultRouter()
router.APIRootView = ApiRoot
for viewset in RESOURCE_VIEWSETS:
    router.register(viewset.resource, viewset, basename=viewset.resource)
# Staff: possible double counts and the decision that both stand (tracker.api.double_counts).
router.register("double-counts", PossibleDoubleCountViewSet, basename="double-counts")
# Staff: saved queries and their private feeds (tracker.api.saved_queries, tracker.api.feeds, docs/api.md).
router.register("saved-queries", SavedQueryViewSet, basename="saved-queries")

urlpatterns = [
    path("deletions/", DeletionsView.as_view(), name="deletions"),
    path("vocabularies/", VocabulariesView.as_view(), name="vocabularies"),
    # Public: citable releases, read from their manifests on disk (tracker.releases, docs/releases.md).
    path("releases/", ReleaseListView.as_view(), name="releases"),
    # Analysts: what the extraction assistant reads in a stored source or an uploaded file (docs/intake.md).
    path("extract/", ExtractView.as_view(), name="extract"),
    # Analysts: spreadsheet imports, previewed or written, their status, skipped rows, withdrawal and templates
    # (tracker.api.imports, docs/import.md).
    path("imports/", spreadsheet_imports.ImportView.as_view(), name="imports"),
    path("imports/templates/<str:kind>.xlsx", spreadsheet_imports.TemplateView.as_view(), name="import-template"),
    path("imports/<str:id>/", spreadsheet_imports.ImportBatchView.as_view(), name="import-detail"),
    path("imports/<str:id>/skipped.csv", spreadsheet_imports.SkippedRowsView.as_view(), name="import-skipped"),
    path("imports/<str:id>/withdraw/", spreadsheet_imports.WithdrawView.as_view(), name="import-withdraw"),
    path("reports/displacement/", reports.DisplacementReportView.as_view(), name="report-displacement"),
    path("reports/surrenders/", reports.SurrenderReportView.as_view(), name="report-surrenders"),
    path("reports/aid-capacity/", reports.AidCapacityStatusView.as_view(), name="report-aid-capacity"),
    # Public (no key needed to read the documentation), limited per address by API_ANON_RATE.
    path("schema/", SpectacularAPIView.as_view(throttle_classes=[AnonRateThrottle]), name="schema"),
    # The split view serves Swagger UI's start-up script as its own response (?script), so the page needs no
    # inline script under the Content-Security-Policy; its template has no inline style either.
    path("docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/docs.html", throttle_classes=[AnonRateThrottle]), name="docs"),
    # Analysts' write tokens: made (shown once), ended one or all (tracker.api.tokens, docs/api.md).
    path("auth/login/", tokens.TokenLoginView.as_view(), name="token-login"),
    path("auth/logout/", tokens.TokenLogoutView.as_view(), name="token-logout"),
    path("auth/logoutall/", tokens.TokenLogoutAllView.as_view(), name="token-logout-all"),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found),
]
