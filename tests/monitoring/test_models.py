"""Monitoring's database guarantees."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import Integration
from monitoring.models import CheckRollup, Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopify():
    return Integration.objects.create(
        slug="shopify", name="Shopify", kind="shopify", base_url="https://x.myshopify.com"
    )


def incident(integration, **fields):
    return Incident.objects.create(
        integration=integration, title="down", opened_at=timezone.now(), **fields
    )


def test_incident__second_open_for_same_cause__refused_by_database(shopify):
    incident(shopify)
    with pytest.raises(IntegrityError), transaction.atomic():
        incident(shopify)


def test_incident__acknowledged_counts_as_open(shopify):
    incident(shopify, status=Incident.Status.ACKNOWLEDGED)
    with pytest.raises(IntegrityError), transaction.atomic():
        incident(shopify)


def test_incident__other_cause_or_after_resolution__allowed(shopify):
    incident(shopify, status=Incident.Status.RESOLVED)
    incident(shopify)
    incident(shopify, cause=Incident.Cause.BURN_RATE)
    assert Incident.objects.filter(integration=shopify).count() == 3


def test_rollup__two_for_one_hour__refused_by_database(shopify):
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    CheckRollup.objects.create(integration=shopify, hour=hour)
    with pytest.raises(IntegrityError):
        CheckRollup.objects.create(integration=shopify, hour=hour)
