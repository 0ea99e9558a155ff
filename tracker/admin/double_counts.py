"""Possible double counts: listed, and decided (both stand) by a reviewer."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from tracker import services
from tracker.admin.base import HistoryIdsMixin
from tracker.admin.filters import DecidedFilter
from tracker.admin.forms import ReviewCommentForm, error_text
from tracker.models import (
    PossibleDoubleCount,
)


@admin.register(PossibleDoubleCount)
class PossibleDoubleCountAdmin(HistoryIdsMixin, SimpleHistoryAdmin):
    list_display = ("kind", "first_link", "second_link", "found_at", "decided_by", "decided_at", "decision_reason")
    list_filter = (DecidedFilter, "kind")
    readonly_fields = ("kind", "first_id", "second_id", "found_at", "decided_by", "decided_at", "decision_reason",
                       "first_version", "second_version")
    actions = ["decide_both_stand"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _link(self, obj, pk):
        return format_html('<a href="{}">#{}</a>', reverse(f"admin:tracker_{obj.kind}_change", args=[pk]), pk)

    @admin.display(description="first record")
    def first_link(self, obj):
        return self._link(obj, obj.first_id)

    @admin.display(description="second record")
    def second_link(self, obj):
        return self._link(obj, obj.second_id)

    @admin.action(description="Record that both figures stand (with a reason)")
    def decide_both_stand(self, request, queryset):
        form = ReviewCommentForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for pair in queryset:
                try:
                    services.double_count_decide(pair, decided_by=request.user, reason=form.cleaned_data["comment"])
                except (ValidationError, PermissionDenied) as error:
                    self.message_user(request, f"{pair}: {error_text(error)}", messages.ERROR)
                    return None
            self.message_user(request, f"{queryset.count()} decision(s) recorded.", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/tracker/review_comment.html", {
            **self.admin_site.each_context(request), "title": "Why do both figures stand?", "form": form,
            "queryset": queryset, "action": request.POST.get("action"), "opts": self.opts,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })
