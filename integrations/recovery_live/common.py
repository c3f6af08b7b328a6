"""What the live recovery steps share: refusals, the outcome contract, the execution's start.

Outcomes follow approvals.registry: a refusal before anything is sent, a read
that failed, or a vendor's definite "no" → ActionFailed; a write sent without
a usable answer → OutcomeUnknown (reconciled later by reading the vendor back).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from approvals import registry
from approvals.selectors import approval_request_started_at
from hotdash.errors import DomainError, ValidationFailed
from integrations.actions.vendor import vendor_call
from integrations.http import GatewayError
from integrations.models import Integration
from integrations.selectors import SLUG_SCHEMA

T = TypeVar("T")
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,127}$")
TARGET = {
    "target": lambda p: f"integrations.Integration:{p['slug']}",
    "integration": lambda p: p["slug"],
}


def register_live(name: str, *, description: str, schema: dict = SLUG_SCHEMA, **functions) -> None:
    """Register one live recovery step on an integration: one approval, kill switches by
    integration, a slug parameter unless `schema` says more. `functions`: perform,
    precondition, reconcile, summary."""
    registry.register(
        name,
        schema=schema,
        risk=registry.LIVE,
        required_approvals=1,
        description=description,
        replace=True,
        **functions,
        **TARGET,
    )


__all__ = [
    "TARGET",
    "register_live",
    "as_failure",
    "execution_started_at",
    "read",
    "token_present",
    "vendor_call",
    "where",
]


def token_present(integration: Integration, token_env: str) -> None:
    """In live mode, refuse (400 `credentials_missing`) unless `$token_env` is set.
    The message names the variable, never a value; sandbox mode needs nothing."""
    if not ENV_NAME.fullmatch(token_env or ""):
        raise ValidationFailed(
            f"{integration.slug}: {token_env!r} is not an environment variable name.",
            code="config_invalid",
        )
    if integration.mode == Integration.Mode.LIVE and not os.environ.get(token_env, "").strip():
        raise ValidationFailed(
            f"{integration.slug} is live and {token_env} is not set in the environment.",
            code="credentials_missing",
            extra={"missing": [token_env]},
        )


def as_failure(check: Callable[[], T]) -> T:
    """Run a precondition-style check inside `perform`: its refusal becomes ActionFailed."""
    try:
        return check()
    except DomainError as error:
        raise registry.ActionFailed(error.detail) from error


def read(call: Callable[[], T], what: str) -> T:
    """A vendor read made before any change: whatever goes wrong, nothing was done."""
    try:
        return call()
    except GatewayError as error:
        raise registry.ActionFailed(f"{what}: {error.detail}") from error


def execution_started_at(idempotency_key: str) -> datetime | None:
    """When the execution of the request with this key started (None: unknown).

    While a request is `unknown`, `started_at` is the start of the execution
    whose outcome was lost: a vendor change after it is that execution's.
    """
    return approval_request_started_at(idempotency_key=idempotency_key)


def where(slug: str) -> tuple[Integration | None, str]:
    """The integration (None if it is gone) and `slug (mode)`, for the inbox rows."""
    integration = Integration.objects.filter(slug=slug).first()
    return integration, f"{slug} ({integration.mode if integration else 'deleted'})"
