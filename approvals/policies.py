"""Approval policies: conditions, known to other apps, that raise how many approvers a live
action needs (e.g. monitoring: "this integration's error budget is exhausted").

Governance imports no other app, so apps register their policies when they start
(`AppConfig.ready()`), as they register actions:

    policies.register("monitoring.error_budget", budget_policy)

A policy is called with the registered `Action` and the request's params when a
request is created, before its write transaction opens (a policy may read as much
as it needs without holding that transaction's locks), and returns None (does not apply) or
`{"extra_approvals": n, "reason": "…"}`. Safe actions are never touched. What
applied is stored on the request (`ApprovalRequest.policy["rules"]`), so the inbox
shows why more sign-offs are needed. A policy that crashes is recorded and skipped:
it must not block every request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Policy = Callable[[object, dict], dict | None]
_policies: dict[str, Policy] = {}


def register(name: str, policy: Policy) -> None:
    """Register (or replace) a policy under `name`."""
    _policies[name] = policy


def unregister(name: str) -> None:
    _policies.pop(name, None)


def required_for(action, params: dict) -> tuple[int, dict]:
    """(required approvals, policy record) for a new request of `action` with `params`."""
    required = action.required_approvals
    record: dict = {"risk": action.risk, "required_approvals": required}
    if required == 0:
        return required, record
    rules = []
    for name, policy in sorted(_policies.items()):
        try:
            outcome = policy(action, params)
        except Exception:
            log.exception("approval policy %s failed; skipped", name)
            rules.append({"name": name, "extra_approvals": 0, "reason": "policy failed"})
            continue
        if outcome and int(outcome.get("extra_approvals", 0)) > 0:
            extra = int(outcome["extra_approvals"])
            rules.append(
                {"name": name, "extra_approvals": extra, "reason": outcome.get("reason", "")}
            )
            required += extra
    if rules:
        record |= {"required_approvals": required, "base_approvals": action.required_approvals}
        record["rules"] = rules
    return required, record
