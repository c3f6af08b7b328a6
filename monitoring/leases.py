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


def lease_take(*, name: str, holder: str, seconds: float, from_prefix: str | None = None) -> bool:
    """Take `name` for `holder` whoever holds it, or, with `from_prefix`, only from a holder
    whose name starts with it (or if it is free or expired). True if taken.

    The displaced holder finds out at its next `lease_acquire`, which then fails.
    """
    rows = Lease.objects.filter(name=name)
    if from_prefix is not None:
        rows = rows.filter(holder__startswith=from_prefix)
    if rows.update(holder=holder, expires_at=timezone.now() + timedelta(seconds=seconds)):
        return True
    return lease_acquire(name=name, holder=holder, seconds=seconds)


def lease_holder(name: str) -> str | None:
    """Who holds `name` now (None when it is free or expired)."""
    return (
        Lease.objects.filter(name=name, expires_at__gt=timezone.now())
        .exclude(holder="")
        .values_list("holder", flat=True)
        .first()
    )


def lease_holders(names: list[str]) -> set[str]:
    """Who holds any of `names` now (free and expired leases left out)."""
    return set(
        Lease.objects.filter(name__in=names, expires_at__gt=timezone.now())
        .exclude(holder="")
        .values_list("holder", flat=True)
    )
