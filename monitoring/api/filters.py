"""django-filter sets for the monitoring API."""

from __future__ import annotations

import django_filters as filters

from hotdash.rest import UtcIsoDateTimeFilter
from integrations.models import Integration, IntegrationState
from monitoring.models import CheckResult, Incident


class IntegrationFilter(filters.FilterSet):
    # Not BooleanFilter: it reads anything but true/false as "no filter" instead of a 400.
    enabled = filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false"), ("1", "1"), ("0", "0")],
        method="filter_enabled",
    )
    status = filters.ChoiceFilter(
        field_name="state__status", choices=IntegrationState.Status.choices
    )

    class Meta:
        model = Integration
        fields = ["kind", "mode", "enabled", "status"]

    def filter_enabled(self, queryset, name, value: str):
        return queryset.filter(enabled=value in ("true", "1"))


class IncidentFilter(filters.FilterSet):
    integration = filters.CharFilter(field_name="integration__slug")
    opened_after = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = UtcIsoDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Incident
        fields = ["status", "severity", "cause", "integration", "opened_after", "opened_before"]


class CheckFilter(filters.FilterSet):
    integration = filters.CharFilter(field_name="integration__slug")
    since = UtcIsoDateTimeFilter(field_name="checked_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="checked_at", lookup_expr="lt")

    class Meta:
        model = CheckResult
        fields = ["integration", "status", "error_class", "since", "until"]
