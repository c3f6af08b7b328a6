"""`manage.py qcluster`: django-q2's job cluster, which first refuses to run beside a web
whose SECRET_KEY or schema version differs from its own (hotdash/identity.py), and whose
probe loop stops at once when the cluster is told to stop. The `hotdash` app comes before
`django_q` in INSTALLED_APPS so that this command is the one."""

from __future__ import annotations

import multiprocessing
import os

from django.core.management.base import CommandError
from django_q.cluster import Cluster
from django_q.management.commands.qcluster import Command as ClusterCommand

from hotdash.identity import cluster_refusal
from monitoring import runner


class StoppingCluster(Cluster):
    """django-q2's cluster, which on SIGTERM or SIGINT also tells its workers' probe loop
    (`monitoring.runner.stopping`): the loop hands its slot to the standby at its next tick
    instead of probing to the end of its run while the cluster waits for it."""

    def sig_handler(self, signum, frame):
        runner.cluster_stopping.set()
        super().sig_handler(signum, frame)


class Command(ClusterCommand):
    help = (
        "Starts the job cluster, unless its SECRET_KEY or schema version differs from the "
        "web's or the database lacks its migrations (it exits 1 naming the mismatch)."
    )

    def handle(self, *args, **options):
        refusal = cluster_refusal()
        if refusal:
            raise CommandError(f"this job cluster will not run: {refusal}")
        # As django-q2's command, with the cluster above; the event is created before the
        # sentinel and its workers are forked, so they share it.
        runner.cluster_stopping = multiprocessing.get_context("fork").Event()
        if options.get("cluster_name"):
            os.environ["Q_CLUSTER_NAME"] = options["cluster_name"]
        cluster = StoppingCluster()
        cluster.start()
        if options.get("run_once"):
            cluster.stop()
