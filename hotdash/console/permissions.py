"""Who may see the console's pages and use each of its controls.

Pages need a role (viewers, operators, approvers; superusers pass). Each control
needs the Django permission `roles_seed` grants operators, so a control is hidden
from anyone who would be refused, and the view refuses (403) when it is tried anyway.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from approvals import roles

CONTROLS = {
    "probe": "integrations.change_integration",
    "pause": "integrations.change_integration",
    "request_live": "approvals.add_approvalrequest",
    "incident": "monitoring.change_incident",
    "sandbox": "integrations.change_integration",
}


def can_view(user) -> bool:
    """Anyone with a role reads the console's pages."""
    return roles.can_read(user)


def may(user, control: str) -> bool:
    """True when `user` may use `control` (a key of CONTROLS)."""
    if not (user and user.is_active and user.has_perm(CONTROLS[control])):
        return False
    return control != "request_live" or roles.can_request(user)


def controls_for(user) -> dict[str, bool]:
    """{control: allowed} for templates, so refused controls are never drawn."""
    return {control: may(user, control) for control in CONTROLS}


def require_view(request) -> None:
    if not can_view(request.user):
        raise PermissionDenied("You need the viewers, operators or approvers role.")


def require(request, control: str) -> None:
    """Raise PermissionDenied (403) unless the user may use `control`."""
    if not may(request.user, control):
        raise PermissionDenied(f"You may not use this control ({control}).")
