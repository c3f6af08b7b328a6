"""System checks of the project layer: every declared schedule runs a task that exists, and
the job cluster's settings agree with each other. Registered in `HotdashConfig.ready()`;
`manage.py check` runs them (docs/troubleshooting.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error
from django.utils.module_loading import import_string


def schedules_check(app_configs=None, **kwargs) -> list[Error]:
    """hotdash.E001: a schedule in `hotdash.schedules.SCHEDULES` whose dotted task path
    does not import, or does not name a callable."""
    from hotdash.schedules import SCHEDULES

    errors = []
    for name, (path, _type, _minutes) in SCHEDULES.items():
        try:
            task = import_string(path)
        except ImportError as exc:
            problem = f"does not import ({exc})"
        else:
            problem = None if callable(task) else "is not callable"
        if problem:
            errors.append(
                Error(
                    f"Schedule '{name}': task '{path}' {problem}.",
                    hint="Fix the dotted path in hotdash/schedules.py SCHEDULES.",
                    id="hotdash.E001",
                )
            )
    return errors


def q_cluster_check(app_configs=None, **kwargs) -> list[Error]:
    """hotdash.E002: Q_CLUSTER['retry'] not above ['timeout'] (a slow task would be handed
    to a second worker while the first still runs it)."""
    cluster = getattr(settings, "Q_CLUSTER", {})
    timeout, retry = cluster.get("timeout"), cluster.get("retry")
    if timeout is None or retry is None or retry > timeout:
        return []
    return [
        Error(
            f"Q_CLUSTER['retry'] ({retry}) must exceed Q_CLUSTER['timeout'] ({timeout}).",
            hint="django-q2 re-delivers a task after `retry` seconds; keep it above `timeout`.",
            id="hotdash.E002",
        )
    ]
