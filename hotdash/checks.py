"""System checks of the project layer: every declared schedule runs a task that exists, and
the job cluster's settings agree with each other. Registered in `HotdashConfig.ready()`;
`manage.py check` runs them (docs/troubleshooting.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning
from django.db import DatabaseError, connections
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


def schedules_stored_check(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    """hotdash.W003 (tag `database`): a declared schedule missing from the database, or
    stored with another task path (a task that moved module, before `manage.py seed`):
    the job cluster would keep calling the old path, which no longer imports."""
    from django_q.models import Schedule

    from hotdash.schedules import SCHEDULES

    warnings = []
    for alias in databases or ():
        try:
            if Schedule._meta.db_table not in connections[alias].introspection.table_names():
                continue  # not migrated yet (migrate runs the checks first)
            stored = dict(
                Schedule.objects.using(alias)
                .filter(name__in=list(SCHEDULES))
                .values_list("name", "func")
            )
        except DatabaseError:
            continue  # an unreachable database is reported elsewhere
        for name, (path, _type, _minutes) in SCHEDULES.items():
            if stored.get(name) == path:
                continue
            found = "is not stored" if name not in stored else f"runs '{stored[name]}'"
            warnings.append(
                Warning(
                    f"Schedule '{name}' {found}; the code declares '{path}'.",
                    hint="Run `manage.py seed` (it writes the declared schedules by name).",
                    id="hotdash.W003",
                )
            )
    return warnings
