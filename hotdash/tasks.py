"""Platform-wide jobs."""

from __future__ import annotations

from django.utils import timezone


def heartbeat_task() -> str:
    """Proves the job cluster runs: its stored result is what /readyz reads."""
    return timezone.now().isoformat()
