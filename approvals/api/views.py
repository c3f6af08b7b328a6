"""Thin API views: parse, call one service, serialise. Refusals are hotdash.errors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from approvals import roles, selectors, services
from approvals.api import serializers as s
from approvals.api.filters import ApprovalRequestFilter, AuditEventFilter, FeatureFlagFilter
from approvals.api.schema import DECIDE_REFUSALS
from approvals.audit import audit_verify
from approvals.audit.context import request_context_note_token
from hotdash.errors import PermissionRefused
from hotdash.openapi import refusals
from hotdash.rest import (
    MutationRateThrottle,
    StrictCursorPagination,
    StrictFilterBackend,
    StrictLimitOffsetPagination,
)


class CanRead(BasePermission):
    """Any role reads. Who may request, decide or cancel is the services' business
    (one place for the rule, and refused attempts land on the audit trail)."""

    message = "You need the viewers, operators or approvers role."

    def has_permission(self, request, view) -> bool:
        return roles.can_read(request.user)


class AuditedViewMixin:
    """Lets audit events tell API-token actors from session users."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        request_context_note_token(request)


class AuditPages(StrictCursorPagination):
    """Signed cursor paging: stable and cheap on a table that only grows."""

    ordering = "-seq"
    page_size = 100
    max_page_size = 1000


class Base(AuditedViewMixin):
    permission_classes = [CanRead]
    throttle_classes = [MutationRateThrottle]
    filter_backends = [StrictFilterBackend]


@extend_schema_view(
    list=extend_schema(
        summary="List approval requests",
        description="Approval requests, newest first, with their decisions; filter by "
        "status, action, target and risk (viewers and up).",
    ),
    retrieve=extend_schema(
        summary="Read one approval request",
        description="One request: the action, its params, the readable summary the "
        "approver signs off, the payload hash, decisions and outcome.",
    ),
)
class ApprovalRequestViewSet(
    Base,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Approval requests: list/read (viewers), create (operators), decide (approvers)."""

    serializer_class = s.ApprovalRequestSerializer
    pagination_class = StrictLimitOffsetPagination
    filterset_class = ApprovalRequestFilter
    lookup_value_regex = r"[0-9]{1,18}"  # anything else is a 404, never a ValueError

    def get_queryset(self):
        return selectors.approval_request_list()

    @extend_schema(
        summary="Request an action",
        request=s.ApprovalRequestCreateSerializer,
        responses={
            201: s.ApprovalRequestSerializer,
            **refusals(
                {
                    400: "`unknown_action`, or `invalid`: the params do not match the "
                    "action's schema, or its precondition refuses them.",
                    403: "`not_operator`: only operators request actions.",
                    404: "`not_found`: the params name an object that does not exist.",
                    409: "`conflict`: the idempotency key was used for another payload, or "
                    "what the action needs is not there (`credentials_missing`, …).",
                }
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        """Request a registered action (operators). A live action waits for approvers; a
        safe one is approved at once and runs in the job cluster. Audited."""
        form = s.ApprovalRequestCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        created = services.approval_request_create(
            requested_by=request.user, **form.to_service_kwargs()
        )
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a request",
        request=s.DecisionSerializer,
        responses={200: s.ApprovalRequestSerializer, **DECIDE_REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Sign off a pending request (approvers, never your own). Send the `payload_hash`
        you read, so a request changed since is refused. Enough approvals run it."""
        return self._decide(request, pk, services.approval_request_approve)

    @extend_schema(
        summary="Reject a request",
        request=s.DecisionSerializer,
        responses={200: s.ApprovalRequestSerializer, **DECIDE_REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Turn down a pending request (approvers, never your own): it will not run."""
        return self._decide(request, pk, services.approval_request_reject)

    @extend_schema(
        summary="Cancel a request",
        request=s.CancelSerializer,
        responses={
            200: s.ApprovalRequestSerializer,
            **refusals(
                {
                    403: "`not_allowed`: only the requester or an approver cancels.",
                    409: "`not_pending` or `expired`: it has started or ended already.",
                }
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Withdraw a request before it starts (its requester or an approver)."""
        form = s.CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.approval_request_cancel(
            request_id=int(pk), user=request.user, **form.validated_data
        )
        return Response(self.get_serializer(done).data)

    @extend_schema(
        summary="Settle an unknown outcome",
        request=s.ResolveSerializer,
        responses={
            200: s.ApprovalRequestSerializer,
            **refusals(
                {
                    403: "`not_approver`: only approvers settle outcomes.",
                    409: "`not_unknown`: the request's outcome is not `unknown`.",
                }
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Settle an `unknown` outcome (approvers) after checking at the vendor:
        {"performed": bool, "comment": "what you checked"}."""
        form = s.ResolveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.approval_request_resolve(
            request_id=int(pk), user=request.user, **form.validated_data
        )
        return Response(self.get_serializer(done).data)

    def _decide(self, request, pk, service):
        form = s.DecisionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = service(request_id=int(pk), approver=request.user, **form.validated_data)
        return Response(self.get_serializer(done).data)


@extend_schema_view(
    list=extend_schema(
        summary="List feature flags",
        description="Every flag (not paged) with its evaluation; `?subject=` evaluates "
        "percentage rollouts for that subject.",
    ),
    retrieve=extend_schema(
        summary="Read one feature flag",
        description="One flag by key with its evaluation (`?subject=` for rollouts).",
    ),
)
class FeatureFlagViewSet(Base, viewsets.ReadOnlyModelViewSet):
    """Flags with their evaluation (`?subject=` for percentage rollouts). Changes are
    approval requests (flags.set, flags.clear_kill_switch); setting a kill switch is not."""

    serializer_class = s.FeatureFlagSerializer
    lookup_field = "key"
    lookup_value_regex = r"[^/]+"
    filterset_class = FeatureFlagFilter
    extra_query_params = ["subject"]

    def get_queryset(self):
        return selectors.flag_list()

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "subject": self.request.query_params.get("subject", ""),
        }

    @extend_schema(
        summary="Set a kill switch",
        operation_id="flags_kill_switch",
        request=s.KillSwitchSerializer,
        responses={
            200: s.FeatureFlagSerializer,
            **refusals({403: "`not_operator`: only operators set kill switches."}),
        },
    )
    @action(detail=False, methods=["post"], url_path="kill-switches")
    def kill_switch(self, request):
        """Set a kill switch now (operators; no approval: stopping is always allowed)."""
        if not roles.can_request(request.user):
            raise PermissionRefused("Only operators set kill switches.", code="not_operator")
        form = s.KillSwitchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        flag = services.kill_switch_set(actor=request, **form.validated_data)
        return Response(self.get_serializer(flag).data, status=status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        summary="List audit events",
        description="The audit trail, newest first, cursor-paged; filter by verb, actor, "
        "target, request id, outcome and time.",
    ),
    retrieve=extend_schema(
        summary="Read one audit event", description="One event by its sequence number."
    ),
)
class AuditEventViewSet(Base, viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first; `verify/` recomputes the chain."""

    serializer_class = s.AuditEventSerializer
    pagination_class = AuditPages
    lookup_field = "seq"
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_event_list()

    @extend_schema(
        summary="Verify the audit chain",
        responses={
            200: s.VerifyReportSerializer,
            409: s.VerifyReportSerializer,
            **refusals({403: "Only operators and approvers run the verification."}),
        },
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        """200 with the report when intact, 409 `audit_chain_broken` with it when not.
        A full scan: operators and approvers only."""
        if not roles.can_request(request.user):
            raise PermissionRefused("Only operators and approvers run the verification.")
        report = audit_verify()
        if report.ok:
            return Response({"code": "ok", **report.as_dict()})
        return Response(
            {"code": "audit_chain_broken", **report.as_dict()}, status=status.HTTP_409_CONFLICT
        )
