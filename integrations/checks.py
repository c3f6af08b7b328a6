"""System checks of the integrations app: every kind can be probed, and the webhook
pipeline's knobs fit the job cluster. Registered in `IntegrationsConfig.ready()`;
`manage.py check` runs them (docs/troubleshooting.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error


def probes_check(app_configs=None, **kwargs) -> list[Error]:
    """integrations.E001: an `Integration.Kind` with no probe registered for it."""
    from integrations.models import Integration
    from integrations.probes import PROBES

    return [
        Error(
            f"Integration kind '{kind}' has no probe.",
            hint="Register one with @register_probe in integrations/probes/<kind>.py "
            "and import that module in integrations/probes/__init__.py.",
            obj=Integration,
            id="integrations.E001",
        )
        for kind in Integration.Kind.values
        if kind not in PROBES
    ]


def webhook_settings_check(app_configs=None, **kwargs) -> list[Error]:
    """integrations.E002: a webhook claim no longer than the job timeout (a slow but live
    worker would be overtaken and the event processed twice).
    integrations.E003: fewer than one processing attempt."""
    from integrations.webhooks.conf import knob

    errors = []
    timeout = getattr(settings, "Q_CLUSTER", {}).get("timeout")
    claim = knob("CLAIM_S")
    if timeout is not None and not claim > timeout:
        errors.append(
            Error(
                f"WEBHOOK_CLAIM_S ({claim}) must exceed Q_CLUSTER['timeout'] ({timeout}).",
                hint="Raise WEBHOOK_CLAIM_S (default 360) or lower the cluster timeout.",
                id="integrations.E002",
            )
        )
    attempts = knob("MAX_ATTEMPTS")
    if not (isinstance(attempts, int) and attempts >= 1):
        errors.append(
            Error(
                f"WEBHOOK_MAX_ATTEMPTS ({attempts!r}) must be an integer of at least 1.",
                hint="Remove the setting for the default (5).",
                id="integrations.E003",
            )
        )
    return errors
