"""Governance's own live actions: clearing a kill switch and changing a release flag."""

from __future__ import annotations

from approvals import registry
from approvals.audit import Actor
from approvals.models import FeatureFlag
from approvals.services.flags import flag_change, flag_snapshot
from hotdash.errors import NotFound, ValidationFailed

EXECUTOR = Actor.system("approvals-executor")

KEY = {"type": "string", "minLength": 1, "maxLength": 200}
CLEAR_SCHEMA = {
    "type": "object",
    "properties": {"key": KEY},
    "required": ["key"],
    "additionalProperties": False,
}
SET_SCHEMA = {
    "type": "object",
    "properties": {
        "key": KEY,
        "enabled": {"type": "boolean"},
        "rollout_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    },
    "required": ["key"],
    "additionalProperties": False,
}


def _flag(key: str, kind: str) -> FeatureFlag:
    flag = FeatureFlag.objects.filter(key=key).first()
    if flag is None:
        raise NotFound(f"No flag named {key!r}.")
    if flag.kind != kind:
        raise ValidationFailed(f"{key} is a {flag.get_kind_display().lower()}.", code="wrong_kind")
    return flag


def clear_precondition(params: dict) -> dict:
    """The switch must exist and be set; its version is bound into the approval."""
    flag = _flag(params["key"], FeatureFlag.Kind.KILL_SWITCH)
    if not flag.enabled:
        raise ValidationFailed(f"Kill switch {flag.key} is not set.", code="not_set")
    return flag_snapshot(flag)


def clear_perform(params: dict, idempotency_key: str) -> dict:
    flag = flag_change(
        key=params["key"],
        actor=EXECUTOR,
        enabled=False,
        reason=f"approved ({idempotency_key})",
        verb="flag.kill_switch_cleared",
    )
    return {"key": flag.key, "enabled": flag.enabled, "version": flag.version}


def set_precondition(params: dict) -> dict:
    """A release flag, and a change that says what to change."""
    flag = _flag(params["key"], FeatureFlag.Kind.RELEASE)
    if "enabled" not in params and "rollout_percent" not in params:
        raise ValidationFailed("Say what to change: enabled and/or rollout_percent.")
    return flag_snapshot(flag)


def set_perform(params: dict, idempotency_key: str) -> dict:
    flag = flag_change(
        key=params["key"],
        actor=EXECUTOR,
        reason=f"approved ({idempotency_key})",
        enabled=params.get("enabled"),
        rollout_percent=params.get("rollout_percent"),
    )
    return {"key": flag.key, **flag_snapshot(flag)}


def _on_off(value) -> str:
    return "on" if value else "off"


def clear_summary(params: dict, before: dict) -> list[tuple[str, str]]:
    return [("kill switch", params["key"]), ("state", "set → cleared (live actions resume)")]


def set_summary(params: dict, before: dict) -> list[tuple[str, str]]:
    rows = [("flag", params["key"])]
    if "enabled" in params:
        rows.append(("enabled", f"{_on_off(before.get('enabled'))} → {_on_off(params['enabled'])}"))
    if "rollout_percent" in params:
        rows.append(("rollout", f"{before.get('rollout_percent')}% → {params['rollout_percent']}%"))
    return rows


def register_all() -> None:
    """Called from ApprovalsConfig.ready()."""
    registry.register(
        "flags.clear_kill_switch",
        schema=CLEAR_SCHEMA,
        risk=registry.LIVE,
        perform=clear_perform,
        precondition=clear_precondition,
        target=lambda p: f"approvals.FeatureFlag:{p['key']}",
        summary=clear_summary,
        bypasses_kill_switches=True,  # clearing a switch is what a set switch waits for
        description="Clear a kill switch, letting live actions in its scope run again.",
        replace=True,
    )
    registry.register(
        "flags.set",
        schema=SET_SCHEMA,
        risk=registry.LIVE,
        perform=set_perform,
        precondition=set_precondition,
        target=lambda p: f"approvals.FeatureFlag:{p['key']}",
        summary=set_summary,
        description="Turn a release flag on or off, or change its rollout percentage.",
        replace=True,
    )
