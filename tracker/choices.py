"""Every choice list of the domain: one ``TextChoices`` class per field.

Short lower-case values are what the database, the API and the fixtures hold;
labels are what people read. Code compares against these constants, never
against bare strings. The rules that read them (which categories a term allows,
its double-counting group, the order of place levels) live in ``tracker/rules/``.
"""

from django.db import models


class SourceKind(models.TextChoices):
    NEWS_ARTICLE = "news_article", "News article"
    NGO_REPORT = "ngo_report", "NGO report"
    UN_REPORT = "un_report", "UN report"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    SOCIAL_MEDIA = "social_media", "Social media"
    DATASET = "dataset", "Dataset or spreadsheet"
    OTHER = "other", "Other"


class IntakeFormat(models.TextChoices):
    """How a source's text came in."""

    PASTED = "pasted", "Pasted text"
    HTML = "html", "HTML page"
    PDF = "pdf", "PDF"
    TEXT_FILE = "text", "Text file"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class RejectReason(models.TextChoices):
    """Why an analyst rejected a proposal: read back to measure the assistant's precision by cause."""

    NOT_A_FIGURE = "not_a_figure", "Not a figure of ours (wrong topic)"
    WRONG_NUMBER = "wrong_number", "Number, range or quantifier wrong"
    WRONG_KIND = "wrong_kind", "Wrong kind or term"
    REPEAT = "repeat", "Repeats a figure already recorded"
    FORECAST = "forecast", "Forecast, plan or conditional"
    OTHER = "other", "Other (say why)"


class OrganizationKind(models.TextChoices):
    ARMED_GROUP = "armed_group", "Armed group"
    STATE_FORCE = "state_force", "State force"
    GOVERNMENT = "government", "Government"
    UN_AGENCY = "un_agency", "UN agency"
    NGO = "ngo", "NGO"
    RED_CROSS = "red_cross", "Red Cross / Red Crescent"
    MEDIA = "media", "Media"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


# Higher ranks win ties between stocks (see docs/counting.md).
RELIABILITY_RANK = {Reliability.HIGH: 3, Reliability.MEDIUM: 2, Reliability.LOW: 1}


class LocationLevel(models.TextChoices):
    COUNTRY = "country", "Country"
    ADM1 = "adm1", "Admin level 1"
    ADM2 = "adm2", "Admin level 2"
    ADM3 = "adm3", "Admin level 3"
    LOCALITY = "locality", "Locality"
    SITE = "site", "Site (camp, crossing)"
    FEATURE = "feature", "Feature (river, border area)"


class LocationPrecision(models.TextChoices):
    """How exactly a claim's place is known. ACLED's geo-precision and UCDP's
    ``where_prec`` equivalents are served with the vocabularies."""

    EXACT = "exact", "Exact place"
    NEAR = "near", "Near the place"
    ADM3 = "adm3", "Somewhere in the admin level 3 area"
    ADM2 = "adm2", "Somewhere in the admin level 2 area"
    ADM1 = "adm1", "Somewhere in the admin level 1 area"
    COUNTRY = "country", "Somewhere in the country"


# ACLED geo_precision (1 exact town, 2 near or part of a region, 3 provincial) and
# UCDP where_prec (1 exact, 2 up to 25 km, 3 adm2, 4 adm1, 6 country).
LOCATION_PRECISION_EQUIVALENTS = {
    LocationPrecision.EXACT: {"acled": 1, "ucdp": 1},
    LocationPrecision.NEAR: {"acled": 2, "ucdp": 2},
    LocationPrecision.ADM3: {"acled": 2, "ucdp": 3},
    LocationPrecision.ADM2: {"acled": 2, "ucdp": 3},
    LocationPrecision.ADM1: {"acled": 3, "ucdp": 4},
    LocationPrecision.COUNTRY: {"acled": 3, "ucdp": 6},
}


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class EventKind(models.TextChoices):
    CONFLICT = "conflict", "Conflict"
    DISASTER = "disaster", "Disaster"
    OTHER = "other", "Other"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Quantifier(models.TextChoices):
    EXACT = "exact", "Exactly"
    APPROXIMATELY = "approximately", "Approximately"
    MORE_THAN = "more_than", "More than"
    AT_LEAST = "at_least", "At least"
    LESS_THAN = "less_than", "Less than"
    AT_MOST = "at_most", "At most"
    RANGE = "range", "Range (between A and B)"
    MAGNITUDE = "magnitude", "Magnitude word"
    UNQUANTIFIED = "unquantified", "Unquantified"


class MagnitudeWord(models.TextChoices):
    SEVERAL = "several", "several"
    DOZENS = "dozens", "dozens"
    HUNDREDS = "hundreds", "hundreds"
    THOUSANDS = "thousands", "thousands"
    TENS_OF_THOUSANDS = "tens_of_thousands", "tens of thousands"
    HUNDREDS_OF_THOUSANDS = "hundreds_of_thousands", "hundreds of thousands"
    MILLIONS = "millions", "millions"


class Unit(models.TextChoices):
    PERSONS = "persons", "Persons"
    HOUSEHOLDS = "households", "Households"
    FAMILIES = "families", "Families"


HOUSEHOLD_UNITS = frozenset({Unit.HOUSEHOLDS, Unit.FAMILIES})


class HouseholdSizeSource(models.TextChoices):
    REPORTED = "reported", "Reported by the source"
    COUNTRY_DEFAULT = "country_default", "Country default"
    ANALYST_ESTIMATE = "analyst_estimate", "Analyst estimate"


class Role(models.TextChoices):
    HEADLINE = "headline", "Headline (counts in totals)"
    TRIANGULATION = "triangulation", "Triangulation (supports another figure)"


class DisplacementTerm(models.TextChoices):
    EVACUATED = "evacuated", "Evacuated"
    FLED = "fled", "Fled"
    DISPLACED = "displaced", "Displaced"
    RELOCATED = "relocated", "Relocated"
    RETURNED = "returned", "Returned"
    ARRIVED = "arrived", "Arrived"
    IN_CAMP = "in_camp", "In camp"
    TRAPPED = "trapped", "Trapped"


class DisplacementCategory(models.TextChoices):
    FLOW = "flow", "Flow (movement during the period)"
    STOCK = "stock", "Stock (people in a situation at a date)"


class TermGroup(models.TextChoices):
    """Figures in one group may describe the same people; across groups they never add."""

    LEAVING = "leaving", "Leaving"
    ARRIVING = "arriving", "Arriving"
    RETURNING = "returning", "Returning"
    IN_CAMP = "in_camp", "In camp"
    TRAPPED = "trapped", "Trapped"
    DISPLACED_STOCK = "displaced_stock", "Displaced (stock)"
    SURRENDERED = "surrendered", "Surrendered or captured"


class SurrenderTerm(models.TextChoices):
    SURRENDERED = "surrendered", "Surrendered"
    CAPTURED = "captured", "Captured"


class CombatantStatus(models.TextChoices):
    FIGHTERS = "fighters", "Fighters"
    MIXED = "mixed", "Mixed (family members not separated)"
    UNKNOWN = "unknown", "Unknown"


class Sector(models.TextChoices):
    """The IASC clusters, plus multi-sector."""

    CCCM = "cccm", "Camp coordination and camp management"
    EARLY_RECOVERY = "early_recovery", "Early recovery"
    EDUCATION = "education", "Education"
    EMERGENCY_TELECOMMUNICATIONS = "emergency_telecommunications", "Emergency telecommunications"
    FOOD_SECURITY = "food_security", "Food security"
    HEALTH = "health", "Health"
    LOGISTICS = "logistics", "Logistics"
    NUTRITION = "nutrition", "Nutrition"
    PROTECTION = "protection", "Protection"
    SHELTER = "shelter", "Shelter"
    WASH = "wash", "Water, sanitation and hygiene"
    MULTI_SECTOR = "multi_sector", "Multi-sector"


class Strain(models.TextChoices):
    NORMAL = "normal", "Normal"
    STRAINED = "strained", "Strained (struggling to cope)"
    OVERWHELMED = "overwhelmed", "Overwhelmed"
    SUSPENDED = "suspended", "Suspended"
    UNKNOWN = "unknown", "Unknown"


class CapacityUnit(models.TextChoices):
    PEOPLE = "people", "People"
    BEDS = "beds", "Beds"
    SHELTERS = "shelters", "Shelters"
    MEALS_PER_DAY = "meals_per_day", "Meals per day"
    OTHER = "other", "Other"
