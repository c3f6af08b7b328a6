"""Governance over the REST API: shapes in and out. Writes go through approvals.services."""

from __future__ import annotations

from datetime import timedelta

from rest_framework import serializers

from approvals import registry
from approvals.audit.chain import BODY_FIELDS
from approvals.models import ApprovalDecision, ApprovalRequest, AuditEvent, FeatureFlag
from approvals.selectors import flag_evaluation
from hotdash.strict import StrictJsonSerializer


class ApprovalDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApprovalDecision
        fields = ["approver_name", "verdict", "comment", "payload_hash", "decided_at"]


class ApprovalRequestSerializer(serializers.ModelSerializer):
    decisions = ApprovalDecisionSerializer(many=True, read_only=True)
    summary = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "action",
            "target",
            "params",
            "precondition",
            "summary",
            "payload_hash",
            "risk",
            "status",
            "required_approvals",
            "decisions",
            "reason",
            "context",
            "requested_by_name",
            "created_at",
            "expires_at",
            "decided_at",
            "started_at",
            "finished_at",
            "attempts",
            "idempotency_key",
            "result",
            "error",
        ]
        read_only_fields = fields

    def get_summary(self, obj) -> list[dict]:
        """The payload as readable rows: what the approver signs off."""
        action = registry.find(obj.action)
        rows = action.rows(obj.params, obj.precondition) if action else []
        return [{"label": label, "value": value} for label, value in rows]


class ApprovalRequestCreateSerializer(StrictJsonSerializer):
    action = serializers.CharField(max_length=100)
    params = serializers.DictField(required=False, default=dict)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    context = serializers.DictField(required=False, default=dict)
    expires_in_seconds = serializers.IntegerField(
        required=False, min_value=60, max_value=7 * 24 * 3600
    )
    idempotency_key = serializers.RegexField(
        r"^[A-Za-z0-9._:-]{8,80}$", required=False, allow_blank=False
    )

    def to_service_kwargs(self) -> dict:
        data = dict(self.validated_data)
        seconds = data.pop("expires_in_seconds", None)
        data["expires_in"] = timedelta(seconds=seconds) if seconds else None
        return data


class DecisionSerializer(StrictJsonSerializer):
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    payload_hash = serializers.RegexField(
        r"^(?:[0-9a-f]{64})?$",  # empty (the default) or a hash: the pattern allows both
        required=False,
        allow_blank=True,
        default="",
        help_text="The payload hash the decider saw; a different one is refused with 409. "
        "Empty: no check.",
    )


class CancelSerializer(StrictJsonSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ResolveSerializer(StrictJsonSerializer):
    performed = serializers.BooleanField()
    comment = serializers.CharField(max_length=2000)


class FeatureFlagSerializer(serializers.ModelSerializer):
    evaluation = serializers.SerializerMethodField()

    class Meta:
        model = FeatureFlag
        fields = [
            "key",
            "kind",
            "scope",
            "scope_target",
            "enabled",
            "rollout_percent",
            "evaluation",
            "description",
            "owner",
            "expected_lifetime_days",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_evaluation(self, obj) -> dict:
        evaluation = flag_evaluation(flag=obj, subject=self.context.get("subject", ""))
        return {
            "value": evaluation.value,
            "reason": evaluation.reason,
            "version": evaluation.version,
        }


class KillSwitchSerializer(StrictJsonSerializer):
    scope = serializers.ChoiceField(choices=FeatureFlag.Scope.choices)
    # The flag's key is `kill.<scope>.<target>`, at most 200 characters (FeatureFlag.key).
    target = serializers.CharField(
        max_length=200 - len("kill.integration."),
        required=False,
        allow_blank=True,
        default="",
        help_text="The integration's slug or the action's name; none for `global`.",
    )
    reason = serializers.CharField(max_length=2000)


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        # Exactly what the chain hashes, plus the hash itself.
        fields = ["seq", "at", *BODY_FIELDS, "prev_hash", "hash"]
        read_only_fields = fields


class BreakSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=["edited", "deleted", "broken_link", "truncated", "rewritten"]
    )
    detail = serializers.CharField()


class VerifyReportSerializer(serializers.Serializer):
    """What GET /api/v1/audit/verify/ answers (200 `ok`, 409 `audit_chain_broken`)."""

    code = serializers.CharField()
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    head_seq = serializers.IntegerField()
    head_hash = serializers.CharField()
    checkpoint_seq = serializers.IntegerField(allow_null=True)
    first_break = BreakSerializer(allow_null=True)
