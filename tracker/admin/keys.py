"""NGO API keys (made, scoped, revoked here) and analysts' write tokens (listed and ended here, made by their
holders): docs/api.md."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from knox.models import AuthToken
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from tracker import services
from tracker.admin.forms import RefusalMessageMixin, ServiceRefused, error_text
from tracker.models import (
    ApiKey,
)

# --- NGO API keys (docs/api.md) --------------------------------------------------------------



if admin.site.is_registered(APIKey):
    admin.site.unregister(APIKey)  # the library's own table is unused: keys are tracker.ApiKey


class ApiKeyForm(forms.ModelForm):
    """Refuses the confidential scope to whoever may not grant it (tracker.services.access), on the field."""

    user = None  # set per request by ApiKeyAdmin.get_form

    class Meta:
        model = ApiKey
        fields = ("client", "name", "confidential_scope", "expiry_date", "revoked")

    def clean_confidential_scope(self):
        granted = self.cleaned_data.get("confidential_scope")
        had = bool(self.instance.pk and self.instance.confidential_scope)
        if granted and not had and not services.may_grant_confidential_scope(self.user):
            raise ValidationError("Only an administrator may grant the confidential scope.")
        return granted


@admin.register(ApiKey)
class ApiKeyAdmin(RefusalMessageMixin, SimpleHistoryAdmin, APIKeyModelAdmin):
    """NGO clients' read-only keys: made here (the key is shown once, after saving), expired or revoked.

    Every save goes through tracker.services.access, which records who changed what in the key's History.
    Keys are revoked (for good), not deleted, and History is for reading: nothing is reverted from it.
    """

    form = ApiKeyForm
    list_display = ("prefix", "client", "name", "confidential_scope", "created", "expiry_date", "_has_expired",
                    "revoked")
    list_filter = ("confidential_scope", "revoked", "created")
    search_fields = ("client", "name", "prefix")
    fields = ("client", "name", "confidential_scope", "expiry_date", "revoked", "prefix")
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.revoked:
            fields = (*fields, "client", "confidential_scope")
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_history_permission(self, request, obj=None) -> bool:
        return False  # no Revert button: an old version is not a way around the services' rules

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("An API key's history is for reading.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        try:
            if not change:
                row, key = services.api_key_create(
                    user=request.user, client=obj.client, name=obj.name,
                    confidential_scope=obj.confidential_scope, expiry_date=obj.expiry_date,
                )
                self.adopt(obj, row)
                self.message_user(request, f"The API key for {row.client} is: {key} . Store it somewhere safe now: "
                                           "it is not stored and will not be shown again.", messages.WARNING)
                return
            data = {name: form.cleaned_data[name] for name in services.API_KEY_CHANGEABLE
                    if name in form.changed_data}
            if data:
                services.api_key_update(key=obj, user=request.user, data=data)
            if "revoked" in form.changed_data and form.cleaned_data["revoked"]:
                services.api_key_revoke(key=obj, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefused(error) from error

    @admin.action(description="Revoke the selected keys (for good)", permissions=["change"])
    def revoke_keys(self, request, queryset):
        try:
            with transaction.atomic():
                for key in queryset.filter(revoked=False):
                    services.api_key_revoke(key=key, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, f"Nothing was revoked: {error_text(error)}", messages.ERROR)
            return
        self.message_user(request, "Revoked: every request with those keys is refused from now on.")


# --- analysts' write tokens (docs/api.md): listed and ended here, made by their holders ---------------


if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)  # knox's own admin makes tokens for anyone and shows them to the admin


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Who holds write tokens and until when; deleting one ends it. Only hashes are stored, so no token is
    shown; each analyst makes their own (POST /api/v1/auth/login/ or manage.py create_api_token)."""

    list_display = ("user", "created", "expiry")
    list_filter = ("expiry",)
    search_fields = ("user__username",)
    fields = ("user", "created", "expiry")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
