"""The approvals policy monitoring contributes: while an integration's availability error
budget is exhausted, its live actions need one more approver (registered from
MonitoringConfig.ready(); shown on the request as `policy["rules"]`)."""

from __future__ import annotations

from integrations.models import Integration

NAME = "monitoring.error_budget"
EXTRA_APPROVERS = 1


def error_budget_policy(action, params: dict) -> dict | None:
    """{"extra_approvals": 1, "reason": …} when the action's integration has no budget left."""
    from monitoring.slo.status import budget_text, slo_status

    slug = action.integration_of(params)
    integration = Integration.objects.filter(slug=slug).first() if slug else None
    if integration is None:
        return None
    status = slo_status(integration)
    if not status.budget_exhausted:
        return None
    return {
        "extra_approvals": EXTRA_APPROVERS,
        "reason": (
            f"{integration.slug}'s {status.window_days}-day error budget is exhausted "
            f"({budget_text(status.availability, status.window_days)}; availability "
            f"{status.availability.current:.3f} % against {status.availability.objective:g} %)"
        ),
    }


def register() -> None:
    from approvals import policies

    policies.register(NAME, error_budget_policy)
