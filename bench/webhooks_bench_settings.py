"""Settings for bench/webhooks_bench.py: the base settings plus the bench-only counter app."""

from hotdash.settings.base import *  # noqa: F401,F403
from hotdash.settings.base import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.webhooks_bench_app.WebhooksBenchConfig"]
