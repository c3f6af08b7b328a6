"""Bench-only Django app for bench/webhooks_bench.py (never installed outside the benchmark).

In the django-q2 cluster it (1) replaces the tile refresh with an instant "ok"
(the benchmark measures the pipeline's guarantees, not the tiles' vendor
reads) and (2) counts, independently of the `attempts` column, how each
processing job ended: `post_execute` INCRs `bench:webhooks:<result>` in Redis,
so two executions of one event would show as more `processed` than events.
"""

from __future__ import annotations

import os

from django.apps import AppConfig

PROCESS_TASK = "integrations.webhooks.tasks.webhook_event_process_task"
COUNTER = "bench:webhooks:{}"


def instant_refresh(keys=None, **_):
    return dict.fromkeys(keys or [], "ok")


def count_outcome(sender, task, **kwargs):
    if task.get("func") != PROCESS_TASK:
        return
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    client.incr(COUNTER.format(task.get("result") if task.get("success") else "error"))


class WebhooksBenchConfig(AppConfig):
    name = "bench.webhooks_bench_app"
    label = "webhooks_bench"

    def ready(self) -> None:
        from django_q.signals import post_execute

        from integrations.tiles import services
        from integrations.webhooks import refetch

        services.tiles_refresh = instant_refresh
        refetch.tiles_refresh = instant_refresh  # the name webhook processing calls
        post_execute.connect(count_outcome, weak=False, dispatch_uid="bench-webhooks")
