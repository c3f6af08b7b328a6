"""System checks of monitoring: recovery playbooks name registered actions, and the probe
loop's and alerting's settings make sense. Registered in `MonitoringConfig.ready()`;
`manage.py check` runs them (docs/troubleshooting.md).

An integration's own `config["playbook"]` is data, so it is checked only when the
database is asked for (`manage.py check --database default`), and only as a warning.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning
from django.db import DatabaseError, connections

from approvals import registry

PROBE_LOOP_POSITIVE = ("slots", "duration", "tick", "batch", "concurrency")


def playbooks_check(app_configs=None, **kwargs) -> list[Error]:
    """monitoring.E001: a code-declared playbook step that is not a registered action.
    monitoring.E002: a playbook for a kind that is not an `Integration.Kind`."""
    from integrations.models import Integration
    from monitoring.services.recovery import COMMON, PLAYBOOKS

    errors = []
    for kind, steps in {"(common)": COMMON, **PLAYBOOKS}.items():
        if kind != "(common)" and kind not in Integration.Kind.values:
            errors.append(
                Error(
                    f"Recovery playbook for unknown integration kind '{kind}'.",
                    hint="Use an Integration.Kind value as the key in monitoring/services/recovery.py.",
                    id="monitoring.E002",
                )
            )
        errors += [
            Error(
                f"Recovery playbook '{kind}' names '{step}', which is not a registered action.",
                hint="Register the action in its app's AppConfig.ready(), or fix the name "
                "in monitoring/services/recovery.py PLAYBOOKS.",
                id="monitoring.E001",
            )
            for step in steps
            if registry.find(step) is None
        ]
    return errors


def integration_playbooks_check(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """monitoring.W001 (tag `database`): an integration whose `config["playbook"]` names an action
    that is not registered (recovery skips that step with a note on the incident)."""
    from integrations.models import Integration

    warnings = []
    for alias in databases or ():
        try:
            if Integration._meta.db_table not in connections[alias].introspection.table_names():
                continue  # not migrated yet (migrate runs the checks first)
            rows = Integration.objects.using(alias).values_list("slug", "config")
            for slug, config in rows:
                steps = config.get("playbook") if isinstance(config, dict) else None
                if not isinstance(steps, list):
                    continue
                warnings += [
                    Warning(
                        f"Integration '{slug}': config playbook step '{step}' is not a "
                        "registered action; recovery will skip it.",
                        hint="Fix the step's name in the integration's config (console), "
                        "or remove config['playbook'] to use the kind's playbook.",
                        id="monitoring.W001",
                    )
                    for step in steps
                    if not isinstance(step, str) or registry.find(step) is None
                ]
        except DatabaseError:
            continue  # an unreachable database is reported elsewhere, not as a playbook
    return warnings


def settings_check(app_configs=None, **kwargs) -> list[Error]:
    """monitoring.E003: a PROBE_LOOP value out of range. monitoring.E004: a probe-loop run
    that outlasts the job cluster's timeout. monitoring.E005: NOTIFICATION_MAX_ATTEMPTS
    below 1. monitoring.E006: EMAIL_TIMEOUT not a positive number of seconds."""
    return [*_probe_loop_errors(), *_alerting_errors()]


def _probe_loop_errors() -> list[Error]:
    loop = settings.PROBE_LOOP
    bad = [key for key in PROBE_LOOP_POSITIVE if not _positive(loop.get(key))]
    handoff = loop.get("handoff_wait", 0)
    if not (_number(handoff) and handoff >= 0):
        bad.append("handoff_wait")
    errors = [
        Error(
            f"PROBE_LOOP['{key}'] is {loop.get(key)!r}; it must be a positive number"
            + (" (or 0)" if key == "handoff_wait" else "")
            + ".",
            hint="See the PROBE_LOOP comment in hotdash/settings/base.py.",
            id="monitoring.E003",
        )
        for key in bad
    ]
    if not bad and not (loop["tick"] < loop["duration"] and handoff < loop["duration"]):
        errors.append(
            Error(
                "PROBE_LOOP['tick'] and ['handoff_wait'] must be shorter than ['duration'].",
                id="monitoring.E003",
            )
        )
    timeout = getattr(settings, "Q_CLUSTER", {}).get("timeout")
    if not bad and timeout is not None and loop["duration"] + handoff >= timeout:
        errors.append(
            Error(
                f"A probe-loop run (duration {loop['duration']} s + handoff_wait {handoff} s) "
                f"outlasts Q_CLUSTER['timeout'] ({timeout} s): the cluster would kill it.",
                hint="Shorten PROBE_LOOP['duration'] or raise Q_CLUSTER['timeout'].",
                id="monitoring.E004",
            )
        )
    return errors


def _alerting_errors() -> list[Error]:
    errors = []
    attempts = settings.NOTIFICATION_MAX_ATTEMPTS
    if not (isinstance(attempts, int) and attempts >= 1):
        errors.append(
            Error(
                f"NOTIFICATION_MAX_ATTEMPTS is {attempts!r}; it must be an integer of at "
                "least 1, or no alert is ever sent.",
                id="monitoring.E005",
            )
        )
    timeout = getattr(settings, "EMAIL_TIMEOUT", None)
    if not _positive(timeout):
        errors.append(
            Error(
                f"EMAIL_TIMEOUT is {timeout!r}; it must be a positive number of seconds, "
                "or a hung mail server holds a worker.",
                hint="Set EMAIL_TIMEOUT in the environment (default 10).",
                id="monitoring.E006",
            )
        )
    return errors


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(value) -> bool:
    return _number(value) and value > 0
