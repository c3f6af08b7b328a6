"""Every console page renders for every role; controls show only to those who may use them."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def pages(world) -> list[str]:
    incident = world["incident"].pk
    return [
        reverse("admin:index"),
        reverse("admin:console_integration", args=["publer"]),
        *[
            reverse("admin:console_integration", args=["shopify"]) + f"?window={w}"
            for w in ("1h", "24h", "7d", "30d")
        ],
        reverse("admin:console_incident", args=[incident]),
        reverse("admin:console_sandbox"),
        reverse("admin:console_feed"),
        reverse("admin:console_runbook", args=["README"]),
    ]


@pytest.mark.parametrize("persona", ["viewer", "operator", "approver", "superuser"])
def test_every_page__renders_for_every_role(world, client, persona, request):
    # Given a user of each role
    client.force_login(request.getfixturevalue(persona))
    # When they open every console page, Then each renders
    broken = [url for url in pages(world) if client.get(url).status_code != 200]
    assert broken == []


def test_pages__refuse_staff_without_a_role(world, client, no_role):
    client.force_login(no_role)
    assert client.get(reverse("admin:index")).status_code == 200  # the admin's own list
    refused = [url for url in pages(world)[1:] if client.get(url).status_code != 403]
    assert refused == []


def test_board__shows_every_integration_the_totals_and_the_feed(world, client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("admin:index")).content.decode()
    assert page.count('class="hd-card ') == 14
    assert 'data-slug="publer"' in page and "hd-st-down" in page
    assert 'data-total="open_incidents">1<' in page
    assert "Opened" in page  # the incident's first timeline entry is in the feed
    assert 'id="all-models"' in page and "Check results" in page  # the app list stays
    assert "hotdash/console.js" in page and "/api/v1/health/summary/" in page


def test_board__cards_link_to_their_integration_and_open_incident(world, client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:console_integration", args=["publer"]) in page
    assert reverse("admin:console_incident", args=[world["incident"].pk]) in page


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("viewer", False), ("operator", True), ("approver", True), ("superuser", True)],
)
def test_integration_page__controls_only_for_those_allowed(world, client, persona, shown, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("admin:console_integration", args=["publer"])).content.decode()
    for control in ("Probe now", "Pause (maintenance)", "Request live mode"):
        assert (control in page) is shown, control


@pytest.mark.parametrize(("persona", "shown"), [("viewer", False), ("operator", True)])
def test_incident_page__controls_only_for_those_allowed(world, client, persona, shown, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("admin:console_incident", args=[world["incident"].pk]))
    assert ('value="acknowledge"' in page.content.decode()) is shown


@pytest.mark.parametrize(("persona", "shown"), [("viewer", False), ("operator", True)])
def test_sandbox_page__controls_only_for_those_allowed(world, client, persona, shown, request):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("admin:console_sandbox")).content.decode()
    assert "SANDBOX ONLY" in page
    assert ('value="apply"' in page) is shown
    assert ('value="reset"' in page) is shown


def test_integration_page__shows_history_neighbours_rate_limits_and_runbook(world, client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("admin:console_integration", args=["supabase"])).content.decode()
    assert "<svg" in page and "chart-latency-title" in page and "Chart data as a table" in page
    assert "chatwoot" in page  # a dependant (chatwoot depends on supabase)
    assert "probe succeeded" in page  # a state transition
    assert "Rate limits" in page
    assert "Runbook: supabase" in page and "<h1>" in page  # rendered from docs/runbooks


def test_integration_page__an_unknown_window_falls_back_to_24h(world, client, viewer):
    client.force_login(viewer)
    url = reverse("admin:console_integration", args=["publer"]) + "?window=99y"
    page = client.get(url).content.decode()
    assert 'href="?window=24h" aria-current="page"' in page


def test_incident_page__shows_timeline_dependants_and_linked_requests(world, client, viewer):
    client.force_login(viewer)
    page = client.get(reverse("admin:console_incident", args=[world["incident"].pk]))
    text = page.content.decode()
    assert "Opened" in text and "Probe confirmed" in text
    assert "integrations.switch_sandbox" in text  # the request made for this incident
    assert "Affected tiles" in text


def test_incident_page__lists_tiles_that_read_the_integration(world, client, viewer):
    from integrations.models import Integration
    from monitoring.services.incidents import incident_open

    shopify = Integration.objects.get(slug="shopify")
    incident, _ = incident_open(integration=shopify, reason="drill")
    client.force_login(viewer)
    text = client.get(reverse("admin:console_incident", args=[incident.pk])).content.decode()
    assert "inventory_watch" in text and "sales_pulse" in text


def test_nav__links_every_console_area(world, client, operator):
    client.force_login(operator)
    page = client.get(reverse("admin:approvals_auditevent_changelist")).content.decode()
    for target in ("Status board", "Approvals inbox", "Audit trail", "Flags", "Sandbox control"):
        assert target in page


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_board_and_integration_page__queries_do_not_grow_with_integrations(world, client, viewer):
    from integrations.models import Integration, IntegrationState

    client.force_login(viewer)
    urls = [reverse("admin:index"), reverse("admin:console_integration", args=["supabase"])]
    before = [_queries(client, url) for url in urls]
    for n in range(30):
        extra = Integration.objects.create(
            slug=f"extra-{n}", name=f"Extra {n}", kind="http", base_url="https://example.com"
        )
        IntegrationState.objects.create(integration=extra)
    assert [_queries(client, url) for url in urls] == before
