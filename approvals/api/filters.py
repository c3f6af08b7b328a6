"""django-filter sets for the governance API (validated; unknown names are a 400)."""

from __future__ import annotations

import django_filters as filters

from approvals.models import ApprovalRequest, AuditEvent, FeatureFlag
from hotdash.rest import UtcIsoDateTimeFilter


class ApprovalRequestFilter(filters.FilterSet):
    class Meta:
        model = ApprovalRequest
        fields = ["status", "action", "target", "risk"]


class FeatureFlagFilter(filters.FilterSet):
    class Meta:
        model = FeatureFlag
        fields = ["kind", "scope", "scope_target"]


class AuditEventFilter(filters.FilterSet):
    actor = filters.CharFilter(field_name="actor_name")
    since = UtcIsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = [
            "verb",
            "actor",
            "actor_type",
            "target_type",
            "target_id",
            "request_id",
            "outcome",
            "since",
            "until",
        ]
