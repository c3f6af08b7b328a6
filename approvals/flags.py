"""Reading feature flags: evaluation that never raises, and kill switches read fresh.

    flag_evaluate("integrations.shopify.live")            -> Evaluation(False, "disabled", 3)
    flag_evaluate("new-tiles", subject="store-42")        -> percentage rollout by stable hash
    kill_switches_active(action=..., integration=...)     -> the set kill switches (fresh read)

Evaluations are cached in-process for CACHE_TTL seconds; a change made in this
process clears the cache at once (`flags_cache_clear`), other processes see it
within the TTL. Kill switches never go through the cache.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone

from approvals.models import FeatureFlag

logger = logging.getLogger("approvals.flags")

CACHE_TTL = 5.0
TOUCH_EVERY = timedelta(minutes=1)  # how often last_evaluated_at is written, at most

_cache: dict[str, tuple[float, dict | None]] = {}
_cache_lock = threading.Lock()


class FlagsUnavailable(Exception):
    """Flags could not be read: anything live must be denied."""


@dataclass(frozen=True)
class Evaluation:
    """value: the answer; reason: why (missing | disabled | enabled | rollout_in |
    rollout_out | no_subject | error); version: the flag's version (0 if unknown)."""

    value: bool
    reason: str
    version: int


def flags_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()


def flag_evaluate(key: str, *, subject: str = "", default: bool = False) -> Evaluation:
    """Evaluate one flag for an optional subject key. Never raises.

    A missing flag or a database error gives `default` (reason `missing` /
    `error`). A percentage rollout puts a subject in or out by a stable hash of
    the flag key and subject, so the same subject always gets the same answer.
    """
    try:
        row = _cached_row(key)
    except Exception:  # evaluation never raises: reads go on with the default
        logger.warning("flag %s unreadable; using default %s", key, default, exc_info=True)
        return Evaluation(default, "error", 0)
    if row is None:
        return Evaluation(default, "missing", 0)
    _touch(row)
    return _decide(row, subject)


def evaluation_of(flag: FeatureFlag, subject: str = "") -> Evaluation:
    """Evaluate an already loaded flag (no database access, no cache)."""
    return _decide({name: getattr(flag, name) for name in _FIELDS}, subject)


def _decide(row: dict, subject: str) -> Evaluation:
    version = row["version"]
    if not row["enabled"]:
        return Evaluation(False, "disabled", version)
    percent = row["rollout_percent"]
    if percent >= 100 or row["kind"] == FeatureFlag.Kind.KILL_SWITCH:
        return Evaluation(True, "enabled", version)
    if not subject:
        return Evaluation(False, "no_subject", version)
    inside = rollout_bucket(row["key"], subject) < percent
    return Evaluation(inside, "rollout_in" if inside else "rollout_out", version)


def rollout_bucket(key: str, subject: str) -> int:
    """A stable bucket 0..99 for (flag, subject): the same in every process, forever."""
    digest = hashlib.sha256(f"{key}:{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


_FIELDS = ("id", "key", "kind", "enabled", "rollout_percent", "version", "last_evaluated_at")


def _cached_row(key: str) -> dict | None:
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < CACHE_TTL:
        return hit[1]
    row = FeatureFlag.objects.filter(key=key).values(*_FIELDS).first()
    with _cache_lock:
        _cache[key] = (now, row)
    return row


def _touch(row: dict) -> None:
    """Note the evaluation time, at most once a minute per flag and process; never raises."""
    now = timezone.now()
    last = row.get("last_evaluated_at")
    if last and now - last < TOUCH_EVERY:
        return
    row["last_evaluated_at"] = now
    try:
        with transaction.atomic():
            FeatureFlag.objects.filter(pk=row["id"]).update(last_evaluated_at=now)
    except DatabaseError:
        logger.debug("could not note evaluation of %s", row["key"], exc_info=True)


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
