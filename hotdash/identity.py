"""A job cluster refuses to run beside a web it does not match (issue 15).

The web publishes its identity: the migrations its code has (one leaf per app), signed
with its `SECRET_KEY` (Django's signing, the same signer as sessions). `seed`, which
every deployment and the demo run before starting anything, publishes it; each web
process makes sure of it at its first `/readyz` (the proxy's health check), re-publishing
when what is stored is not its own. A job cluster starting up
(`manage.py qcluster`, hotdash/management/commands/qcluster.py) checks three things and
names the first that fails:

- the database has every migration of the cluster's code (else: run `migrate`);
- the web's identity verifies under the cluster's `SECRET_KEY` or one of its
  `SECRET_KEY_FALLBACKS` (else its jobs could not be read: django-q2 signs them);
- the web's migrations are the cluster's (else one of them runs another release).

No identity published yet (a fresh database, before `seed`) is not a mismatch.
"""

from __future__ import annotations

import logging
import os
import socket

from django.core import signing
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

logger = logging.getLogger(__name__)

SALT = "hotdash.identity"
WEB = "web"


def schema_leaves(graph=None) -> dict[str, str]:
    """{app label: its newest migration} as this process's code has them (from `graph`, a
    migration graph already loaded, when given)."""
    graph = graph or MigrationLoader(None, ignore_no_migrations=True).graph
    return dict(sorted(graph.leaf_nodes()))


def identity_publish() -> None:
    """Store this process's identity as the web's."""
    from hotdash.models import Identity

    Identity.objects.update_or_create(
        name=WEB,
        defaults={
            "signed": signing.dumps({"schema": schema_leaves()}, salt=SALT),
            "published_by": f"{socket.gethostname()}:{os.getpid()}",
            "published_at": timezone.now(),
        },
    )


_ensured = False


def identity_ensure() -> None:
    """Once per web process: publish this process's identity unless it is what is stored
    (one read; a write only after another release or key published)."""
    global _ensured
    if _ensured:
        return
    from hotdash.models import Identity

    stored = Identity.objects.filter(name=WEB).values_list("signed", flat=True).first()
    if _schema_of(stored) != schema_leaves():
        identity_publish()
        logger.info("published this web's identity for the job clusters")
    _ensured = True


def _schema_of(signed: str | None) -> dict | None:
    try:
        return signing.loads(signed, salt=SALT)["schema"] if signed else None
    except (signing.BadSignature, KeyError, TypeError):
        return None


def _unapplied(executor: MigrationExecutor) -> list[str]:
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def cluster_refusal() -> str | None:
    """Why this process must not run as a job cluster beside the web, or None."""
    from hotdash.models import Identity

    executor = MigrationExecutor(connection)  # the code's migrations, loaded once
    unapplied = _unapplied(executor)
    if unapplied:
        shown = ", ".join(unapplied[:3]) + (f" and {len(unapplied) - 3} more" if len(unapplied) > 3 else "")
        return f"the database lacks this release's migrations ({shown}): run `manage.py migrate` first"
    web = Identity.objects.filter(name=WEB).first()
    if web is None:
        return None
    seen = f"published by {web.published_by} at {web.published_at:%Y-%m-%d %H:%M:%S} UTC"
    theirs = _schema_of(web.signed)
    if theirs is None:
        return (
            f"SECRET_KEY differs from the web's: the web's identity ({seen}) does not verify "
            "under this cluster's SECRET_KEY or SECRET_KEY_FALLBACKS"
        )
    ours = schema_leaves(executor.loader.graph)
    if theirs != ours:
        apps = sorted(set(theirs) | set(ours))
        differ = [f"{app}: web {theirs.get(app, '-')}, cluster {ours.get(app, '-')}"
                  for app in apps if theirs.get(app) != ours.get(app)]
        return (
            f"schema version differs from the web's ({seen}): " + "; ".join(differ)
            + " — run the same release on both"
        )
    return None
