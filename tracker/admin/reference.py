"""The reference data's admins: organizations, places, crises, events."""

from __future__ import annotations

from django.contrib import admin

from tracker.admin.base import ServiceAdmin
from tracker.models import (
    Crisis,
    Event,
    Location,
    LocationName,
    Organization,
    OrganizationAlias,
)

# --- reference data ----------------------------------------------------------------------------


class OrganizationAliasInline(admin.TabularInline):
    model = OrganizationAlias
    extra = 1


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    list_display = ("name", "acronym", "kind", "reliability", "country", "alias_list")
    list_filter = ("kind", "reliability")
    search_fields = ("name", "acronym", "aliases__name")
    autocomplete_fields = ("country",)
    inlines = [OrganizationAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country").prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, obj) -> str:
        return ", ".join(alias.name for alias in obj.aliases.all())


class LocationNameInline(admin.TabularInline):
    model = LocationName
    extra = 1


@admin.register(Location)
class LocationAdmin(ServiceAdmin):
    list_display = ("name", "level", "pcode", "parent", "country", "adm1", "latitude", "longitude")
    list_select_related = ("parent", "country", "adm1")
    list_filter = ("level",)
    search_fields = ("name", "pcode", "iso3", "alternate_names__name")
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "country", "adm1", "adm2")
    inlines = [LocationNameInline]


@admin.register(Crisis)
class CrisisAdmin(ServiceAdmin):
    search_fields = ("name",)


@admin.register(Event)
class EventAdmin(ServiceAdmin):
    list_display = ("name", "kind", "crisis", "start_date", "end_date")
    list_select_related = ("crisis",)
    list_filter = ("kind", "crisis")
    search_fields = ("name", "crisis__name")
    autocomplete_fields = ("crisis", "countries", "parties")
