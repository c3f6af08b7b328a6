"""The integration's shared row: circuit breaker and rate-limit state live in IntegrationState.

Every process (web nodes, job clusters) reads and changes the same row, so
what one learns (the circuit opened, the vendor asked for a pause) holds for
all. Changes are single UPDATE statements, conditional where two processes
could race (the half-open trial claim), never read-modify-write of the model.

`probe_pull_forward` is passive detection: a hard failure seen by any other
call (a tile, an action) brings the integration's next probe forward, so an
outage is confirmed by probes within seconds rather than at the next slot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from integrations.models import IntegrationState

from .errors import ErrorClass

FIELDS = (
    "circuit_state",
    "circuit_failures",
    "circuit_opened_at",
    "circuit_trial_until",
    "rate_limit",
    "rate_limit_headroom",
)
DEFAULTS: dict[str, Any] = {
    "circuit_state": IntegrationState.Circuit.CLOSED,
    "circuit_failures": 0,
    "circuit_opened_at": None,
    "circuit_trial_until": None,
    "rate_limit": {},
    "rate_limit_headroom": None,
}


class StateStore:
    """Reads and updates one integration's IntegrationState row (created when missing)."""

    def __init__(self, integration_id: int) -> None:
        self.integration_id = integration_id

    def _rows(self):
        return IntegrationState.objects.filter(pk=self.integration_id)

    def read(self) -> dict[str, Any]:
        """The breaker and rate-limit fields, fresh from the database."""
        row = self._rows().values(*FIELDS).first()
        if row is None:
            IntegrationState.objects.get_or_create(integration_id=self.integration_id)
            return dict(DEFAULTS)
        return row

    def update(self, condition: Q | None = None, **changes: Any) -> int:
        """UPDATE the row (only if it matches `condition`); returns the number of rows changed."""
        rows = self._rows()
        if condition is not None:
            rows = rows.filter(condition)
        return rows.update(**changes)


def vendor_state_reset(integration_id: int, *, now: datetime | None = None) -> int:
    """Forget what the vendor said and how its calls went: the rate-limit report (with a
    pause it asked for), the headroom and the circuit breaker, and probe at once. For a
    mode change: the other side (sandbox or live vendor) said none of it. Returns the
    number of rows changed (0 without a state row)."""
    return IntegrationState.objects.filter(pk=integration_id).update(
        **DEFAULTS, next_probe_at=now or timezone.now()
    )


# -- passive detection: a hard failure outside a probe brings the next probe forward ------

HARD_FAILURES = frozenset({ErrorClass.CONNECTION, ErrorClass.TIMEOUT, ErrorClass.VENDOR_5XX})
_probing: ContextVar[bool] = ContextVar("integrations_probing", default=False)


@contextmanager
def probing() -> Iterator[None]:
    """Mark the calls made inside as a probe's (the engine wraps each probe in it):
    a probe's own failure is scheduled by the engine, never pulled forward here."""
    token = _probing.set(True)
    try:
        yield
    finally:
        _probing.reset(token)


def probing_now() -> bool:
    """True inside `probing()`: the calls being made are a probe's."""
    return _probing.get()


def probe_pull_forward(
    integration_id: int, error_class: str, *, now: datetime | None = None
) -> bool:
    """After a hard failure of a non-probe call, move the integration's next probe earlier.

    The probe is brought to max(now, last probe + `probe_retry_seconds`), so pulled
    probes come at most once per retry interval. Nothing happens when the setting
    PROBE_PASSIVE_DETECTION is off, inside a probe, for a soft error class, while the
    probe is in flight, when it is due sooner anyway, or while a pause the vendor asked
    for (`rate_limit.throttled_until`) runs. One SELECT, then an UPDATE conditional on
    `next_probe_at` being unchanged (so a racing claim or engine write wins).
    Returns True when the row was moved.
    """
    if error_class not in HARD_FAILURES or _probing.get():
        return False
    if not getattr(settings, "PROBE_PASSIVE_DETECTION", True):
        return False
    now = now or timezone.now()
    row = (
        IntegrationState.objects.filter(pk=integration_id, integration__enabled=True)
        .values("next_probe_at", "last_probe_at", "claimed_until", "rate_limit")
        .annotate(retry_s=F("integration__probe_retry_seconds"))
        .first()
    )
    if row is None or _pull_blocked(row, now):
        return False
    last = row["last_probe_at"]
    target = max(now, last + timedelta(seconds=row["retry_s"])) if last else now
    if target >= row["next_probe_at"]:
        return False
    rows = IntegrationState.objects.filter(pk=integration_id, next_probe_at=row["next_probe_at"])
    return rows.update(next_probe_at=target) == 1


def _pull_blocked(row: dict[str, Any], now: datetime) -> bool:
    """In flight, never scheduled (the loop takes it at once), or inside a vendor pause."""
    if row["claimed_until"] and row["claimed_until"] >= now:
        return True
    if row["next_probe_at"] is None:
        return True
    paused_until = (row["rate_limit"] or {}).get("throttled_until")
    return bool(paused_until) and float(paused_until) > now.timestamp()
