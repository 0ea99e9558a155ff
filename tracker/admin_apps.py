"""The admin app, pointed at the tracker's own site (landing page, review queue)."""

from django.contrib.admin.apps import AdminConfig


class TrackerAdminConfig(AdminConfig):
    default_site = "tracker.admin_site.TrackerAdminSite"
