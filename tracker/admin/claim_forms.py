"""A record's add and change form: the reported phrase is what the analyst types, and what follows from the
record's own inputs is filled, not asked for.

Left empty, the quantity's parts come from the reported phrase, the category from the term, the dates from the
source's publication date, a household size from the country's default, the excerpt's offsets from the stored
text: ``tracker.services.claims.claim_fill_derived`` fills them (the services call it again at save, for every
door), here before validation, so that the form validates and shows what was filled.
"""

from __future__ import annotations

import copy

from django import forms
from django.forms.models import construct_instance

from tracker.admin.forms import VersionedForm
from tracker.models.extraction import Proposal
from tracker.services.claims import claim_fill_derived

# Form fields the analyst may leave empty because claim_fill_derived fills them.
DERIVED_WHEN_EMPTY = ("quantifier", "unit", "category", "start_date", "end_date")
# Fields claim_fill_derived may fill, copied back to the form's data.
FILLED = (*DERIVED_WHEN_EMPTY, "reported_value", "reported_value_max", "magnitude_word", "start_precision",
          "end_precision", "household_size", "household_size_source", "excerpt_start", "excerpt_end")
FROM_THE_PHRASE = "(from the phrase)"


class ClaimForm(VersionedForm):
    """The three kinds' form: the derived fields filled before validation, and the proposal it came from."""

    proposal = forms.ModelChoiceField(
        queryset=Proposal.objects.all(), required=False, widget=forms.HiddenInput,
        error_messages={"invalid_choice": "The proposal this form was opened from no longer exists."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = None
        if self.instance.pk:  # the record as stored, before this form's values are put on the instance
            self.stored = copy.copy(self.instance)
            self.stored._state = copy.copy(self.instance._state)
            self.stored._state.fields_cache = {}
        for name in DERIVED_WHEN_EMPTY:
            if name in self.fields:
                self.fields[name].required = False
        for name, empty_label in (("quantifier", FROM_THE_PHRASE), ("unit", FROM_THE_PHRASE),
                                  ("category", "(from the term)")):
            field = self.fields.get(name)
            if field is None or field.disabled:
                continue
            field.choices = [("", empty_label), *[(v, label) for v, label in field.choices if v != ""]]
            if not self.instance.pk and name not in (kwargs.get("initial") or {}):
                self.initial[name] = ""  # a new record's unit is the phrase's, not the model's default
        for name in ("start_date", "end_date"):
            if name in self.fields:
                self.fields[name].help_text = "Left empty: the source's publication date."
        if "reported_phrase" in self.fields:
            self.fields["reported_phrase"].help_text = (
                'As printed: "more than 4,000 fighters". Its parts below are read from it; correct any of them.')

    def clean(self):
        cleaned = super().clean()
        if self.errors.get("source"):
            return cleaned
        construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        for name in DERIVED_WHEN_EMPTY:  # left empty, even where the model has a default (a unit, say)
            if name in self.fields and cleaned.get(name) in (None, ""):
                setattr(self.instance, name, None if name.endswith("_date") else "")
        claim_fill_derived(self.instance, current=self.stored)
        for name in FILLED:
            if name in self.fields and not self.fields[name].disabled:
                value = getattr(self.instance, name)
                cleaned[name] = "" if value is None and name in ("quantifier", "unit", "category") else value
        if "quantifier" in self.fields and not cleaned.get("quantifier") and cleaned.get("reported_phrase"):
            self.add_error("reported_phrase", "No number or magnitude word was read in this phrase: type it as "
                                              "printed, or choose the quantifier and enter the number.")
        return cleaned
