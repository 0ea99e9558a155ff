"""Representations of the API: explicit fields, brief nested objects, writes validated by the services.

Figures carry brief representations of their source, places and organizations,
so a client needs no second request to show one. Related rows are written by id
(``source_id``, ``location_id``, ``cited_source_ids``...). These serializers only
check types and shapes: every write goes through ``tracker.services``, which run
the model's own validation (DRF never calls ``Model.clean()``).
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.api.authentication import is_staff_request
from tracker.choices import IntakeFormat, SourceKind
from tracker.models import (
    AidCapacityReport,
    Crisis,
    DisplacementFigure,
    Event,
    Location,
    Organization,
    Source,
    SurrenderFigure,
)

# --- brief nested representations ---------------------------------------------------------------


class OrganizationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "acronym", "kind"]
        read_only_fields = fields


class CountryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "iso3"]
        read_only_fields = fields


class PlaceBriefSerializer(serializers.ModelSerializer):
    """A place as figures show it: enough to map and group it without a second request."""

    latitude = serializers.FloatField(read_only=True, allow_null=True)
    longitude = serializers.FloatField(read_only=True, allow_null=True)
    country_iso3 = serializers.CharField(source="country.iso3", read_only=True, allow_null=True)
    adm1_pcode = serializers.CharField(source="adm1.pcode", read_only=True, allow_null=True)
    adm1_name = serializers.CharField(source="adm1.name", read_only=True, allow_null=True)

    class Meta:
        model = Location
        fields = ["id", "name", "pcode", "level", "latitude", "longitude", "country_iso3", "adm1_pcode", "adm1_name"]
        read_only_fields = fields


class AreaBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "pcode"]
        read_only_fields = fields


class SourceBriefSerializer(serializers.ModelSerializer):
    publisher = serializers.CharField(source="publisher.name", read_only=True)
    # "" where none is known (a source received by email): the schema says so, where it promised a URI.
    url = serializers.URLField(read_only=True, allow_blank=True)

    class Meta:
        model = Source
        fields = ["id", "title", "url", "publisher", "publication_date"]
        read_only_fields = fields


class CrisisBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Crisis
        fields = ["id", "name"]
        read_only_fields = fields


class EventBriefSerializer(serializers.ModelSerializer):
    crisis = CrisisBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = ["id", "name", "crisis"]
        read_only_fields = fields


def _write_id(model, source: str, *, required: bool = True, many: bool = False, help_text: str = ""):
    """A write-only field taking ids of ``model`` into the attribute ``source``."""
    kwargs = {"many": True} if many else {"allow_null": not required}
    return serializers.PrimaryKeyRelatedField(
        queryset=model.objects.all(), source=source, write_only=True, required=required, help_text=help_text,
        **kwargs,
    )


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="username", read_only=True, allow_null=True, **kwargs)


# --- base ---------------------------------------------------------------------------------------

# DRF coerces leniently ("12" for 12, 0 for "0", "yes" for true). A JSON API says what it takes and takes
# exactly that: each writable field accepts one JSON type (or null where allowed).
_JSON_TYPES = (
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.IntegerField, (int,), "a whole number"),
    (serializers.PrimaryKeyRelatedField, (int,), "an id (a whole number)"),
    (serializers.DecimalField, (int, float), "a number"),
    (serializers.FloatField, (int, float), "a number"),
    (serializers.ManyRelatedField, (list,), "a list of ids"),
    (serializers.ChoiceField, (str,), "one of the listed values (a string)"),
    (serializers.CharField, (str,), "a string"),
    (serializers.DateField, (str,), "a date string (YYYY-MM-DD)"),
    (serializers.DateTimeField, (str,), "an ISO 8601 time string"),
)


def json_type_errors(fields: dict, data: dict) -> dict[str, list[str]]:
    errors = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None or field.read_only:
            continue
        if value is None:
            continue  # the field decides whether null is allowed
        for field_class, types, text in _JSON_TYPES:
            if isinstance(field, field_class):
                wrong = not isinstance(value, types) or (bool not in types and isinstance(value, bool))
                if not wrong and isinstance(field, serializers.ManyRelatedField):
                    wrong = any(not isinstance(item, int) or isinstance(item, bool) for item in value)
                if wrong:
                    errors[name] = [f"Expected {text}."]
                break
    return errors


class StrictSerializer(serializers.Serializer):
    """A plain serializer with the same strict JSON typing."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = json_type_errors(self.fields, data)
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class TrackerSerializer(serializers.ModelSerializer):
    """Hides staff-only fields from API keys; names the related fields written by id."""

    staff_only_fields: tuple[str, ...] = ("created_by", "updated_by")
    #: attribute -> write field: many-to-many links the services set after the row
    m2m_fields: tuple[str, ...] = ()

    created_by = UsernameField(help_text="Staff only.")
    updated_by = UsernameField(help_text="Staff only.")

    @staticmethod
    def audience(request) -> str:
        """Whom a representation is for: "staff" (every field) or "key" (no staff-only field).

        The fields differ by this alone, so list plans (tracker/api/listing.py) are compiled once per audience."""
        return "key" if request is not None and not is_staff_request(request) else "staff"

    def get_fields(self):
        fields = super().get_fields()
        if self.audience(self.context.get("request")) != "staff":
            for name in self.staff_only_fields:
                fields.pop(name, None)
        return fields

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {name: ["Unknown field."] for name in set(data) - set(self.fields) - {"possible_double_counts"}}
            errors.update(json_type_errors(self.fields, data))
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def split_validated(self) -> tuple[dict, dict]:
        """(plain fields, many-to-many fields) of the validated input."""
        data = dict(self.validated_data)
        m2m = {name: data.pop(name) for name in self.m2m_fields if name in data}
        return data, m2m


AUDIT_FIELDS = ["version", "created_at", "updated_at", "created_by", "updated_by"]


# --- reference entities -------------------------------------------------------------------------


class OrganizationSerializer(TrackerSerializer):
    aliases = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name", help_text="Other names (ISIS, Islamic State, Daesh)."
    )
    country = CountryBriefSerializer(read_only=True, allow_null=True)
    country_id = _write_id(Location, "country", required=False, help_text="Id of the organization's country.")

    class Meta:
        model = Organization
        fields = ["id", "name", "acronym", "aliases", "kind", "reliability", "country", "country_id", "notes",
                  *AUDIT_FIELDS]


class LocationNameSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)


class LocationSerializer(TrackerSerializer):
    parent_id = _write_id(Location, "parent", required=False, help_text="Id of the area this place lies in.")
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90,
                                        required=False, allow_null=True, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         required=False, allow_null=True, coerce_to_string=False)
    country = CountryBriefSerializer(read_only=True, allow_null=True)
    adm1 = AreaBriefSerializer(read_only=True, allow_null=True)
    adm2 = AreaBriefSerializer(read_only=True, allow_null=True)
    alternate_names = LocationNameSerializer(many=True, read_only=True)
    default_household_size = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal("0.01"), max_value=20, required=False, allow_null=True,
        coerce_to_string=False, help_text="Countries only: persons per household.",
    )

    class Meta:
        model = Location
        fields = ["id", "name", "level", "parent", "parent_id", "pcode", "iso3", "latitude", "longitude",
                  "country", "adm1", "adm2", "path", "depth", "alternate_names", "default_household_size",
                  "default_household_size_citation", "notes", *AUDIT_FIELDS]
        read_only_fields = ["path", "depth"]


class EventSerializer(TrackerSerializer):
    crisis = CrisisBriefSerializer(read_only=True, allow_null=True)
    crisis_id = _write_id(Crisis, "crisis", required=False)
    countries = CountryBriefSerializer(many=True, read_only=True)
    country_ids = _write_id(Location, "countries", required=False, many=True)
    parties = OrganizationBriefSerializer(many=True, read_only=True)
    party_ids = _write_id(Organization, "parties", required=False, many=True)
    m2m_fields = ("countries", "parties")

    class Meta:
        model = Event
        fields = ["id", "name", "kind", "crisis", "crisis_id", "countries", "country_ids", "parties", "party_ids",
                  "start_date", "end_date", "description", *AUDIT_FIELDS]


class SourceSerializer(TrackerSerializer):
    publisher = OrganizationBriefSerializer(read_only=True)
    publisher_id = _write_id(Organization, "publisher")
    co_credited = OrganizationBriefSerializer(many=True, read_only=True)
    co_credited_ids = _write_id(Organization, "co_credited", required=False, many=True)
    dateline = PlaceBriefSerializer(read_only=True, allow_null=True)
    dateline_id = _write_id(Location, "dateline", required=False)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                 help_text="Staff only: the stored full text, where its licence allows.")
    intake_format = serializers.ChoiceField(
        choices=IntakeFormat.choices, read_only=True, allow_blank=True,
        help_text='How the text came in; "" for a source entered without it.')
    m2m_fields = ("co_credited",)
    staff_only_fields = (*TrackerSerializer.staff_only_fields, "text")

    class Meta:
        model = Source
        fields = ["id", "title", "url", "publisher", "publisher_id", "co_credited", "co_credited_ids",
                  "publication_date", "kind", "language", "dateline", "dateline_id", "author", "text",
                  "text_may_be_kept", "text_dropped_at", "intake_format", "archive_url", "accessed_on",
                  "is_confidential", "notes", *AUDIT_FIELDS]


class NearDuplicateSerializer(serializers.Serializer):
    """A stored source whose text is nearly the same (a reprint, a lightly edited copy)."""

    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True, help_text="The source in this API.")
    similarity = serializers.FloatField(read_only=True, help_text="Estimated share of shared 5-word runs, 0..1.")


class SourceCreatedSerializer(SourceSerializer):
    """A new source, with the stored sources its text nearly duplicates (similarity of at least 0.8)."""

    near_duplicates = NearDuplicateSerializer(many=True, read_only=True)

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "near_duplicates"]


class SourceUploadSerializer(serializers.Serializer):
    """A source from an uploaded file (multipart/form-data). Fields left out are taken from the file where it
    states them (an HTML page's title, date, author and site name, a PDF's title and author)."""

    file = serializers.FileField(help_text="The article as an HTML page, a PDF or a UTF-8 text file.")
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    publisher_id = _write_id(Organization, "publisher", required=False,
                             help_text="Id of the publisher; else the page's site name, matched to an organization.")
    co_credited_ids = _write_id(Organization, "co_credited", required=False, many=True)
    publication_date = serializers.DateField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    language = serializers.CharField(required=False, allow_blank=True, max_length=20)
    dateline_id = _write_id(Location, "dateline", required=False)
    author = serializers.CharField(required=False, allow_blank=True, max_length=300)
    text_may_be_kept = serializers.BooleanField(required=False, default=False)
    archive_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    accessed_on = serializers.DateField(required=False, allow_null=True)
    is_confidential = serializers.BooleanField(required=False, default=False)
    notes = serializers.CharField(required=False, allow_blank=True)

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


# --- the three kinds of fact --------------------------------------------------------------------


class ClaimSerializer(TrackerSerializer):
    """What every record carries: provenance, place, period, review, access, audit."""

    source = SourceBriefSerializer(read_only=True)
    source_id = _write_id(Source, "source", help_text="Id of the source the excerpt is quoted from.")
    attributed_to = OrganizationBriefSerializer(read_only=True, allow_null=True)
    attributed_to_id = _write_id(Organization, "attributed_to", required=False,
                                 help_text="Id of the organization that made the claim; null for the outlet's own.")
    is_party_claim = serializers.BooleanField(read_only=True, help_text="Attributed to one of its event's parties.")
    cited_sources = OrganizationBriefSerializer(many=True, read_only=True, source="cited_source_list")
    cited_source_ids = _write_id(Organization, "cited_sources", required=False, many=True)
    event = EventBriefSerializer(read_only=True, allow_null=True)
    event_id = _write_id(Event, "event", required=False)
    location = PlaceBriefSerializer(read_only=True)
    location_id = _write_id(Location, "location", help_text="Id of the one place the record is about.")
    submitted_by = UsernameField(help_text="Staff only.")
    reviewed_by = UsernameField(help_text="Staff only.")
    m2m_fields = ("cited_sources",)
    staff_only_fields = (*TrackerSerializer.staff_only_fields, "submitted_by", "submitted_at", "reviewed_by",
                         "reviewed_at", "review_comment")

    CLAIM_FIELDS = [
        "id", "source", "source_id", "excerpt", "excerpt_translation", "excerpt_start", "excerpt_end",
        "attributed_to", "attributed_to_id", "attribution_text", "is_party_claim", "cited_sources",
        "cited_source_ids", "event", "event_id", "location", "location_id", "location_precision",
        "start_date", "start_precision", "end_date", "end_precision", "notes",
        "review_status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_comment",
        "is_confidential",
    ]


class QuantifiedClaimSerializer(ClaimSerializer):
    high = serializers.IntegerField(
        read_only=True, allow_null=True,
        help_text="Upper bound in persons; null when open (see high_open) or unquantified. Never a number when open.",
    )
    high_open = serializers.BooleanField(read_only=True, help_text="True when the source gives no upper bound.")
    counted = serializers.BooleanField(
        read_only=True, source="is_counted",
        help_text="True when the figure enters totals (approved, headline, not a duplicate, quantified: "
                  "docs/counting.md, rule 1). Sum only counted figures; stocks never add over time.",
    )
    household_size = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal("0.01"), max_value=20, required=False, allow_null=True,
        coerce_to_string=False,
    )

    QUANTITY_FIELDS = [
        "quantifier", "reported_value", "reported_value_max", "magnitude_word", "reported_phrase", "unit",
        "household_size", "household_size_source", "best_override", "best_override_reason",
        "low", "best", "high", "high_open", "counted", "role", "supports", "duplicate_of", "term_group",
    ]


class DisplacementFigureSerializer(QuantifiedClaimSerializer):
    origin = PlaceBriefSerializer(read_only=True, allow_null=True)
    origin_id = _write_id(Location, "origin", required=False)
    destination = PlaceBriefSerializer(read_only=True, allow_null=True)
    destination_id = _write_id(Location, "destination", required=False)

    class Meta:
        model = DisplacementFigure
        fields = [
            *ClaimSerializer.CLAIM_FIELDS, *QuantifiedClaimSerializer.QUANTITY_FIELDS,
            "term", "category", "origin", "origin_id", "destination", "destination_id",
            "women", "men", "children", "elderly", "composition_note", *AUDIT_FIELDS,
        ]


class SurrenderFigureSerializer(QuantifiedClaimSerializer):
    surrendering_group = OrganizationBriefSerializer(read_only=True)
    surrendering_group_id = _write_id(Organization, "surrendering_group")
    received_by = OrganizationBriefSerializer(read_only=True, allow_null=True)
    received_by_id = _write_id(Organization, "received_by", required=False)

    class Meta:
        model = SurrenderFigure
        fields = [
            *ClaimSerializer.CLAIM_FIELDS, *QuantifiedClaimSerializer.QUANTITY_FIELDS,
            "surrendering_group", "surrendering_group_id", "received_by", "received_by_id", "term",
            "combatant_status", *AUDIT_FIELDS,
        ]


class AidCapacityReportSerializer(ClaimSerializer):
    provider = OrganizationBriefSerializer(read_only=True, allow_null=True)
    provider_id = _write_id(Organization, "provider", required=False)

    class Meta:
        model = AidCapacityReport
        fields = [
            *ClaimSerializer.CLAIM_FIELDS, "provider", "provider_id", "provider_description", "sector", "strain",
            "capacity", "demand", "capacity_unit", *AUDIT_FIELDS,
        ]


# --- workflow, sync, errors ---------------------------------------------------------------------


class CommentSerializer(StrictSerializer):
    comment = serializers.CharField(help_text="What the analyst should change (request-changes) or why (reject).")


class DeletionSerializer(serializers.Serializer):
    resource = serializers.CharField(help_text="The list the row belonged to, e.g. 'surrenders'.")
    kind = serializers.CharField(help_text="The model name, e.g. 'surrenderfigure'.")
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When it was deleted or left your view.")
    reason = serializers.ChoiceField(
        choices=["deleted", "hidden"],
        help_text="deleted: gone for good. hidden: no longer visible to you (not approved now, or confidential).",
    )


@extend_schema_field({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}})
class FieldErrorsField(serializers.DictField):
    pass
