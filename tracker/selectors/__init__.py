"""Reads the doors share, one module per concern: review queues (``review``), the public pages (``pages``).

The review queue's selectors are importable from here, where the admin reads them.
"""

from tracker.selectors.review import awaiting_review_by, changes_requested_of, landing_summary

__all__ = ["awaiting_review_by", "changes_requested_of", "landing_summary"]
