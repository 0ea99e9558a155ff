"""The tracker's tables. Reference entities first, then the three kinds of fact."""

from tracker.models.access import ApiKey
from tracker.models.claims import (
    CLAIM_MODELS,
    AidCapacityReport,
    Claim,
    DisplacementFigure,
    QuantifiedClaim,
    SurrenderFigure,
    party_claim_expression,
)
from tracker.models.double_counts import PossibleDoubleCount
from tracker.models.extraction import Proposal, ProposalKind
from tracker.models.imports import ImportBatch, ImportItem, ImportKind, ImportMapping, ImportStatus
from tracker.models.reference import (
    Crisis,
    Event,
    Location,
    LocationName,
    Organization,
    OrganizationAlias,
    Source,
    SourceSignatureBand,
)
from tracker.models.saved_queries import DigestFrequency, SavedQuery, SavedQueryResource
from tracker.models.sync import Tombstone

QUANTIFIED_MODELS = (DisplacementFigure, SurrenderFigure)

__all__ = [
    "CLAIM_MODELS",
    "QUANTIFIED_MODELS",
    "AidCapacityReport",
    "ApiKey",
    "Claim",
    "Crisis",
    "DigestFrequency",
    "DisplacementFigure",
    "Event",
    "ImportBatch",
    "ImportItem",
    "ImportKind",
    "ImportMapping",
    "ImportStatus",
    "Location",
    "LocationName",
    "Organization",
    "OrganizationAlias",
    "PossibleDoubleCount",
    "Proposal",
    "ProposalKind",
    "QuantifiedClaim",
    "SavedQuery",
    "SavedQueryResource",
    "Source",
    "SourceSignatureBand",
    "SurrenderFigure",
    "Tombstone",
    "party_claim_expression",
]
