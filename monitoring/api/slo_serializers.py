"""Serializers of the SLO API (GET /api/v1/slo/, /slo/{slug}/, /findings/). The SLO ones
describe plain dicts built by the views from `monitoring.slo.status.SloStatus`."""

from __future__ import annotations

from rest_framework import serializers

from monitoring.models import Finding


class ObjectiveSerializer(serializers.Serializer):
    objective = serializers.FloatField(help_text="Percent good the objective asks for.")
    current = serializers.FloatField(allow_null=True, help_text="Percent good over the window.")
    events = serializers.IntegerField(help_text="Probes in the window (maintenance left out).")
    bad = serializers.IntegerField()
    budget_remaining = serializers.FloatField(
        allow_null=True, help_text="Share of the error budget left: 1 untouched, ≤ 0 exhausted."
    )
    budget_remaining_own = serializers.FloatField(
        allow_null=True, help_text="The same, not counting failures caused upstream."
    )
    upstream_bad = serializers.IntegerField()
    exhausted = serializers.BooleanField()
    burn = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Burn rate per window (5m 30m 1h 2h 6h 1d 3d); null: too few probes.",
    )


class LatencyObjectiveSerializer(ObjectiveSerializer):
    threshold_ms = serializers.IntegerField()


class WindowCountsSerializer(serializers.Serializer):
    window = serializers.CharField()
    events = serializers.IntegerField()
    failed = serializers.IntegerField()
    slow = serializers.IntegerField()
    source = serializers.ChoiceField(choices=["raw", "rollups"])


class RuleSerializer(serializers.Serializer):
    alert = serializers.ChoiceField(choices=["page", "ticket"])
    sli = serializers.ChoiceField(choices=["availability", "latency"])
    long_window = serializers.CharField()
    short_window = serializers.CharField()
    threshold = serializers.FloatField()
    long_burn = serializers.FloatField(allow_null=True)
    short_burn = serializers.FloatField(allow_null=True)
    fires = serializers.BooleanField()


class SloSerializer(serializers.Serializer):
    integration = serializers.CharField()
    name = serializers.CharField()
    window_days = serializers.IntegerField()
    evaluated_at = serializers.DateTimeField()
    availability = ObjectiveSerializer()
    latency = LatencyObjectiveSerializer()
    uptime = serializers.FloatField(
        allow_null=True, help_text="Time-based, from state transitions (0..1)."
    )
    would_fire = serializers.CharField(
        allow_null=True, help_text="page, ticket, or null when no rule fires."
    )
    rules = RuleSerializer(many=True)
    windows = WindowCountsSerializer(many=True)
    open_incident = serializers.IntegerField(allow_null=True)


class SloListSerializer(serializers.Serializer):
    window_days = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    results = SloSerializer(many=True)


class FindingSerializer(serializers.ModelSerializer):
    integration = serializers.SlugRelatedField(read_only=True, slug_field="slug")
    severity = serializers.CharField(read_only=True, help_text="info, warning or critical.")

    class Meta:
        model = Finding
        fields = [
            "id",
            "kind",
            "key",
            "severity",
            "status",
            "integration",
            "title",
            "detail",
            "data",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
            "notified_at",
        ]


class CredentialSerializer(serializers.Serializer):
    role = serializers.CharField()
    variable = serializers.CharField()
    present = serializers.BooleanField()
    expires = serializers.DateField(allow_null=True)
    days_left = serializers.IntegerField(allow_null=True)


class CredentialStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["ok", "missing", "expiring", "expired", "revoked"])
    revoked_because = serializers.CharField(allow_blank=True)
    live = serializers.BooleanField()
    credentials = CredentialSerializer(many=True)


class QuotaForecastSerializer(serializers.Serializer):
    quota = serializers.CharField()
    remaining = serializers.FloatField()
    headroom = serializers.FloatField(allow_null=True)
    slope_per_hour = serializers.FloatField(allow_null=True)
    exhausted_at = serializers.DateTimeField(allow_null=True)
    resets_at = serializers.DateTimeField(allow_null=True)
    runs_out = serializers.BooleanField()


class SloDetailSerializer(SloSerializer):
    credentials = CredentialStateSerializer()
    quotas = QuotaForecastSerializer(many=True)
    findings = FindingSerializer(many=True)
