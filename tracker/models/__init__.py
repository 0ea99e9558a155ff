"""The tracker's tables. Reference entities first, then the three kinds of fact."""

from tracker.models.claims import (
    AidCapacityReport,
    Claim,
    DisplacementFigure,
    PossibleDoubleCount,
    QuantifiedClaim,
    SurrenderFigure,
)
from tracker.models.reference import (
    Crisis,
    Event,
    Location,
    LocationName,
    Organization,
    OrganizationAlias,
    Source,
)

CLAIM_MODELS = (DisplacementFigure, SurrenderFigure, AidCapacityReport)
QUANTIFIED_MODELS = (DisplacementFigure, SurrenderFigure)

__all__ = [
    "CLAIM_MODELS",
    "QUANTIFIED_MODELS",
    "AidCapacityReport",
    "Claim",
    "Crisis",
    "DisplacementFigure",
    "Event",
    "Location",
    "LocationName",
    "Organization",
    "OrganizationAlias",
    "PossibleDoubleCount",
    "QuantifiedClaim",
    "Source",
    "SurrenderFigure",
]
