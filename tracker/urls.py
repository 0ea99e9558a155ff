"""The public pages, mounted at the site root (config/urls.py)."""

from django.urls import path

from tracker.pages import views
from tracker.releases.listing import release_file

app_name = "pages"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("csv/<slug:table>.csv", views.HomeCsvView.as_view(), name="home_csv"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="event"),
    path("events/<int:pk>/csv/<slug:table>.csv", views.EventCsvView.as_view(), name="event_csv"),
    path("places/<int:pk>/", views.LocationDetailView.as_view(), name="place"),
    path("places/<int:pk>/csv/<slug:table>.csv", views.LocationCsvView.as_view(), name="place_csv"),
    # Citable releases' files, from RELEASES_ROOT without a database query (tracker/releases/listing.py).
    path("releases/<str:version>/<path:name>", release_file, name="release_file"),
]
