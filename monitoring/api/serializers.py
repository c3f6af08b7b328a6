"""Serializers for the monitoring API. Context keys precomputed by the views: `incidents`
(one query per page) and, for a single integration, fresh `summaries`; lists serve the
summary stored on each state by the rollup job."""

from __future__ import annotations

import os

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from hotdash.strict import StrictJsonSerializer
from integrations.models import Integration
from monitoring.models import CheckResult, Incident, IncidentEvent


class IncidentBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = ["id", "title", "status", "severity", "cause", "opened_at"]


class IntegrationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(source="state.status", read_only=True)
    # Null before the first probe (and before the first success).
    status_since = serializers.DateTimeField(
        source="state.status_since", read_only=True, allow_null=True
    )
    last_probe_at = serializers.DateTimeField(
        source="state.last_probe_at", read_only=True, allow_null=True
    )
    last_success_at = serializers.DateTimeField(
        source="state.last_success_at", read_only=True, allow_null=True
    )
    last_latency_ms = serializers.FloatField(
        source="state.last_latency_ms", read_only=True, allow_null=True
    )
    last_error = serializers.SerializerMethodField()
    circuit = serializers.SerializerMethodField()
    rate_limit = serializers.SerializerMethodField()
    vendor_pause = serializers.SerializerMethodField()
    latency_24h = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField()
    open_incident = serializers.SerializerMethodField()
    depends_on = serializers.SerializerMethodField()
    dependants = serializers.SerializerMethodField()
    credentials = serializers.SerializerMethodField()
    runbook_url = serializers.SerializerMethodField()

    class Meta:
        model = Integration
        fields = [
            "slug",
            "name",
            "kind",
            "mode",
            "enabled",
            "business_weight",
            "status",
            "status_since",
            "last_probe_at",
            "last_success_at",
            "last_latency_ms",
            "last_error",
            "latency_24h",
            "availability",
            "circuit",
            "rate_limit",
            "vendor_pause",
            "open_incident",
            "depends_on",
            "dependants",
            "credentials",
            "owner",
            "runbook_url",
        ]

    def get_depends_on(self, obj) -> list[str]:
        return self.context["graph"]["depends_on"].get(obj.pk, [])

    def get_dependants(self, obj) -> list[str]:
        return self.context["graph"]["dependants"].get(obj.pk, [])

    def get_last_error(self, obj) -> dict | None:
        state = obj.state
        if not state.last_error_class:
            return None
        return {"class": state.last_error_class, "message": state.last_message}

    def get_circuit(self, obj) -> dict:
        return {"state": obj.state.circuit_state, "opened_at": obj.state.circuit_opened_at}

    def get_rate_limit(self, obj) -> dict:
        return {"headroom": obj.state.rate_limit_headroom, "detail": obj.state.rate_limit}

    def get_vendor_pause(self, obj) -> dict | None:
        """The pause the vendor asked for, while it runs: `until`, `seconds_left` and what the
        vendor asked (`asked_seconds`; the gateway honours at most the kind's cap)."""
        until = obj.state.vendor_pause_until()
        if until is None:
            return None
        asked = (obj.state.rate_limit or {}).get("pause_asked_s")
        left = (until - timezone.now()).total_seconds()
        return {"until": until, "seconds_left": max(0, round(left)), "asked_seconds": asked}

    def get_latency_24h(self, obj) -> dict:
        fresh = self.context.get("summaries", {}).get(obj.pk)
        return (fresh or obj.state.summary or {}).get("latency_24h", {})

    def get_availability(self, obj) -> dict:
        fresh = self.context.get("summaries", {}).get(obj.pk)
        return (fresh or obj.state.summary or {}).get("availability", {})

    def get_open_incident(self, obj) -> dict | None:
        """The integration's outage incident if one is open, else its most severe open one
        (selectors.open_incidents), with `worst_severity` over all its open incidents."""
        incident = self.context["incidents"].get(obj.pk)
        if incident is None:
            return None
        worst = getattr(incident, "worst_severity", incident.severity)
        return {**IncidentBriefSerializer(incident).data, "worst_severity": worst}

    def get_credentials(self, obj) -> list[dict]:
        """Variable names and whether each is set: never a value."""
        return [
            {"role": role, "variable": name, "present": bool(os.environ.get(name, "").strip())}
            for role, name in sorted((obj.credential_env or {}).items())
        ]

    def get_runbook_url(self, obj) -> str:
        """The runbook as the console renders it (or the integration's own URL)."""
        runbook = obj.runbook or obj.kind
        if "://" in runbook:
            return runbook
        return reverse("admin:console_runbook", kwargs={"name": runbook})


class IncidentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncidentEvent
        fields = ["at", "kind", "actor_name", "message", "data"]


class IncidentSerializer(serializers.ModelSerializer):
    integration = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    caused_by = serializers.SlugRelatedField(read_only=True, slug_field="slug", allow_null=True)
    acknowledged_by = serializers.StringRelatedField(allow_null=True)  # null until acked
    resolved_by = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "integration",
            "cause",
            "status",
            "severity",
            "title",
            "summary",
            "caused_by",
            "opened_at",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "downtime_seconds",
            "reopen_count",
            "escalation_level",
        ]


class IncidentDetailSerializer(IncidentSerializer):
    timeline = IncidentEventSerializer(source="events", many=True, read_only=True)

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "timeline"]


class NoteSerializer(StrictJsonSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CheckResultSerializer(serializers.ModelSerializer):
    integration = serializers.SlugRelatedField(read_only=True, slug_field="slug")

    class Meta:
        model = CheckResult
        fields = [
            "integration",
            "checked_at",
            "status",
            "latency_ms",
            "lag_ms",
            "http_status",
            "error_class",
            "message",
        ]


# Response shapes of the plain APIViews, for the OpenAPI schema.


class StatusTileRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    mode = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)


class HealthSummarySerializer(serializers.Serializer):
    overall = serializers.ChoiceField(["ok", "degraded", "down", "unknown"])
    counts = serializers.DictField(child=serializers.IntegerField())
    total = serializers.IntegerField()
    open_incidents = serializers.IntegerField()
    pending_approvals = serializers.IntegerField()
    integrations = StatusTileRowSerializer(many=True)


PERCENTILE_HELP = (
    "Latency (ms), never outside the smallest and largest probe latency of the window: "
    "exact (nearest rank) for 1h; for longer windows estimated from the hourly rollups' "
    "histogram, off by at most the width of the bucket it falls in (docs/slo.md)."
)


class MetricsRowSerializer(serializers.Serializer):
    integration = serializers.CharField()
    count = serializers.IntegerField()
    failures = serializers.IntegerField()
    error_rate = serializers.FloatField(allow_null=True)
    p50_ms = serializers.FloatField(allow_null=True, help_text=PERCENTILE_HELP)
    p95_ms = serializers.FloatField(allow_null=True, help_text=PERCENTILE_HELP)
    p99_ms = serializers.FloatField(allow_null=True, help_text=PERCENTILE_HELP)
    availability = serializers.FloatField(allow_null=True)


class MetricsSerializer(serializers.Serializer):
    window = serializers.CharField()
    results = MetricsRowSerializer(many=True)


class RateLimitRowSerializer(serializers.Serializer):
    integration = serializers.CharField()
    headroom = serializers.FloatField(allow_null=True)
    detail = serializers.DictField()


class RateLimitsSerializer(serializers.Serializer):
    results = RateLimitRowSerializer(many=True)


class ErrorGroupSerializer(serializers.Serializer):
    fingerprint = serializers.CharField()
    integration = serializers.CharField()
    error_class = serializers.CharField()
    count = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    sample_message = serializers.CharField()


class ErrorsSerializer(serializers.Serializer):
    window = serializers.CharField()
    results = ErrorGroupSerializer(many=True)


class DependencyNodeSerializer(serializers.Serializer):
    integration = serializers.CharField()
    status = serializers.CharField(allow_null=True)
    depends_on = serializers.ListField(child=serializers.CharField())
    affects = serializers.ListField(child=serializers.CharField())


class DependenciesSerializer(serializers.Serializer):
    nodes = DependencyNodeSerializer(many=True)
    edges = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class ProbeResultSerializer(serializers.Serializer):
    check = CheckResultSerializer()
    integration = IntegrationSerializer()
