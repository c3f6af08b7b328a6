"""Thin API views over monitoring's selectors and services."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from hotdash.openapi import refusals
from hotdash.rest import (
    StrictCursorPagination,
    StrictFilterBackend,
    StrictLimitOffsetPagination,
    StrictOrderingFilter,
    micro_cached,
)
from integrations.models import Integration
from monitoring import selectors
from monitoring.api import serializers as s
from monitoring.api.base import Base, csv_response
from monitoring.api.filters import CheckFilter, IncidentFilter, IntegrationFilter
from monitoring.exports import checks_csv, incidents_csv
from monitoring.models import CheckResult, Incident
from monitoring.services.incidents import (
    incident_acknowledge,
    incident_resolve,
    incident_unacknowledge,
)
from monitoring.services.probing import integration_probe_now
from monitoring.summaries import summary_for


class HealthSummaryView(Base, APIView):
    """GET /api/v1/health/summary/: counts per status and the integration status tile."""

    @extend_schema(summary="Health summary", responses=s.HealthSummarySerializer)
    @micro_cached
    def get(self, request):
        """Counts per status, open incidents, pending approvals and the status-tile rows
        (enabled integrations by business weight). `overall` is `down` if anything is down,
        else `degraded`, else `ok` (`unknown` before any probe)."""
        tile = list(
            Integration.objects.enabled()
            .order_by("business_weight", "slug")
            .values(
                "slug", "name", "mode", status=F("state__status"), since=F("state__status_since")
            )
        )
        return Response({**selectors.health_summary(), "integrations": tile})


@extend_schema_view(
    list=extend_schema(
        summary="List integrations",
        description="Each service with its state, latency, availability, circuit, rate "
        "limit, open incident, dependencies and credentials (variable names only). "
        "`availability` and `latency_24h` are the values the rollup job last stored.",
    ),
    retrieve=extend_schema(
        summary="Read one integration",
        description="One service by slug, with `availability` and `latency_24h` computed fresh.",
    ),
)
class IntegrationViewSet(Base, viewsets.ReadOnlyModelViewSet):
    """Integrations with state, latency, availability, circuit, headroom and dependencies."""

    serializer_class = s.IntegrationSerializer
    lookup_field = "slug"
    pagination_class = StrictLimitOffsetPagination
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    filterset_class = IntegrationFilter
    ordering_fields = ["slug", "name", "kind", "business_weight", "state__status"]
    ordering = ["slug"]

    def get_queryset(self):
        return selectors.integrations_with_state()

    def get_serializer_context(self):
        empty = {"depends_on": {}, "dependants": {}}
        return {**super().get_serializer_context(), "incidents": {}, "graph": empty}

    def _context_for(self, integrations, *, fresh: bool) -> dict:
        """Open incidents for the page; a single integration also gets fresh windows."""
        ids = [i.pk for i in integrations]
        context = {
            **super().get_serializer_context(),
            "incidents": selectors.open_incidents(ids),
            "graph": selectors.dependency_slugs(),
        }
        if fresh:
            context["summaries"] = summary_for(ids)
        return context

    @micro_cached
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self._context_for(page, fresh=False)
        data = s.IntegrationSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        integration = self.get_object()
        context = self._context_for([integration], fresh=True)
        return Response(s.IntegrationSerializer(integration, context=context).data)

    @extend_schema(
        summary="Probe an integration now",
        request=None,
        responses={
            200: s.ProbeResultSerializer,
            **refusals({409: "`disabled`: the integration is disabled."}),
        },
    )
    @action(detail=True, methods=["post"])
    def probe(self, request, slug=None):
        """Probe now (operators): store the result and react to it exactly like a scheduled
        probe (state change, incident, alerts). Audited as `integration.probe`."""
        # Not get_object(): the list's filters (`?status=`…) are no business of a probe.
        integration = get_object_or_404(self.get_queryset(), slug=slug)
        check = integration_probe_now(integration=integration, user=request.user, request=request)
        integration = self.get_queryset().get(pk=integration.pk)
        body = s.IntegrationSerializer(
            integration, context=self._context_for([integration], fresh=True)
        ).data
        return Response({"check": s.CheckResultSerializer(check).data, "integration": body})


class IncidentPages(StrictCursorPagination):
    ordering = "-opened_at"


class CheckPages(StrictCursorPagination):
    ordering = "-checked_at"


@extend_schema_view(
    list=extend_schema(
        summary="List incidents",
        description="Incidents, newest first, cursor-paged; filter by status, severity, "
        "cause, integration and when they opened.",
    ),
    retrieve=extend_schema(
        summary="Read one incident",
        description="One incident with its timeline (opened, notified, recovery, "
        "acknowledged, resolved, notes).",
    ),
)
class IncidentViewSet(Base, viewsets.ReadOnlyModelViewSet):
    """Incidents and their timelines; acknowledge, un-acknowledge, resolve (operators)."""

    pagination_class = IncidentPages
    lookup_value_regex = r"[0-9]{1,18}"  # anything else is a 404, never a ValueError
    filter_backends = [StrictFilterBackend]
    filterset_class = IncidentFilter

    def get_queryset(self):
        queryset = Incident.objects.select_related(
            "integration", "caused_by", "acknowledged_by", "resolved_by"
        )
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events")
        return queryset

    def get_serializer_class(self):
        return s.IncidentDetailSerializer if self.action == "retrieve" else s.IncidentSerializer

    def _transition(self, request, pk, service):
        form = s.NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        get_object_or_404(Incident, pk=pk)
        incident = service(incident_id=int(pk), user=request.user, note=form.validated_data["note"])
        incident = self.get_queryset().prefetch_related("events").get(pk=incident.pk)
        return Response(s.IncidentDetailSerializer(incident).data)

    @extend_schema(
        summary="Export incidents as CSV",
        filters=True,
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered incidents as streamed CSV, oldest first, as an attachment
        (opened_after / opened_before bound the window)."""
        return csv_response(incidents_csv(self.filter_queryset(self.get_queryset())), "incidents")

    @extend_schema(
        summary="Acknowledge an incident",
        request=s.NoteSerializer,
        responses={
            200: s.IncidentDetailSerializer,
            **refusals({409: "`incident_resolved`: the incident is already resolved."}),
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Stop reminders and escalation (not monitoring), with an optional note; a no-op
        on an acknowledged incident. Audited."""
        return self._transition(request, pk, incident_acknowledge)

    @extend_schema(
        summary="Hand an incident back",
        request=s.NoteSerializer,
        responses={
            200: s.IncidentDetailSerializer,
            **refusals({409: "`not_acked`: the incident is not acknowledged."}),
        },
    )
    @action(detail=True, methods=["post"])
    def unacknowledge(self, request, pk=None):
        """Undo an acknowledgement: reminders and escalation resume now. Audited."""
        return self._transition(request, pk, incident_unacknowledge)

    @extend_schema(
        summary="Resolve an incident",
        request=s.NoteSerializer,
        responses={
            200: s.IncidentDetailSerializer,
            **refusals({409: "`incident_resolved`: the incident is already resolved."}),
        },
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close the incident by hand, with its downtime. Audited."""
        return self._transition(request, pk, incident_resolve)


@extend_schema_view(
    list=extend_schema(
        summary="List probe results",
        description="Raw probe results within the retention period, newest first, "
        "cursor-paged; filter by integration, status, error class and time.",
    )
)
class CheckResultViewSet(Base, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Raw check history (within retention), newest first, cursor-paged."""

    serializer_class = s.CheckResultSerializer
    pagination_class = CheckPages
    filter_backends = [StrictFilterBackend]
    filterset_class = CheckFilter

    def get_queryset(self):
        return CheckResult.objects.select_related("integration")

    @extend_schema(
        summary="Export probe results as CSV",
        filters=True,
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        """The filtered check history as streamed CSV, oldest first, as an attachment
        (since / until bound the window)."""
        return csv_response(checks_csv(self.filter_queryset(self.get_queryset())), "checks")
