"""Writes on governance data (HackSoft style: `<entity>_<action>(*, keyword-only args)`).

Requests:   approval_request_create / _approve / _reject / _cancel / _execute / _reconcile
            / _resolve (a person settles an unknown outcome)
Safe runs:  action_run_safe
Sweeper:    approvals_sweep
Flags:      flag_change, kill_switch_set, kill_switch_engage
"""

from approvals.services.decisions import approval_request_approve, approval_request_reject
from approvals.services.execution import action_run_safe, approval_request_execute
from approvals.services.flags import flag_change, kill_switch_engage, kill_switch_set
from approvals.services.requests import approval_request_cancel, approval_request_create
from approvals.services.sweeper import (
    approval_request_reconcile,
    approval_request_resolve,
    approvals_sweep,
)

__all__ = [
    "action_run_safe",
    "approval_request_approve",
    "approval_request_cancel",
    "approval_request_create",
    "approval_request_execute",
    "approval_request_reconcile",
    "approval_request_reject",
    "approval_request_resolve",
    "approvals_sweep",
    "flag_change",
    "kill_switch_engage",
    "kill_switch_set",
]
