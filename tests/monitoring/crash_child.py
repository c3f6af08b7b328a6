"""A probe worker that SIGKILLs itself at a named point of probe → transition → incident →
notification → recovery (driven by tests/monitoring/test_crash_durability.py).

    python -m tests.monitoring.crash_child <integration slug> <point>

It runs the real `probe_now` with django-q2 in sync mode, so the jobs enqueued on commit
(the sends, the recovery playbook) run in this process, as one worker would run them.
The parent passes its test database (DATABASE_URL) and its vendor sandbox (SANDBOX_URL).

Points (POINTS): `none` runs to the end; the others die there, and never return.
"""

from __future__ import annotations

import os
import signal
import sys


def die(*args, **kwargs):
    """No cleanup, no rollback, no on_commit: the process is gone."""
    os.kill(os.getpid(), signal.SIGKILL)


def _then_die(real):
    def wrapped(*args, **kwargs):
        real(*args, **kwargs)
        die()

    return wrapped


def crash_at(point: str) -> None:
    """Replace the function at `point` with one that kills this process."""
    from monitoring import channels, engine
    from monitoring.services import alerting, reactions, recovery

    if point == "after_record":  # checks and transitions committed, no reaction yet
        engine.transitions_react = die
    elif point == "in_reaction":  # incident changed and notification rows written, uncommitted
        reactions.incident_notify = _then_die(reactions.incident_notify)
        # the resolve goes through alerting.incident_resolve_announced, which calls its own name
        alerting.incident_notify = _then_die(alerting.incident_notify)
    elif point == "before_send":  # the reaction committed; its send job is never enqueued
        alerting.async_task = die
    elif point == "in_send":  # the notification is claimed (`sending`), the vendor not called
        channels.send = die
    elif point == "in_recovery":  # the playbook ran its first step, not its verification
        recovery._verified = die
    elif point != "none":
        raise SystemExit(f"unknown crash point {point!r}")


POINTS = ["none", "after_record", "in_reaction", "before_send", "in_send", "in_recovery"]


def main(slug: str, point: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotdash.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django_q.conf import Conf

    Conf.SYNC = True
    settings.RECOVERY_REPROBE_DELAYS = [0, 0]
    crash_at(point)

    from integrations.models import Integration
    from monitoring.engine import probe_now

    probe_now([Integration.objects.get(slug=slug)])


if __name__ == "__main__":
    main(*sys.argv[1:3])
