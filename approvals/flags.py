"""Reading feature flags: kill switches read fresh, and what a flag answers (for the API).

    kill_switches_active(action=..., integration=...)     -> the set kill switches (fresh read)
    evaluation_of(flag, subject="store-42")               -> Evaluation(True, "rollout_in", 3)

Nothing in the product branches on a release flag, so there is no cached
`flag_evaluate`: kill switches are the flags the product reads, and they are
read from the database on every check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import DatabaseError
from django.db.models import Q

from approvals.models import FeatureFlag


class FlagsUnavailable(Exception):
    """Flags could not be read: anything live must be denied."""


@dataclass(frozen=True)
class Evaluation:
    """value: the answer; reason: why (disabled | enabled | rollout_in | rollout_out |
    no_subject); version: the flag's version."""

    value: bool
    reason: str
    version: int


def evaluation_of(flag: FeatureFlag, subject: str = "") -> Evaluation:
    """What a loaded flag answers for an optional subject (no database access).

    A percentage rollout puts a subject in or out by a stable hash of the flag
    key and subject, so the same subject always gets the same answer.
    """
    if not flag.enabled:
        return Evaluation(False, "disabled", flag.version)
    if flag.rollout_percent >= 100 or flag.kind == FeatureFlag.Kind.KILL_SWITCH:
        return Evaluation(True, "enabled", flag.version)
    if not subject:
        return Evaluation(False, "no_subject", flag.version)
    inside = rollout_bucket(flag.key, subject) < flag.rollout_percent
    return Evaluation(inside, "rollout_in" if inside else "rollout_out", flag.version)


def rollout_bucket(key: str, subject: str) -> int:
    """A stable bucket 0..99 for (flag, subject): the same in every process, forever."""
    digest = hashlib.sha256(f"{key}:{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def kill_switches_active(*, action: str = "", integration: str = "") -> list[FeatureFlag]:
    """The kill switches that stop `action` on `integration` now: global, per integration,
    per action. Read fresh from the database (no cache).

    Raises FlagsUnavailable when they cannot be read: the caller must deny.
    """
    scopes = Q(scope=FeatureFlag.Scope.GLOBAL)
    if integration:
        scopes |= Q(scope=FeatureFlag.Scope.INTEGRATION, scope_target=integration)
    if action:
        scopes |= Q(scope=FeatureFlag.Scope.ACTION, scope_target=action)
    try:
        switches = FeatureFlag.objects.filter(
            scopes, kind=FeatureFlag.Kind.KILL_SWITCH, enabled=True
        )
        return list(switches)
    except DatabaseError as exc:
        raise FlagsUnavailable(str(exc)) from exc
