"""A circuit breaker whose state is the IntegrationState row, shared by every process.

States (IntegrationState.Circuit):
- closed: calls go through; each tripping failure adds to `circuit_failures`,
  any other outcome resets it; at `threshold` consecutive failures it opens.
- open: calls fail fast with CircuitOpen until `cooldown_s` has passed since
  `circuit_opened_at`.
- half_open: after the cool-down exactly one call, across all processes, is the
  trial. It claims the trial with a conditional UPDATE on
  `circuit_trial_until` (a lease, so a crashed trial is retried after it
  expires); everyone else keeps failing fast. The trial's success closes the
  circuit, its failure opens it again for another cool-down.

Only failures that say the vendor is unreachable or broken trip it (timeout,
connection, vendor_5xx). Auth, 4xx, throttling and contract errors mean the
vendor answered, so they count as the vendor being up.

Probes are not ordinary callers (like Envoy's active health checks, which ignore
outlier ejection): a probe while the circuit is not closed is let through as the
trial (`Gateway._admit`); its success closes the circuit for every caller and its
failure restarts the cool-down. Other callers get `circuit_open` without calling
while it cools down, so a dead vendor is not hammered by the dashboard, yet its
recovery is seen at the next probe.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from integrations.models import IntegrationState

from .errors import CircuitOpen, ErrorClass, GatewayError
from .state import StateStore

logger = logging.getLogger("integrations.http")
Circuit = IntegrationState.Circuit
TRIPPING = frozenset({ErrorClass.TIMEOUT, ErrorClass.CONNECTION, ErrorClass.VENDOR_5XX})


@dataclass(frozen=True)
class BreakerPolicy:
    """From `Integration.config`: `circuit_failure_threshold`, `circuit_cooldown_seconds`."""

    threshold: int = 5
    cooldown_s: float = 30.0

    @classmethod
    def for_integration(cls, integration: Any) -> BreakerPolicy:
        config = integration.config or {}
        return cls(
            threshold=int(config.get("circuit_failure_threshold", cls.threshold)),
            cooldown_s=float(config.get("circuit_cooldown_seconds", cls.cooldown_s)),
        )


class CircuitBreaker:
    """One integration's breaker. `admit` before a call, then exactly one of `record`/`release`."""

    def __init__(self, store: StateStore, policy: BreakerPolicy, *, now=timezone.now) -> None:
        self.store = store
        self.policy = policy
        self.now = now
        self.is_trial = False
        self._failures_seen = 0

    def admit(self, row: dict[str, Any], *, lease_s: float) -> None:
        """Let a call through or raise CircuitOpen (with `retry_after` until the next trial)."""
        self.is_trial = False
        self._failures_seen = row["circuit_failures"]
        if row["circuit_state"] == Circuit.CLOSED:
            return
        now = self.now()
        trial_at = (row["circuit_opened_at"] or now) + timedelta(seconds=self.policy.cooldown_s)
        if now < trial_at:
            wait = (trial_at - now).total_seconds()
            raise CircuitOpen(
                f"circuit open; next trial in {wait:.1f}s", retry_after=wait, sent=False
            )
        if not self._claim_trial(now, lease_s):
            raise CircuitOpen("circuit half-open; another call is the trial", sent=False)
        self.is_trial = True
        logger.info("circuit of integration %s: half-open trial call", self.store.integration_id)

    def _claim_trial(self, now: datetime, lease_s: float) -> bool:
        cooled = Q(circuit_opened_at__isnull=True) | Q(
            circuit_opened_at__lte=now - timedelta(seconds=self.policy.cooldown_s)
        )
        free = Q(circuit_trial_until__isnull=True) | Q(circuit_trial_until__lt=now)
        claimable = Q(circuit_state__in=[Circuit.OPEN, Circuit.HALF_OPEN]) & cooled & free
        lease_until = now + timedelta(seconds=lease_s)
        changed = self.store.update(
            claimable, circuit_state=Circuit.HALF_OPEN, circuit_trial_until=lease_until
        )
        return changed == 1

    def record(self, error: GatewayError | None) -> None:
        """Count the outcome of an admitted call (None: it succeeded)."""
        if error is not None and error.error_class in TRIPPING:
            self._failure()
        else:
            self._success()
        self.is_trial = False

    def release(self) -> None:
        """Give the trial back unused (the call was never made)."""
        if self.is_trial:
            self.store.update(Q(circuit_state=Circuit.HALF_OPEN), circuit_trial_until=None)
            self.is_trial = False

    def _success(self) -> None:
        if self.is_trial:
            self.store.update(
                circuit_state=Circuit.CLOSED,
                circuit_failures=0,
                circuit_opened_at=None,
                circuit_trial_until=None,
            )
            logger.info("circuit of integration %s closed", self.store.integration_id)
        elif self._failures_seen:
            self.store.update(Q(circuit_state=Circuit.CLOSED), circuit_failures=0)

    def _failure(self) -> None:
        now = self.now()
        if self.is_trial:
            self.store.update(
                circuit_state=Circuit.OPEN,
                circuit_failures=F("circuit_failures") + 1,
                circuit_opened_at=now,
                circuit_trial_until=None,
            )
            logger.warning("circuit of integration %s re-opened", self.store.integration_id)
            return
        self.store.update(circuit_failures=F("circuit_failures") + 1)
        tripped = Q(circuit_state=Circuit.CLOSED, circuit_failures__gte=self.policy.threshold)
        if self.store.update(tripped, circuit_state=Circuit.OPEN, circuit_opened_at=now):
            logger.warning(
                "circuit of integration %s opened after %d consecutive failures",
                self.store.integration_id,
                self.policy.threshold,
            )
