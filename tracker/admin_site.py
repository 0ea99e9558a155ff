"""The admin site, with a landing page that tells an analyst what needs them."""

from django.contrib import admin

from tracker.selectors import landing_summary


class TrackerAdminSite(admin.AdminSite):
    site_header = "Displacement Tracker"
    site_title = "Displacement Tracker"
    index_title = "Curation"
    index_template = "admin/tracker_index.html"
    enable_nav_sidebar = False  # the figure lists need the width

    def index(self, request, extra_context=None):
        context = {"landing": landing_summary(request.user)} if request.user.is_active else {}
        context.update(extra_context or {})
        return super().index(request, extra_context=context)

    def get_urls(self):
        from tracker.admin.claim_views import claim_form_urls  # the admin package imports this site

        return [*claim_form_urls(self), *super().get_urls()]
