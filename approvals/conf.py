"""Tunables of approvals, overridable in settings as `APPROVALS_<NAME>`.

A number given in settings for a duration is read as seconds (hotdash.knobs).
"""

from __future__ import annotations

from datetime import timedelta

from hotdash.knobs import Knobs

DEFAULTS: dict[str, object] = {
    "DEFAULT_EXPIRY": timedelta(hours=24),
    "MAX_EXPIRY": timedelta(days=7),
    # An approved request may start this long after expires_at, then it expires.
    "EXECUTION_GRACE": timedelta(minutes=10),
    # Approved but not started for this long: the job was lost, enqueue again.
    "LOST_JOB_AFTER": timedelta(seconds=60),
    # Executing for this long: the worker died; the outcome becomes unknown.
    # Longer than django-q2's task timeout, so a slow but live worker is not overtaken.
    "EXECUTING_LEASE": timedelta(seconds=360),
    # The key of the payload hash (approvals.payload); empty: one derived from SECRET_KEY.
    # Kept out of the database, so a database writer cannot re-sign an edited payload.
    "HASH_KEY": "",
    # Retired hash keys: they still verify requests made under them, never sign new ones.
    "HASH_KEY_FALLBACKS": (),
    # The key of the audit trail (events' digests and checkpoints' signatures, approvals.audit);
    # empty: one derived from SECRET_KEY. Retired keys stay in the fallbacks for as long as
    # the events signed under them are kept: they are verified for ever.
    "AUDIT_KEY": "",
    "AUDIT_KEY_FALLBACKS": (),
}


knob = Knobs("APPROVALS_", DEFAULTS)
