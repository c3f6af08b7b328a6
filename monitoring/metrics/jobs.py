"""The job queue and the job clusters' heartbeat, as /metrics shows them.

Queue depth comes from django-q2's broker (`queue_size()`: the ORM broker's `OrmQ` rows
that no cluster has pulled, or the Redis list's length). The age of the oldest waiting task
is the ORM row's `lock` (the enqueue time until a cluster pulls it) or, on Redis, the
`started` time django-q2 stamps on the task when it is enqueued (the list's head).
The heartbeat is `hotdash.tasks.heartbeat_task`'s newest success per cluster name, which
is what /readyz reads.
"""

from __future__ import annotations

import pickle

from django.core.signing import BadSignature
from django.db.models import Count, Max, Min, Q
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ, Success
from django_q.signing import SignedPackage
from prometheus_client.core import GaugeMetricFamily

HEARTBEAT = "hotdash.tasks.heartbeat_task"


def job_families(now=None):
    now = now or timezone.now()
    broker = get_broker()
    waiting, inflight, oldest = (
        _orm_queue(broker, now)
        if isinstance(broker, ORM)
        else (
            broker.queue_size(),
            None,
            _redis_oldest(broker),
        )
    )
    depth = GaugeMetricFamily("hotdash_jobs_queued", "Tasks waiting in the queue for a cluster")
    depth.add_metric([], waiting)
    yield depth
    if inflight is not None:
        pulled = GaugeMetricFamily(
            "hotdash_jobs_pulled", "Tasks a cluster has pulled and not finished (ORM broker)"
        )
        pulled.add_metric([], inflight)
        yield pulled
    age = GaugeMetricFamily(
        "hotdash_jobs_oldest_queued_age_seconds",
        "How long the oldest waiting task has waited (0 when none waits)",
    )
    age.add_metric([], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    yield age
    yield _heartbeats(now)


def _orm_queue(broker, now):
    """(waiting, pulled, oldest enqueue time) in one query over django-q2's OrmQ rows."""
    row = OrmQ.objects.filter(key=broker.list_key).aggregate(
        waiting=Count("pk", filter=Q(lock__lte=now)),
        pulled=Count("pk", filter=Q(lock__gt=now)),
        oldest=Min("lock", filter=Q(lock__lte=now)),
    )
    return row["waiting"], row["pulled"], row["oldest"]


def _redis_oldest(broker):
    """When the task at the head of the Redis list was enqueued, or None."""
    head = broker.connection.lindex(broker.list_key, 0)
    if head is None:
        return None
    try:
        return SignedPackage.loads(head).get("started")
    except (BadSignature, pickle.UnpicklingError, AttributeError, TypeError, ValueError):
        return None  # not one of ours: no age rather than a wrong one


def _heartbeats(now):
    family = GaugeMetricFamily(
        "hotdash_jobs_heartbeat_age_seconds",
        "Seconds since the job cluster last ran its one-minute heartbeat, per cluster name",
        labels=["cluster"],
    )
    rows = (
        Success.objects.filter(func=HEARTBEAT)
        .order_by()
        .values_list("cluster")
        .annotate(last=Max("stopped"))
    )
    for cluster, last in sorted(rows, key=lambda row: row[0] or ""):
        family.add_metric([cluster or "unnamed"], max(0.0, (now - last).total_seconds()))
    return family
