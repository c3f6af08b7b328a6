"""Tiles and the idea pool over the REST API: shapes in and out."""

from __future__ import annotations

from rest_framework import serializers

from hotdash.strict import StrictJsonSerializer
from integrations.ideas import ORDERINGS, STATUSES

OWNER_PATTERN = r"^[\w.@+-]{1,80}$"
METRIC_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"


class TileSourceSerializer(serializers.Serializer):
    integration = serializers.CharField(help_text="The source integration's slug.")
    status = serializers.CharField(help_text="Its health now (ok, degraded, down, …).")
    last_success_at = serializers.DateTimeField(allow_null=True)


class TileErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="`code: detail` of the last failed refresh.")
    at = serializers.DateTimeField()


class TileSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    data = serializers.JSONField(
        allow_null=True, help_text="The tile's payload (see docs/tiles.md); null until computed."
    )
    generated_at = serializers.DateTimeField(
        allow_null=True, help_text="When `data` was computed; null until the first refresh."
    )
    stale = serializers.BooleanField(
        help_text="Too old, never computed, or a source is down: `data` is the last good data."
    )
    stale_reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text="`never_computed`, `too_old`, `source_down:<integration>`.",
    )
    max_age_seconds = serializers.IntegerField()
    sources = TileSourceSerializer(many=True)
    last_error = TileErrorSerializer(
        allow_null=True, help_text="Set while the latest refresh attempt failed."
    )


class TilePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TileSerializer(many=True)


class IdeaSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    hypothesis = serializers.CharField(allow_null=True)
    metric = serializers.CharField(allow_null=True)
    status = serializers.CharField(allow_null=True)
    owner = serializers.CharField(allow_null=True)
    created_at = serializers.CharField(
        allow_null=True, help_text="ISO 8601, as Supabase stores it."
    )


class IdeaPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Total matching ideas (PostgREST Content-Range).")
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = IdeaSerializer(many=True)


class IdeaQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=25)
    offset = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    owner = serializers.RegexField(OWNER_PATTERN, required=False)
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), default="-created_at")


class IdeaCreateSerializer(StrictJsonSerializer):
    title = serializers.CharField(max_length=200)
    hypothesis = serializers.CharField(max_length=2000)
    metric = serializers.RegexField(
        METRIC_PATTERN, max_length=60, help_text="A metric name, e.g. `conversion_rate`."
    )
    status = serializers.ChoiceField(choices=STATUSES, default="proposed")
    owner = serializers.RegexField(
        OWNER_PATTERN, required=False, help_text="Defaults to the requesting user's name."
    )
