"""The console's pages, added to the admin site's URLs (names under `admin:`)."""

from __future__ import annotations

from django.urls import path

from hotdash.console.views import board, incident, integration, report, sandbox


def console_urls(site) -> list:
    wrap = site.admin_view  # staff login, no caching, CSRF as the admin does
    return [
        path("console/feed/", wrap(board.feed_view), name="console_feed"),
        path(
            "console/integrations/<slug:slug>/",
            wrap(integration.integration_view),
            name="console_integration",
        ),
        path(
            "console/integrations/<slug:slug>/probe/",
            wrap(integration.probe_view),
            name="console_integration_probe",
        ),
        path(
            "console/integrations/<slug:slug>/request-live/",
            wrap(integration.request_live_view),
            name="console_integration_request_live",
        ),
        path(
            "console/integrations/<slug:slug>/pause/",
            wrap(integration.pause_view),
            name="console_integration_pause",
        ),
        path(
            "console/integrations/<slug:slug>/findings/<int:pk>/resolve/",
            wrap(integration.finding_resolve_view),
            name="console_finding_resolve",
        ),
        path(
            "console/runbooks/<str:name>/", wrap(integration.runbook_view), name="console_runbook"
        ),
        path("console/incidents/<int:pk>/", wrap(incident.incident_view), name="console_incident"),
        path(
            "console/incidents/<int:pk>/act/",
            wrap(incident.incident_act_view),
            name="console_incident_act",
        ),
        path("console/sla-report/", wrap(report.sla_report_view), name="console_sla_report"),
        path("console/sandbox/", wrap(sandbox.sandbox_view), name="console_sandbox"),
        path(
            "console/sandbox/apply/", wrap(sandbox.sandbox_apply_view), name="console_sandbox_apply"
        ),
    ]
