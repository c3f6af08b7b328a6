"""The incident page: timeline, what it affects, its approval requests; acknowledge / resolve."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals.admin.requests import payload_rows
from hotdash.console import permissions, reads
from hotdash.console.views import page_context
from hotdash.errors import DomainError
from monitoring.models import Incident
from monitoring.services.incidents import (
    incident_acknowledge,
    incident_resolve,
    incident_unacknowledge,
)

OPERATIONS = {
    "acknowledge": (incident_acknowledge, "acknowledged"),
    "unacknowledge": (incident_unacknowledge, "handed back (un-acknowledged)"),
    "resolve": (incident_resolve, "resolved"),
}


def incident_view(request, pk: int):
    permissions.require_view(request)
    incident = get_object_or_404(
        Incident.objects.select_related(
            "integration__state", "caused_by", "acknowledged_by", "resolved_by"
        ),
        pk=pk,
    )
    neighbours = reads.neighbours(incident.integration)
    context = page_context(
        request,
        f"Incident #{incident.pk}: {incident.title}",
        incident=incident,
        events=incident.events.select_related("actor").order_by("at", "pk"),
        tiles=reads.affected_tiles(incident.integration),
        affected=neighbours["affected"],
        upstream=neighbours["upstream"],
        requests=[(r, payload_rows(r)) for r in reads.incident_requests(incident)],
        is_open=incident.status != Incident.Status.RESOLVED,
    )
    return render(request, "admin/console/incident.html", context)


@require_POST
def incident_act_view(request, pk: int):
    """POST op=acknowledge|unacknowledge|resolve with a note, through monitoring.services.incidents;
    a conflict (already resolved, not acknowledged) comes back as a clear message."""
    permissions.require(request, "incident")
    get_object_or_404(Incident, pk=pk)
    operation = OPERATIONS.get(request.POST.get("op", ""))
    if operation is None:
        messages.error(request, "Choose acknowledge, un-acknowledge or resolve.")
    else:
        service, done = operation
        try:
            service(incident_id=pk, user=request.user, note=request.POST.get("note", "")[:2000])
        except DomainError as error:
            messages.error(request, f"Not done: {error.detail} ({error.code})")
        else:
            messages.success(request, f"Incident #{pk} {done}.")
    return HttpResponseRedirect(reverse("admin:console_incident", args=[pk]))
