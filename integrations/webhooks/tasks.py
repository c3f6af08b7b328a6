"""django-q2 jobs of the webhook pipeline. Tasks take ids, never model objects."""

from __future__ import annotations

from integrations.webhooks.processing import (
    webhook_event_process,
    webhooks_prune,
    webhooks_sweep,
)
from integrations.webhooks.rejections import rejections_prune


def webhook_event_process_task(event_id: int) -> str:
    """Process one stored event (a no-op when another run claimed it). Returns its status."""
    return webhook_event_process(event_id=event_id)


def webhooks_sweep_task() -> dict[str, int]:
    """Every minute: re-enqueue events whose job was lost, recover dead workers' claims."""
    return webhooks_sweep()


def webhooks_prune_task() -> int:
    """Hourly: delete processed and ignored events, and rejection counters, past retention.
    Returns the rows deleted."""
    return webhooks_prune() + rejections_prune()
