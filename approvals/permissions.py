"""DRF permissions by role (Django groups). Governance owns the roles, so every app's
API uses these."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from approvals import roles


class ReadOrOperate(BasePermission):
    """Viewers, operators and approvers read; only operators (and approvers) change things."""

    message = "You need the operators role for this; viewers may only read."

    def has_permission(self, request, view) -> bool:
        if not roles.can_read(request.user):
            self.message = "You need the viewers, operators or approvers role."
            return False
        return request.method in SAFE_METHODS or roles.can_request(request.user)
