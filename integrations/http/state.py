"""The integration's shared row: circuit breaker and rate-limit state live in IntegrationState.

Every process (web nodes, job clusters) reads and changes the same row, so
what one learns (the circuit opened, the vendor asked for a pause) holds for
all. Changes are single UPDATE statements, conditional where two processes
could race (the half-open trial claim), never read-modify-write of the model.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from integrations.models import IntegrationState

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
