"""The integration page: charts over a chosen window, history, neighbours, runbook, controls."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from approvals.services import approval_request_create
from hotdash.adminkit import BADGE_COLOURS
from hotdash.console import charts, permissions, reads, runbooks
from hotdash.console.board import pause_label
from hotdash.console.views import page_context
from hotdash.errors import DomainError
from integrations.models import Integration, IntegrationState
from monitoring import selectors
from monitoring.models import Finding, StateTransition
from monitoring.services.findings import finding_resolve
from monitoring.services.maintenance import integration_pause
from monitoring.services.probing import integration_probe_now

TRANSITIONS = 20


def _window(request) -> str:
    name = request.GET.get("window", "24h")
    return name if name in reads.SLOTS else "24h"


def _charts(integration: Integration, window: str) -> dict:
    slots = reads.window_slots(integration.pk, window)
    labels = [s.label for s in slots]
    p95 = [s.p95_ms for s in slots]
    counted = sum(s.count for s in slots)
    latency = charts.line_chart(
        [
            charts.Series("p95", p95, "#0969da"),
            charts.Series("p50", [s.p50_ms for s in slots], "#8250df", "5 3"),
        ],
        labels,
        chart_id="chart-latency",
        title=f"{integration.name}: latency over {window} (p95 solid, p50 dashed)",
        desc=f"{counted} probes in {len(slots)} slots; highest p95 "
        + (f"{max(v for v in p95 if v is not None):.0f} ms." if any(p95) else "none."),
        unit=" ms",
    )
    rates = [None if s.error_rate is None else s.error_rate * 100 for s in slots]
    errors = charts.bar_chart(
        rates,
        labels,
        chart_id="chart-errors",
        title=f"{integration.name}: error rate over {window}",
        desc=f"{sum(s.failures for s in slots)} failed probes out of {counted}.",
    )
    return {"slots": slots, "latency_chart": latency, "error_chart": errors}


def _rate_limit(integration: Integration, state, history: list[dict]) -> dict:
    points = reads.headroom_history(history)
    spark = charts.sparkline(
        [share * 100 for _, share in points],
        chart_id="chart-headroom",
        title=f"{integration.name}: rate-limit headroom, last {len(points)} probes",
        desc=(
            f"From {min(p for _, p in points) * 100:.0f} % to {max(p for _, p in points) * 100:.0f} %."
            if points
            else "The vendor reported no limits."
        ),
        width=240,
        height=40,
    )
    return {
        "headroom": state.rate_limit_headroom,
        "pause": pause_label(state),
        "detail": sorted((state.rate_limit or {}).items()),
        "history": points[-10:][::-1],
        "sparkline": spark,
    }


def _findings(integration: Integration) -> list[Finding]:
    """The integration's open findings, critical first, then the most recently seen; each
    with `resolve_url`, the console's resolve route (None if that route is not installed:
    the page then names the API's resolve action)."""
    rank = Case(
        When(severity=Finding.Severity.CRITICAL, then=Value(0)),
        When(severity=Finding.Severity.WARNING, then=Value(1)),
        default=Value(2),
    )
    found = Finding.objects.filter(integration=integration, status=Finding.Status.OPEN)
    findings = list(found.order_by(rank, "-last_seen_at", "-pk"))
    for finding in findings:
        try:
            url = reverse("admin:console_finding_resolve", args=[integration.slug, finding.pk])
        except NoReverseMatch:
            url = None
        finding.resolve_url = url
    return findings


def integration_view(request, slug: str):
    """GET: everything about one integration (any role); controls only for those allowed."""
    permissions.require_view(request)
    integration = get_object_or_404(Integration.objects.select_related("state"), slug=slug)
    state = getattr(integration, "state", None) or IntegrationState(integration=integration)
    window = _window(request)
    history = reads.check_history(integration)
    name = runbooks.runbook_name(integration)
    source = runbooks.runbook_source(name) if name else None
    context = page_context(
        request,
        integration.name,
        integration=integration,
        state=state,
        window=window,
        windows=list(reads.SLOTS),
        figures=selectors.latency([integration.pk], selectors.WINDOWS[window])[integration.pk],
        availability=selectors.availability([integration.pk], selectors.WINDOWS[window])[
            integration.pk
        ],
        transitions=StateTransition.objects.filter(integration=integration)[:TRANSITIONS],
        checks=reads.recent_checks(integration),
        neighbours=reads.neighbours(integration),
        rate_limit=_rate_limit(integration, state, history),
        deprecations=reads.deprecations(history),
        incident=selectors.open_incidents([integration.pk]).get(integration.pk),
        findings=_findings(integration),
        runbook_name=name,
        runbook_html=runbooks.render(source) if source else None,
        badge_colours=BADGE_COLOURS,
        **_charts(integration, window),
    )
    return render(request, "admin/console/integration.html", context)


def _back(slug: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:console_integration", args=[slug]))


@require_POST
def probe_view(request, slug: str):
    permissions.require(request, "probe")
    integration = get_object_or_404(Integration, slug=slug)
    try:
        check = integration_probe_now(integration=integration, user=request.user, request=request)
    except DomainError as error:
        messages.error(request, f"{error.detail} ({error.code})")
    else:
        text = f"Probed {slug}: {check.status}"
        text += f" in {check.latency_ms:.0f} ms" if check.latency_ms is not None else ""
        text += f" — {check.message}" if check.message else ""
        (messages.success if check.status == "ok" else messages.warning)(request, text)
    return _back(slug)


@require_POST
def request_live_view(request, slug: str):
    """An approval request for `integrations.switch_live`; another approver signs it off."""
    permissions.require(request, "request_live")
    integration = get_object_or_404(Integration, slug=slug)
    try:
        created = approval_request_create(
            action="integrations.switch_live",
            params={"slug": integration.slug},
            requested_by=request.user,
            reason=request.POST.get("reason", "")[:2000],
        )
    except DomainError as error:
        messages.error(request, f"{error.detail} ({error.code})")
    else:
        url = reverse("admin:approvals_approvalrequest_change", args=[created.pk])
        messages.success(
            request,
            format_html(
                'Approval request <a href="{}">#{}</a> created: another approver signs it off.',
                url,
                created.pk,
            ),
        )
    return _back(slug)


@require_POST
def pause_view(request, slug: str):
    """Maintenance from now for N minutes, with a reason."""
    permissions.require(request, "pause")
    integration = get_object_or_404(Integration, slug=slug)
    try:
        minutes = int(request.POST.get("minutes", ""))
    except ValueError:
        messages.error(request, "Pause for a whole number of minutes.")
        return _back(slug)
    try:
        window = integration_pause(
            integration=integration,
            minutes=minutes,
            reason=request.POST.get("reason", ""),
            user=request.user,
            request=request,
        )
    except DomainError as error:
        messages.error(request, f"{error.detail} ({error.code})")
    else:
        messages.success(request, f"{slug} is paused until {window.ends_at:%H:%M} UTC.")
    return _back(slug)


@require_POST
def finding_resolve_view(request, slug: str, pk: int):
    """An operator closes a reviewed finding; when it was the integration's last, its
    FINDING incident resolves and the channels that were paged hear "resolved"."""
    permissions.require(request, "incident")
    finding = get_object_or_404(Finding, pk=pk, integration__slug=slug)
    if finding.status != Finding.Status.OPEN:
        messages.info(request, f"Finding #{pk} was already resolved.")
    else:
        note = request.POST.get("note", "").strip()[:500] or "reviewed in the console"
        finding_resolve(finding_id=finding.pk, user=request.user, note=note)
        messages.success(request, f"Finding #{pk} resolved: {finding.title}")
    return HttpResponseRedirect(reverse("admin:console_integration", args=[slug]) + "#findings")


def runbook_view(request, name: str):
    """Any runbook under docs/runbooks/, rendered (links between runbooks stay inside)."""
    permissions.require_view(request)
    source = runbooks.runbook_source(name)
    if source is None:
        raise Http404(f"No runbook {name!r}.")
    context = page_context(request, f"Runbook: {name}", runbook_html=runbooks.render(source))
    return render(request, "admin/console/runbook.html", context)
