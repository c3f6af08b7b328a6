"""Board truth and findings in the console: a card is never green with a SEV1/SEV2 open, the
open-incident link prefers the outage, and open findings show on the board and the
integration page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from integrations.models import IntegrationState
from monitoring import selectors
from monitoring.models import Incident
from monitoring.services.findings import finding_raise
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    shop = make_integration("shop", weight=1)
    IntegrationState.objects.filter(pk=shop.pk).update(status="ok")
    return shop


def incident(integration, *, cause, severity, minutes_ago=10):
    return Incident.objects.create(
        integration=integration,
        cause=cause,
        severity=severity,
        title=f"{cause} SEV{severity}",
        opened_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def card_html(page: str, slug: str) -> str:
    start = page.index(f'data-slug="{slug}"')
    return page[page.rindex("<article", 0, start) : page.index("</article>", start)]


def test_board__open_sev2__card_not_green(shop, client, viewer):
    # Given a shop whose probes are fine but whose error budget burns at SEV2
    burn = incident(shop, cause="burn_rate", severity=2)
    client.force_login(viewer)
    # When the board is opened
    card = card_html(client.get(reverse("admin:index")).content.decode(), "shop")
    # Then its card says "incident" with the severity, and links the incident
    assert "hd-st-incident" in card and "hd-st-ok" not in card
    assert "SEV2 incident" in card
    assert reverse("admin:console_incident", args=[burn.pk]) in card


def test_board__open_sev3__card_keeps_its_state(shop, client, viewer):
    incident(shop, cause="anomaly", severity=3)
    client.force_login(viewer)
    card = card_html(client.get(reverse("admin:index")).content.decode(), "shop")
    assert "hd-st-ok" in card and "SEV3 open" in card


def test_open_incidents__prefer_the_outage_then_the_most_severe(shop):
    # Given an older SEV1 burn incident, a SEV3 outage and a SEV2 finding incident
    incident(shop, cause="burn_rate", severity=1, minutes_ago=30)
    down = incident(shop, cause="down", severity=3, minutes_ago=5)
    incident(shop, cause="finding", severity=2, minutes_ago=20)
    # Then the outage is the one linked, and the worst severity is still known
    chosen = selectors.open_incidents([shop.pk])[shop.pk]
    assert chosen == down and chosen.worst_severity == 1
    down.delete()
    assert selectors.open_incidents([shop.pk])[shop.pk].cause == "burn_rate"


def test_api__open_incident_link_prefers_the_outage(shop, client, viewer):
    incident(shop, cause="burn_rate", severity=1, minutes_ago=30)
    down = incident(shop, cause="down", severity=3, minutes_ago=5)
    client.force_login(viewer)

    rows = client.get(reverse("monitoring-api:integration-list")).json()["results"]

    [row] = [r for r in rows if r["slug"] == "shop"]
    assert row["open_incident"]["id"] == down.pk
    assert row["open_incident"]["worst_severity"] == 1


def test_health_summary__not_ok_while_a_sev2_is_open(shop):
    assert selectors.health_summary()["overall"] == "ok"
    incident(shop, cause="anomaly", severity=3)
    assert selectors.health_summary()["overall"] == "ok"
    incident(shop, cause="burn_rate", severity=2)
    assert selectors.health_summary()["overall"] == "degraded"


def test_board__findings_counted_per_card_and_listed(shop, client, viewer):
    finding_raise(
        kind="tool_drift", key="a", title="tools changed", integration=shop, severity="critical"
    )
    finding_raise(kind="quota", key="b", title="bucket low", integration=shop)
    finding_raise(kind="deprecation", key="c", title="fyi", integration=shop, severity="info")
    client.force_login(viewer)

    page = client.get(reverse("admin:index")).content.decode()

    assert "1 critical, 1 warning" in card_html(page, "shop")
    panel = page[
        page.index('id="hd-findings"') : page.index("</ol>", page.index('id="hd-findings"'))
    ]
    assert "tools changed" in panel and "bucket low" in panel and "fyi" not in panel
    assert panel.index("tools changed") < panel.index("bucket low")  # critical first
    assert 'data-total="findings">2<' in page
    assert "/api/v1/findings/?status=open" in page  # console.js refreshes the panel


def test_integration_page__lists_open_findings(shop, client, viewer):
    found = finding_raise(
        kind="tool_drift",
        key="a",
        title="tools changed",
        integration=shop,
        severity="critical",
        detail="review callers",
    )
    client.force_login(viewer)

    page = client.get(reverse("admin:console_integration", args=["shop"])).content.decode()

    section = page[page.index('id="findings"') :]
    assert f'data-finding="{found.pk}"' in section
    assert "MCP tool drift" in section and "tools changed" in section
    assert "critical" in section and found.first_seen_at.strftime("%Y-%m-%d") in section
    assert "Resolve" not in section  # viewers do not resolve


def test_integration_page__operator_resolves_a_finding(shop, client, operator):
    found = finding_raise(
        kind="tool_drift", key="a", title="tools changed", integration=shop, severity="critical"
    )
    client.force_login(operator)
    page = client.get(reverse("admin:console_integration", args=["shop"])).content.decode()
    try:
        url = reverse("admin:console_finding_resolve", args=["shop", found.pk])
    except NoReverseMatch:  # the route is not installed: the page names the API action
        assert f"POST /api/v1/findings/{found.pk}/resolve/" in page
        return
    assert url in page

    answer = client.post(url, {"note": "callers updated"})

    assert answer.status_code == 302
    found.refresh_from_db()
    assert found.status == "resolved"
