"""HTTP requests answered, counted in the process that answered them.

`HttpMetricsMiddleware` counts every answer by route template (the URL pattern that matched,
never the raw path: `<unmatched>` when none did), method (a fixed set, else `OTHER`) and
status code, and times it. The counts live in the process, so under gunicorn each worker
has its own: with `PROMETHEUS_MULTIPROC_DIR` set (before the workers start), prometheus_client
keeps them in one file per process in that directory and `http_families()` sums every
worker's, the dead ones' included, so the counters do not fall when a worker is recycled
(docs/metrics.md, "Several processes"). Without it (runserver, tests) they are the one
process's own.
"""

from __future__ import annotations

import os
import re
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# No `_created` series: multiprocess mode cannot give them, so the exposition is the same
# with and without it.
disable_created_metrics()
_registry = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "hotdash_http_requests",
    "HTTP requests answered, by route template, method and status code",
    ["route", "method", "status"],
    registry=_registry,
)
DURATION = Histogram(
    "hotdash_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method",
    ["route", "method"],
    buckets=BUCKETS,
    registry=_registry,
)


def route_of(request) -> str:
    """The URL pattern that matched, or `<unmatched>`. A router's regular expression reads as
    a path pattern: `api/v1/integrations/(?P<slug>[^/.]+)/$` is `api/v1/integrations/<slug>/`."""
    match = getattr(request, "resolver_match", None)
    if match is None or not (match.route or match.view_name):
        return UNMATCHED
    return _GROUP.sub(r"<\1>", match.route or match.view_name).replace("^", "").replace("$", "")


def method_of(request) -> str:
    method = (request.method or "").upper()
    return method if method in METHODS else "OTHER"


class HttpMetricsMiddleware:
    """Counts and times every answer (after the URL is resolved, so the route is known)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        route, method = route_of(request), method_of(request)
        REQUESTS.labels(route, method, str(response.status_code)).inc()
        DURATION.labels(route, method).observe(time.perf_counter() - started)
        return response


def http_families():
    """The request families: every process's, summed, in multiprocess mode; else this one's."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        return MultiProcessCollector(None, path=path).collect()
    return _registry.collect()
