"""The three roles as Django groups, and what each may do.

Permissions are named by app label and codename strings, so governance needs
no import of the apps it governs.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

VIEWERS, OPERATORS, APPROVERS = "viewers", "operators", "approvers"

VIEW_MODELS = {
    "integrations": ["integration", "integrationstate", "tilesnapshot", "webhookevent"],
    "monitoring": [
        "checkresult",
        "statetransition",
        "checkrollup",
        "incident",
        "incidentevent",
        "channel",
        "notification",
        "maintenancewindow",
        "finding",
    ],
    "approvals": ["featureflag", "approvalrequest", "approvaldecision", "auditevent"],
    "hotdash": ["apitoken"],
}
OPERATOR_CHANGES = {
    "integrations": ["change_integration", "change_webhookevent"],
    "monitoring": [
        "change_incident",
        "add_incidentevent",
        "add_maintenancewindow",
        "change_maintenancewindow",
        "change_finding",  # resolve a reviewed finding
    ],
    "approvals": ["add_approvalrequest"],
    "hotdash": ["add_apitoken", "change_apitoken"],  # their own tokens only (see hotdash.admin)
}
APPROVER_CHANGES = {"approvals": ["change_approvalrequest", "add_approvaldecision"]}


def _codenames_view() -> dict[str, list[str]]:
    return {app: [f"view_{model}" for model in models] for app, models in VIEW_MODELS.items()}


def _permissions(spec: dict[str, list[str]]) -> list[Permission]:
    perms = []
    for app, codenames in spec.items():
        perms += Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
    return perms


@transaction.atomic
def roles_seed() -> dict[str, int]:
    """Create or refresh the role groups; returns the permission count of each."""
    view = _permissions(_codenames_view())
    grants = {
        VIEWERS: view,
        OPERATORS: view + _permissions(OPERATOR_CHANGES),
        APPROVERS: view + _permissions(APPROVER_CHANGES),
    }
    counts = {}
    for name, perms in grants.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(perms)
        counts[name] = len(perms)
    return counts


def _groups(user) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(user.groups.values_list("name", flat=True))


def can_read(user) -> bool:
    """Viewers, operators, approvers (and superusers) read governance data."""
    return bool(_groups(user) & {VIEWERS, OPERATORS, APPROVERS}) or _is_superuser(user)


def can_request(user) -> bool:
    """Operators and approvers (and superusers) may request actions."""
    return bool(_groups(user) & {OPERATORS, APPROVERS}) or _is_superuser(user)


def can_approve(user) -> bool:
    """Only active members of `approvers` decide: being a superuser is not a sign-off role."""
    return APPROVERS in _groups(user)


def _is_superuser(user) -> bool:
    return bool(user is not None and user.is_active and getattr(user, "is_superuser", False))
