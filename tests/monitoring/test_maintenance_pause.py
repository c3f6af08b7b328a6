"""An operator pauses an integration (`monitoring.services.maintenance.integration_pause`,
the console's pause button): a one-off maintenance window from now, audited, applied at once."""

from __future__ import annotations

import pytest

from approvals.models import AuditEvent
from hotdash.errors import ValidationFailed
from integrations.models import IntegrationState
from monitoring.models import MaintenanceWindow
from monitoring.services.maintenance import integration_pause
from tests.monitoring.conftest import make_integration

pytestmark = pytest.mark.django_db


def test_pause__opens_a_window_now__audits_it_and_applies_it(operator):
    # Given an integration that answers
    shop = make_integration("shopify")

    # When an operator pauses it for 45 minutes
    window = integration_pause(
        integration=shop, minutes=45, reason="  vendor upgrade ", user=operator
    )

    # Then one window covers it from now, and it is in maintenance already
    assert list(window.integrations.values_list("slug", flat=True)) == ["shopify"]
    assert round((window.ends_at - window.starts_at).total_seconds()) == 45 * 60
    assert window.created_by == operator and window.owner == operator.get_username()
    assert window.reason == "vendor upgrade"
    assert IntegrationState.objects.get(integration=shop).status == "maintenance"
    event = AuditEvent.objects.get(verb="maintenance.pause")
    assert event.changes["minutes"] == 45 and event.changes["window"] == window.pk
    assert event.reason == "vendor upgrade" and event.actor_name == operator.get_username()


@pytest.mark.parametrize(
    ("minutes", "reason", "code"),
    [
        (0, "x", "invalid_duration"),
        (1441, "x", "invalid_duration"),
        (5, "  ", "reason_required"),
    ],
)
def test_pause__out_of_range_or_without_reason__is_refused_and_nothing_stored(
    operator, minutes, reason, code
):
    shop = make_integration("shopify")

    with pytest.raises(ValidationFailed) as refused:
        integration_pause(integration=shop, minutes=minutes, reason=reason, user=operator)

    assert refused.value.code == code
    assert not MaintenanceWindow.objects.exists()
    assert not AuditEvent.objects.filter(verb="maintenance.pause").exists()


@pytest.mark.parametrize("minutes", [1, 24 * 60])
def test_pause__bounds__are_accepted(operator, minutes):
    window = integration_pause(
        integration=make_integration("shopify"), minutes=minutes, reason="r", user=operator
    )

    assert round((window.ends_at - window.starts_at).total_seconds()) == minutes * 60
