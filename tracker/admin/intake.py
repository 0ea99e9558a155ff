"""A source's text in the admin: added from a file or pasted text, its near duplicates, and its drop.

``SourceIntakeMixin`` goes on ``SourceAdmin``: the add page takes an uploaded file (HTML, PDF or text) or
pasted text and fills the title, date, author and publisher the file states; the change page shows when a
text that may not be kept will be dropped, with a button to drop it now, and the near duplicates with links.
The pieces render from templates/admin/tracker/source/text_status.html and near_duplicates.html.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from tracker.admin.forms import ServiceRefused, error_text
from tracker.intake import NEAR_DUPLICATE_THRESHOLD, Upload, near_duplicates
from tracker.intake.reading import too_large_message
from tracker.models import Source
from tracker.services.common import WorkflowError
from tracker.services.intake import fields_from_intake, read_intake, source_intake, source_text_drop

#: filled from the file when the form leaves them empty, so not required on the add page
FILLED_FROM_FILE = ("title", "publication_date", "publisher")


class SourceIntakeFormMixin(forms.Form):
    """The add page's file field, and the rule that fills empty fields from the file or text."""

    file = forms.FileField(
        required=False, label="Article file",
        help_text="An HTML page, a PDF or a UTF-8 text file. Its title, publication date, author and site "
                  "(matched to the publisher) fill the fields left empty. Or paste the text below.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in FILLED_FROM_FILE:
            if name in self.fields:
                self.fields[name].required = False
        if "text" in self.fields:
            self.fields["text"].label = "Article text (pasted)"
        self.intake_upload = None

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.SOURCE_UPLOAD_MAX_BYTES:
            raise ValidationError(too_large_message(upload.size))
        return upload

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), cleaned.get("text") or ""
        if "file" in self.errors:
            return cleaned
        if not upload and not text.strip():
            for name in FILLED_FROM_FILE:
                if name in self.fields and not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "This field is required.")
            return cleaned
        if upload:
            upload.seek(0)
            self.intake_upload = Upload(upload.read(), upload.name or "", upload.content_type)
        try:
            intake = read_intake(text=None if upload else text, upload=self.intake_upload)
            fields = {name: cleaned.get(name) for name in ("title", "publication_date", "publisher", "author",
                                                           "url", "language") if name in self.fields}
            filled = fields_from_intake(intake, fields)
        except ValidationError as error:
            for name, messages_ in error.message_dict.items():
                self.add_error(name if name in self.fields else None, messages_)
            return cleaned
        for name, value in filled.items():
            if name in self.fields:
                cleaned[name] = value
        cleaned["text"] = intake.text
        return cleaned


def near_duplicates_html(source: Source, request=None) -> str:
    found = near_duplicates(source.text_signature, exclude=source) if source.text_signature else []
    items = [{"source": other, "similarity": score, "url": reverse("admin:tracker_source_change", args=[other.pk])}
             for other, score in found]
    return render_to_string("admin/tracker/source/near_duplicates.html",
                            {"near_duplicates": items, "threshold": NEAR_DUPLICATE_THRESHOLD}, request=request)


class SourceIntakeMixin:
    """The intake doors of ``SourceAdmin`` (see the module's docstring)."""

    intake_readonly = ("text_status", "near_duplicate_links", "intake_format")

    # --- the forms ---
    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = type("SourceIntakeForm", (SourceIntakeFormMixin, self.form), {})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        main = ("title", "url", ("publisher", "co_credited"), ("publication_date", "kind", "language"), "author",
                "dateline", ("archive_url", "accessed_on"), "is_confidential", "notes", "expected_version")
        if obj is None:
            return (
                ("Article: upload its file or paste its text", {"fields": ("file", "text", "text_may_be_kept")}),
                (None, {"fields": main}),
            )
        return (
            (None, {"fields": main}),
            ("Stored text (only where its licence allows)", {
                "fields": ("text_status", "near_duplicate_links", "text_may_be_kept", "text", "intake_format",
                           "url_normalized", "content_hash"),
            }),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + self.intake_readonly if obj is not None else readonly

    def text_status(self, obj) -> str:
        return render_to_string("admin/tracker/source/text_status.html", text_status_context(obj))

    text_status.short_description = "Text"

    def near_duplicate_links(self, obj) -> str:
        return near_duplicates_html(obj)

    near_duplicate_links.short_description = "Near duplicates"

    # --- saving through the intake service ---
    def save_model(self, request, obj, form, change):
        if change or not (getattr(form, "intake_upload", None) or (obj.text or "").strip()):
            return super().save_model(request, obj, form, change)
        fields = {name: form.cleaned_data.get(name) for name in (
            "title", "url", "publisher", "publication_date", "kind", "language", "dateline", "archive_url",
            "accessed_on", "is_confidential", "notes", "text_may_be_kept", "author") if name in form.cleaned_data}
        try:
            result = source_intake(
                created_by=request.user, fields=fields, co_credited=form.cleaned_data.get("co_credited") or (),
                upload=form.intake_upload, text=None if form.intake_upload else obj.text, instance=obj,
            )
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefused(error) from error
        if result.near_duplicates:
            links = format_html_join(", ", '<a href="{}">#{} {}</a> ({} similar)', (
                (reverse("admin:tracker_source_change", args=[other.pk]), other.pk, other.title, f"{score:.0%}")
                for other, score in result.near_duplicates))
            self.message_user(request, format_html(
                "This text is nearly the same as stored source(s): {}. Check it is not the same article "
                "before entering its records.", links), messages.WARNING)
        return None

    # --- dropping the text ---
    def get_urls(self):
        own = [path("<path:object_id>/drop-text/", self.admin_site.admin_view(self.drop_text_view),
                    name="tracker_source_drop_text")]
        return own + super().get_urls()

    def drop_text_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        source = self.get_object(request, object_id)
        if source is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            source_text_drop(source, dropped_by=request.user)
        except (PermissionDenied, WorkflowError) as error:
            self.message_user(request, f"The text was not dropped: {error_text(error)}", messages.ERROR)
        else:
            self.message_user(request, "The text was dropped. Its hash, its near-duplicate signature and the "
                                       "records' excerpts and offsets remain.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:tracker_source_change", args=[source.pk]))


def text_status_context(source: Source) -> dict:
    """What the source page says of its text: kept, held until a time (with the drop button), or dropped."""
    return {
        "source": source,
        "has_text": bool(source.text),
        "may_be_kept": source.text_may_be_kept,
        "drop_after": source.text_drop_after,
        "dropped_at": source.text_dropped_at,
        "drop_url": reverse("admin:tracker_source_drop_text", args=[source.pk]) if source.pk else "",
    }
