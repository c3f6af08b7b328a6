"""Database leases: one holder at a time; expiry frees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.leases import lease_acquire, lease_release
from monitoring.models import Lease

pytestmark = pytest.mark.django_db


def test_acquire__free__taken():
    assert lease_acquire(name="loop", holder="a", seconds=60)


def test_acquire__held_by_other__refused():
    lease_acquire(name="loop", holder="a", seconds=60)
    assert not lease_acquire(name="loop", holder="b", seconds=60)


def test_acquire__own__renewed():
    lease_acquire(name="loop", holder="a", seconds=60)
    assert lease_acquire(name="loop", holder="a", seconds=120)


def test_acquire__expired__taken_over():
    lease_acquire(name="loop", holder="a", seconds=60)
    Lease.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert lease_acquire(name="loop", holder="b", seconds=60)
    assert Lease.objects.get().holder == "b"


def test_release__then_other__taken():
    lease_acquire(name="loop", holder="a", seconds=60)
    lease_release(name="loop", holder="a")
    assert lease_acquire(name="loop", holder="b", seconds=60)
