"""The admin's forms: optimistic locking (a stale version is refused, naming what changed) and the services'
validation, and the refusal a service raises out of a save that the form had passed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect


def error_text(error: Exception) -> str:
    return "; ".join(getattr(error, "messages", None) or [str(error)])


# --- forms: optimistic locking and the same validation as the services ----------------------


def conflict_summary(model, pk: int, expected: int) -> list[str]:
    """What changed between the version an editor opened and the current one, and by whom."""
    history = model.history.filter(id=pk).order_by("-history_date", "-history_id")
    old = history.filter(version=expected).first()
    new = history.first()
    if old is None or new is None:
        return []
    who = sorted({str(h.history_user) for h in history.filter(version__gt=expected) if h.history_user})
    lines = [f"Changed by {', '.join(who) or 'someone else'}:"]
    for change in new.diff_against(old).changes:
        label = model._meta.get_field(change.field).verbose_name
        lines.append(f"{label}: {change.old!s:.200} → {change.new!s:.200}")
    return lines


class VersionedForm(forms.ModelForm):
    """Carries the version the editor opened. A save against a newer version is refused, the
    other person's changes are listed, and the editor's input stays on the form to merge."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reverting = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            version = self.instance.version
            if self.reverting:  # the historical row's version is not the one being replaced
                version = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True)[0]
            self.initial["expected_version"] = version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected is not None:
            model = type(self.instance)
            current = model.objects.filter(pk=self.instance.pk).first()
            if current is not None and current.version != expected:
                merged = self.merge_their_changes(current, expected)
                raise ValidationError(
                    [f"Someone else saved this record (now version {current.version}) after you opened version "
                     f"{expected}. Nothing was saved. Your own changes are kept below"
                     f"{', merged with theirs' if merged else ''}: check them and save again.",
                     *conflict_summary(model, self.instance.pk, expected)],
                    code="stale",
                )
        return cleaned

    def merge_their_changes(self, current, expected: int) -> list[str]:
        """Three-way merge into the bound data: a field this editor left as they found it takes the
        other person's value; a field this editor changed keeps theirs. The next save is then made
        against the current version. Returns the names of the fields taken from the other person."""
        opened = current.history.filter(version=expected).order_by("-history_date", "-history_id").first()
        data = self.data.copy()
        data[self.add_prefix("expected_version")] = current.version
        taken = []
        if opened is not None:
            base_form = type(self)(instance=opened.instance, prefix=self.prefix)
            their_form = type(self)(instance=current, prefix=self.prefix)
            for name, field in self.fields.items():
                if name == "expected_version" or field.disabled:
                    continue
                base, theirs = base_form[name].value(), their_form[name].value()
                if field.has_changed(base, self[name].data) or not field.has_changed(base, theirs):
                    continue
                key = self.add_prefix(name)
                if isinstance(theirs, list | tuple):
                    data.setlist(key, [str(v) for v in theirs])
                elif isinstance(field.widget, forms.CheckboxInput):
                    data.pop(key, None)
                    if theirs:
                        data[key] = "on"
                else:
                    data[key] = "" if theirs is None else field.widget.format_value(theirs) or ""
                taken.append(name)
        self.data = data
        return taken

    def _post_clean(self):
        super()._post_clean()
        derive = getattr(self.instance, "derive", None)
        if derive and not self.errors:
            try:
                derive()
                self.instance.validate_constraints()
            except (ValidationError, ValueError) as error:
                self.add_error(None, error_text(error))


def clean_with_refusal(form):
    """``clean`` of a form shown again after a service refused its save: the refusal is the form's error."""
    cleaned = super(type(form), form).clean()
    error = form.refusal
    field = getattr(error, "field", None)
    if field in form.fields:
        form.add_error(field, error_text(error))
    else:
        form.add_error(None, error_text(error))
    return cleaned


class ClaimInlineFormSet(BaseInlineFormSet):
    """Gives each record the (possibly unsaved) source, so that date and excerpt rules see it."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        setattr(form.instance, self.fk.name, self.instance)
        return form


class ServiceRefused(Exception):
    """A service refused a save the form had passed (another editor won the race, a permission, a workflow
    rule): raised out of ``save_model`` so that the admin's transaction rolls back."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class RefusalMessageMixin:
    """For admins whose ``save_model`` calls a service and raises ``ServiceRefused`` when it refuses: the page
    comes back with the service's reason as a message (the admin's transaction rolled back: nothing was saved)."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            self.message_user(request, f"Nothing was saved: {error_text(refused.error)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @staticmethod
    def adopt(obj, row) -> None:
        """Make the admin's unsaved ``obj`` the row a service created, so the admin carries on with it."""
        for field in type(row)._meta.concrete_fields:
            setattr(obj, field.attname, getattr(row, field.attname))
        obj._state.adding, obj._state.db = False, row._state.db


class ReviewCommentForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), label="Comment")
