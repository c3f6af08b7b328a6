"""Writes on feature flags. Setting a kill switch needs no approval; everything else
reaches `flag_change` through an approved action (flags.set, flags.clear_kill_switch)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from approvals.audit import audit_record
from approvals.models import FeatureFlag
from hotdash.errors import NotFound, ValidationFailed

KILL_PREFIX = "kill"


def flag_ensure(*, key: str, kind: str, scope: str, scope_target: str = "", **defaults) -> bool:
    """Create the flag if it does not exist; never change an existing one. True if created."""
    _, created = FeatureFlag.objects.get_or_create(
        key=key, defaults={"kind": kind, "scope": scope, "scope_target": scope_target, **defaults}
    )
    return created


def flag_snapshot(flag: FeatureFlag) -> dict:
    return {
        "enabled": flag.enabled,
        "rollout_percent": flag.rollout_percent,
        "version": flag.version,
    }


def flag_change(
    *,
    key: str,
    actor,
    reason: str = "",
    enabled: bool | None = None,
    rollout_percent: int | None = None,
    verb: str = "flag.changed",
) -> FeatureFlag:
    """Apply a change now, bump `version`, record before → after.

    Callers are the approved actions and kill_switch_set: this does no approval
    itself. Raises NotFound for an unknown key. Joins the caller's transaction.
    """
    with transaction.atomic():
        flag = FeatureFlag.objects.select_for_update().filter(key=key).first()
        if flag is None:
            raise NotFound(f"No flag named {key!r}.")
        before = flag_snapshot(flag)
        if enabled is not None:
            flag.enabled = enabled
        if rollout_percent is not None:
            flag.rollout_percent = rollout_percent
        flag.version = F("version") + 1
        flag.save(update_fields=["enabled", "rollout_percent", "version", "updated_at"])
        flag.refresh_from_db()
        changes = {"before": before, "after": flag_snapshot(flag)}
        audit_record(actor=actor, verb=verb, target=flag, changes=changes, reason=reason)
    return flag


def kill_switch_key(scope: str, target: str = "") -> str:
    """`kill.global`, `kill.integration.<slug>` or `kill.action.<name>`."""
    if scope == FeatureFlag.Scope.GLOBAL:
        return f"{KILL_PREFIX}.global"
    if not target:
        raise ValidationFailed(f"A {scope} kill switch needs a target.")
    return f"{KILL_PREFIX}.{scope}.{target}"


def kill_switch_set(*, scope: str, target: str = "", actor, reason: str) -> FeatureFlag:
    """Set (turn on) a kill switch, creating it if needed. No approval: stopping is always
    allowed. Raises ValidationFailed without a reason or for a non-kill-switch key."""
    if not reason.strip():
        raise ValidationFailed("Say why the kill switch is set.", code="reason_required")
    if scope not in FeatureFlag.Scope.values:
        raise ValidationFailed(f"Unknown scope {scope!r}.")
    key = kill_switch_key(scope, target)
    with transaction.atomic():
        flag_ensure(
            key=key,
            kind=FeatureFlag.Kind.KILL_SWITCH,
            scope=scope,
            scope_target=target if scope != FeatureFlag.Scope.GLOBAL else "",
            description=f"Stops every live action in scope {scope} {target}".strip(),
            owner="operators",
        )
        return kill_switch_engage(key=key, actor=actor, reason=reason)


def kill_switch_engage(*, key: str, actor, reason: str) -> FeatureFlag:
    """Set an existing kill switch by key (no approval). ValidationFailed if it is not one."""
    if not reason.strip():
        raise ValidationFailed("Say why the kill switch is set.", code="reason_required")
    flag = FeatureFlag.objects.filter(key=key).first()
    if flag is None or flag.kind != FeatureFlag.Kind.KILL_SWITCH:
        raise ValidationFailed(f"{key} is not a kill switch.", code="wrong_kind")
    return flag_change(
        key=key, actor=actor, reason=reason, enabled=True, verb="flag.kill_switch_set"
    )
