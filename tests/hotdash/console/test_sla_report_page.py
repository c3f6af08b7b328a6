"""The weekly SLA report page: the same rows as the CSV, for every role that reads."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db
URL = reverse("admin:console_sla_report")


def this_week() -> str:
    year, week, _ = timezone.now().isocalendar()
    return f"{year}-W{week:02d}"


def test_report__this_week__one_row_per_integration_with_probes(client, world, viewer):
    client.force_login(viewer)
    page = client.get(URL, {"week": this_week()}).content.decode()
    assert f"SLA report, week {this_week()}" in page
    assert "Publer" in page and "Shopify Admin GraphQL" in page
    assert "/api/v1/slo/report/?week=" in page


def test_report__bad_week__message_and_last_week(client, world, viewer):
    client.force_login(viewer)
    response = client.get(URL, {"week": "next-tuesday"}, follow=True)
    assert response.status_code == 200
    assert "Unknown week" in response.content.decode()


def test_report__no_role__403(client, world):
    staff = get_user_model().objects.create_user("staff-only", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403
