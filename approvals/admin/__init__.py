"""Governance in the operator console: the approvals inbox, flags, the audit trail."""

from approvals.admin import audit, flags, requests  # noqa: F401  (registers the ModelAdmins)
