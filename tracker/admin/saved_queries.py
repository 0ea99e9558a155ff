"""Saved queries: staff make them (for themselves or on an NGO key's behalf), see them, rotate or revoke their
feeds; the feed URL is shown once, after a save that made it or a rotation. Every write goes through
tracker.services.saved_queries (docs/api.md, "Feeds and saved queries")."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from tracker import services
from tracker.admin.forms import RefusalMessageMixin, ServiceRefused, error_text
from tracker.models import SavedQuery
from tracker.services.common import has_permission
from tracker.services.saved_queries import MANAGE_KEYS, UPDATABLE, checking_audience, clean_query_text, query_errors


class SavedQueryForm(forms.ModelForm):
    """Checks the filters with the list's own filters, for the audience the query reads as, on the field."""

    class Meta:
        model = SavedQuery
        fields = ("name", "resource", "query", "api_key", "digest", "email")

    def clean(self):
        data = super().clean()
        resource = data.get("resource")
        api_key = data.get("api_key", self.instance.api_key if self.instance.pk else None)
        if resource and "query" in data:
            for message in query_errors(resource, clean_query_text(data["query"]), checking_audience(api_key)):
                self.add_error("query", message)
        return data


@admin.register(SavedQuery)
class SavedQueryAdmin(RefusalMessageMixin, SimpleHistoryAdmin):
    form = SavedQueryForm
    list_display = ("name", "resource", "query", "owner", "api_key", "digest", "feed_active", "digest_sent_at")
    list_filter = ("resource", "digest")
    search_fields = ("name", "query", "owner__username", "api_key__client", "api_key__prefix")
    autocomplete_fields = ("api_key",)
    actions = ["rotate_feeds", "revoke_feeds"]
    readonly_fields = ("owner", "token_prefix", "token_created_at", "digest_through", "digest_sent_at")
    show_full_result_count = False

    @admin.display(boolean=True, description="feed on")
    def feed_active(self, obj: SavedQuery) -> bool:
        return obj.feed_active

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("owner", "api_key")
        if not has_permission(request.user, MANAGE_KEYS):
            queryset = queryset.filter(owner=request.user)
        return queryset

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "api_key") if obj is not None else fields

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False  # no Revert button: the services check every change

    def show_feed(self, request, saved_query: SavedQuery, token: str) -> None:
        url = request.build_absolute_uri(services.feed_path(token))
        self.message_user(request, f"The feed of “{saved_query.name}” is at {url} . Copy it now: it is not stored "
                                   "and will not be shown again (rotate to make a new one).", messages.WARNING)

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                row, token = services.saved_query_create(
                    user=request.user, name=obj.name, resource=obj.resource, query=obj.query, api_key=obj.api_key,
                    digest=obj.digest, email=obj.email,
                )
                self.adopt(obj, row)
                self.show_feed(request, row, token)
                return
            data = {name: form.cleaned_data[name] for name in UPDATABLE if name in form.changed_data}
            if data:
                services.saved_query_update(saved_query=obj, user=request.user, data=data)
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefused(error) from error

    def delete_model(self, request, obj):
        services.saved_query_delete(saved_query=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for saved_query in queryset:
                services.saved_query_delete(saved_query=saved_query, user=request.user)

    @admin.action(description="Rotate the selected feeds (new URLs; the old ones stop working)",
                  permissions=["change"])
    def rotate_feeds(self, request, queryset):
        made = []
        try:
            with transaction.atomic():
                for saved_query in queryset:
                    made.append(services.saved_query_rotate_token(saved_query=saved_query, user=request.user))
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, f"Nothing was rotated: {error_text(error)}", messages.ERROR)
            return
        for saved_query, token in made:
            self.show_feed(request, saved_query, token)

    @admin.action(description="Revoke the selected feeds (they answer 404 until rotated)", permissions=["change"])
    def revoke_feeds(self, request, queryset):
        try:
            with transaction.atomic():
                for saved_query in queryset:
                    services.saved_query_revoke_token(saved_query=saved_query, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, f"Nothing was revoked: {error_text(error)}", messages.ERROR)
            return
        self.message_user(request, "Revoked: those feeds answer 404 from now on.")
