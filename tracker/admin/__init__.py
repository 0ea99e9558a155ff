"""The analysts' workbench. Every save, delete, revert and review action goes through tracker.services.

The admin's autodiscovery imports this package; each module registers the admins of one concern.
"""

import tracker.admin.imports  # noqa: F401  (registers the spreadsheet imports' admin)
import tracker.admin.saved_queries  # noqa: F401  (registers the saved queries' admin)
from tracker.admin import claims, double_counts, extraction, keys, reference, sources  # noqa: F401  (registers the admins)
