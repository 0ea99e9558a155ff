"""The rule-checked path for every write: the admin, the API, imports, commands and the shell call these."""

from tracker.services.access import (
    API_KEY_CHANGEABLE,
    api_key_create,
    api_key_revoke,
    api_key_update,
    may_grant_confidential_scope,
)
from tracker.services.batch import (
    BatchValidationError,
    claims_create_batch,
    claims_create_valid,
    claims_validate_batch,
)
from tracker.services.claims import (
    approval_blockers,
    claim_approve,
    claim_create,
    claim_delete,
    claim_fill_derived,
    claim_reject,
    claim_reopen,
    claim_request_changes,
    claim_submit,
    claim_update,
    double_count_decide,
    double_count_refresh,
    double_counts_for,
)
from tracker.services.common import ConcurrentEditError, WorkflowError
from tracker.services.intake import IntakeResult, source_intake, source_text_drop, source_texts_drop_due
from tracker.services.reference import (
    location_move,
    mark_figures_updated,
    organization_merge,
    reference_create,
    reference_delete,
    reference_update,
    source_create,
)
from tracker.services.sync import tombstone_write

__all__ = [
    "API_KEY_CHANGEABLE",
    "BatchValidationError",
    "ConcurrentEditError",
    "IntakeResult",
    "WorkflowError",
    "api_key_create",
    "api_key_revoke",
    "api_key_update",
    "approval_blockers",
    "claim_approve",
    "claim_create",
    "claim_delete",
    "claim_fill_derived",
    "claim_reject",
    "claim_reopen",
    "claim_request_changes",
    "claim_submit",
    "claim_update",
    "claims_create_batch",
    "claims_create_valid",
    "claims_validate_batch",
    "double_count_decide",
    "double_count_refresh",
    "double_counts_for",
    "location_move",
    "may_grant_confidential_scope",
    "mark_figures_updated",
    "organization_merge",
    "reference_create",
    "reference_delete",
    "reference_update",
    "source_create",
    "source_intake",
    "source_text_drop",
    "source_texts_drop_due",
    "tombstone_write",
]
