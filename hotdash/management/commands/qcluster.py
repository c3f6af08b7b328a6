"""`manage.py qcluster`: django-q2's job cluster, which first refuses to run beside a web
whose SECRET_KEY or schema version differs from its own (hotdash/identity.py). The
`hotdash` app comes before `django_q` in INSTALLED_APPS so that this command is the one."""

from __future__ import annotations

from django.core.management.base import CommandError
from django_q.management.commands.qcluster import Command as ClusterCommand

from hotdash.identity import cluster_refusal


class Command(ClusterCommand):
    help = (
        "Starts the job cluster, unless its SECRET_KEY or schema version differs from the "
        "web's or the database lacks its migrations (it exits 1 naming the mismatch)."
    )

    def handle(self, *args, **options):
        refusal = cluster_refusal()
        if refusal:
            raise CommandError(f"this job cluster will not run: {refusal}")
        super().handle(*args, **options)
