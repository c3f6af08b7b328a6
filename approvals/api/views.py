"""Thin API views: parse, call one service, serialise. Refusals are hotdash.errors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from approvals import roles, selectors, services
from approvals.api import serializers as s
from approvals.api.filters import ApprovalRequestFilter, AuditEventFilter, FeatureFlagFilter
from approvals.audit import audit_verify
from approvals.audit.context import request_context_note_token
from hotdash.errors import PermissionRefused
from hotdash.rest import MutationRateThrottle, StrictCursorPagination, StrictFilterBackend


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


class Pages(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class AuditPages(StrictCursorPagination):
    """Signed cursor paging: stable and cheap on a table that only grows."""

    ordering = "-seq"
    page_size = 100
    max_page_size = 1000


class Base(AuditedViewMixin):
    permission_classes = [CanRead]
    throttle_classes = [MutationRateThrottle]
    filter_backends = [StrictFilterBackend]


class ApprovalRequestViewSet(
    Base,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Approval requests: list/read (viewers), create (operators), decide (approvers)."""

    serializer_class = s.ApprovalRequestSerializer
    pagination_class = Pages
    filterset_class = ApprovalRequestFilter
    lookup_value_regex = r"[0-9]{1,18}"  # anything else is a 404, never a ValueError

    def get_queryset(self):
        return selectors.approval_request_list()

    @extend_schema(
        request=s.ApprovalRequestCreateSerializer, responses={201: s.ApprovalRequestSerializer}
    )
    def create(self, request, *args, **kwargs):
        form = s.ApprovalRequestCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        created = services.approval_request_create(
            requested_by=request.user, **form.to_service_kwargs()
        )
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DecisionSerializer, responses=s.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, services.approval_request_approve)

    @extend_schema(request=s.DecisionSerializer, responses=s.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, services.approval_request_reject)

    @extend_schema(request=s.CancelSerializer, responses=s.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        form = s.CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = services.approval_request_cancel(
            request_id=int(pk), user=request.user, **form.validated_data
        )
        return Response(self.get_serializer(done).data)

    @extend_schema(request=s.ResolveSerializer, responses=s.ApprovalRequestSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Settle an `unknown` outcome: {"performed": bool, "comment": "what you checked"}."""
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

    @extend_schema(request=s.KillSwitchSerializer, responses=s.FeatureFlagSerializer)
    @action(detail=False, methods=["post"], url_path="kill-switches")
    def kill_switch(self, request):
        """Set a kill switch now (operators; no approval: stopping is always allowed)."""
        if not roles.can_request(request.user):
            raise PermissionRefused("Only operators set kill switches.", code="not_operator")
        form = s.KillSwitchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        flag = services.kill_switch_set(actor=request, **form.validated_data)
        return Response(self.get_serializer(flag).data, status=status.HTTP_200_OK)


class AuditEventViewSet(Base, viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first; `verify/` recomputes the chain."""

    serializer_class = s.AuditEventSerializer
    pagination_class = AuditPages
    lookup_field = "seq"
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.audit_event_list()

    @extend_schema(responses={200: s.VerifyReportSerializer, 409: s.VerifyReportSerializer})
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
