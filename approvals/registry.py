"""The action registry: what may be requested, how it is checked and how it is performed.

Apps register their actions in `AppConfig.ready()`:

    registry.register(
        "integrations.switch_live",
        schema={...},                      # JSON Schema, Draft 2020-12 (approvals.schema)
        risk="live",                       # "safe" runs without sign-off; "live" needs it
        required_approvals=1,
        perform=switch_live,               # (params, idempotency_key) -> result dict
        precondition=snapshot,             # (params) -> dict; drift at execution -> conflict
        target=lambda p: f"integrations.Integration:{p['slug']}",
        integration=lambda p: p["slug"],   # per-integration kill switches apply
    )

`perform` raises `ActionFailed` when the action certainly did not happen, and
`OutcomeUnknown` when a call was sent but no answer came (timeout, connection
reset). Any other exception is treated as unknown too: never a blind retry.
`reconcile(params, idempotency_key)` answers, after an unknown outcome, whether
the action happened: a result dict with `performed` True/False, or None (still unknown).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from approvals.schema import normalised, schema_check, validate
from hotdash.errors import DomainError, ValidationFailed

SAFE, LIVE = "safe", "live"


class ActionFailed(Exception):
    """The action certainly did not happen (refused, validation, permanent vendor error)."""


class OutcomeUnknown(Exception):
    """The call was sent and no answer came: the action may or may not have happened."""


class UnknownAction(DomainError):
    code = "unknown_action"


@dataclass(frozen=True)
class Action:
    name: str
    schema: dict
    risk: str
    perform: Callable[[dict, str], dict]
    required_approvals: int = 1
    precondition: Callable[[dict], dict] | None = None
    reconcile: Callable[[dict, str], dict | None] | None = None
    target: Callable[[dict], str] | None = None
    integration: Callable[[dict], str | None] | None = None
    summary: Callable[[dict, dict], list[tuple[str, str]]] | None = None
    bypasses_kill_switches: bool = False
    description: str = ""

    def target_of(self, params: dict) -> str:
        return self.target(params) if self.target else ""

    def integration_of(self, params: dict) -> str:
        return (self.integration(params) or "") if self.integration else ""

    def snapshot(self, params: dict) -> dict:
        """The precondition snapshot now ({} without a precondition). May raise DomainError."""
        return self.precondition(params) if self.precondition else {}

    def rows(self, params: dict, precondition: dict) -> list[tuple[str, str]]:
        """The payload as readable (label, value) rows, for the inbox."""
        if self.summary:
            return self.summary(params, precondition)
        return [(key, str(value)) for key, value in sorted(params.items())]


_actions: dict[str, Action] = {}


def register(name: str, *, schema: dict, risk: str, perform, replace: bool = False, **options):
    """Register an action; returns it. Raises ValueError for a bad definition or a
    duplicate name (unless `replace`, for tests)."""
    if risk not in (SAFE, LIVE):
        raise ValueError(f"action {name}: risk must be 'safe' or 'live', not {risk!r}")
    if name in _actions and not replace:
        raise ValueError(f"action {name} is already registered")
    schema_check(schema)
    required = options.pop("required_approvals", 0 if risk == SAFE else 1)
    if risk == LIVE and required < 1:
        raise ValueError(f"action {name}: a live action needs at least one approval")
    action = Action(name, schema, risk, perform, required_approvals=required, **options)
    _actions[name] = action
    return action


def unregister(name: str) -> None:
    _actions.pop(name, None)


def get(name: str) -> Action:
    """The registered action, or UnknownAction (400 `unknown_action`)."""
    try:
        return _actions[name]
    except KeyError:
        raise UnknownAction(f"No action named {name!r} is registered.") from None


def find(name: str) -> Action | None:
    """The registered action, or None."""
    return _actions.get(name)


def params_validate(action: Action, params) -> dict:
    """The params as the action receives them (an integral float made an int where the
    schema says integer), or ValidationFailed (400 `invalid`) with field errors."""
    errors = validate(action.schema, params)
    if errors:
        raise ValidationFailed(
            f"Parameters for {action.name} are invalid.", extra={"errors": errors}
        )
    return normalised(action.schema, params)
