"""Named leases in the database: one holder at a time, across processes and machines."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from monitoring.models import Lease


def lease_acquire(*, name: str, holder: str, seconds: float) -> bool:
    """Take or renew `name` for `holder` if it is free, expired or already ours. True if held.

    A conditional UPDATE decides between racers; exactly one of them sees a row changed.
    """
    now = timezone.now()
    until = now + timedelta(seconds=seconds)
    taken = (
        Lease.objects.filter(name=name)
        .filter(Q(expires_at__lt=now) | Q(expires_at__isnull=True) | Q(holder=holder))
        .update(holder=holder, expires_at=until)
    )
    if taken:
        return True
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, expires_at=until)
    except IntegrityError:
        return False  # someone else holds it (or just created it)
    return True


def lease_release(*, name: str, holder: str) -> None:
    """Give the lease back early (only if we still hold it)."""
    Lease.objects.filter(name=name, holder=holder).update(expires_at=None, holder="")
