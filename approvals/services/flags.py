"""Writes on governance data. (Issue 4 grows this into approvals and the audit trail.)"""

from __future__ import annotations

from approvals.models import FeatureFlag


def flag_ensure(*, key: str, kind: str, scope: str, scope_target: str = "", **defaults) -> bool:
    """Create the flag if it does not exist; never change an existing one. True if created."""
    _, created = FeatureFlag.objects.get_or_create(
        key=key, defaults={"kind": kind, "scope": scope, "scope_target": scope_target, **defaults}
    )
    return created
