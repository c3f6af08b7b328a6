"""Probe engine benchmark (issue 3): N integrations probed every `interval` seconds against
the vendor sandbox with injected latency, sustained, every result stored.

    python bench/probe_bench.py                       # 10,000 integrations, 60 s, 5 minutes
    python bench/probe_bench.py --small               # CI: 200 integrations, 10 s, 25 s

Prints probes/s, the lag between due time and probe start (p50/p95/p99), CPU seconds per
1,000 probes in the job process, and its RSS over time (peak and first/last sample, to show
whether memory stays flat). The job process runs `run_due_probes_task` back to back, as the
one-minute schedule would start it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PREFIX = "bench-"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--integrations", type=int, default=10_000)
    parser.add_argument("--interval", type=int, default=60)
    parser.add_argument("--seconds", type=int, default=300, help="how long to sustain")
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.small:
        options.integrations, options.interval, options.seconds = 200, 10, 25
    return options


def load(count: int, interval: int) -> None:
    """Replace the benchmark's integrations; spread their first probes over one interval."""
    from django.utils import timezone

    from integrations.models import Integration, IntegrationState
    from monitoring.models import CheckResult

    CheckResult.objects.filter(integration__slug__startswith=PREFIX).delete()
    Integration.objects.filter(slug__startswith=PREFIX).delete()
    rows = [
        Integration(
            slug=f"{PREFIX}{n:05d}",
            name=f"Bench {n}",
            kind="http",
            base_url="https://example.invalid",
            sandbox_path="llamaindex",
            config={"path": "health", "max_attempts": 1},
            probe_interval_seconds=interval,
            probe_timeout_seconds=5,
        )
        for n in range(count)
    ]
    Integration.objects.bulk_create(rows, batch_size=2000)
    start = timezone.now() + timedelta(seconds=3)
    created = Integration.objects.filter(slug__startswith=PREFIX).order_by("slug")
    states = [
        IntegrationState(
            integration_id=pk, next_probe_at=start + timedelta(seconds=interval * i / count)
        )
        for i, pk in enumerate(created.values_list("pk", flat=True))
    ]
    IntegrationState.objects.bulk_create(states, batch_size=2000)


def worker(seconds: int) -> None:
    """The job process: run the probe loop task back to back; report CPU and RSS."""
    from monitoring.tasks import run_due_probes_task

    samples, stop = [], threading.Event()

    def sample():
        while not stop.wait(5):
            samples.append(round(common.rss_mb(), 1))

    threading.Thread(target=sample, daemon=True).start()
    deadline = time.monotonic() + seconds
    totals = {"claimed": 0, "failed": 0}
    while (left := deadline - time.monotonic()) > 1:
        result = run_due_probes_task(duration=min(55, left))
        for key in totals:
            totals[key] += result.get(key, 0)
    stop.set()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                **totals,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": common.peak_rss_mb(),
                "rss_samples_mb": samples,
            }
        )
    )


def measure(since) -> dict:
    from django.db.models import Max, Min

    from monitoring.models import CheckResult

    checks = CheckResult.objects.filter(integration__slug__startswith=PREFIX, checked_at__gte=since)
    lags = sorted(checks.values_list("lag_ms", flat=True))
    span = checks.aggregate(first=Min("checked_at"), last=Max("checked_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if lags else 0
    return {
        "stored": len(lags),
        "span_s": seconds,
        "failed": checks.filter(status="fail").count(),
        "lag_ms": {f"p{q}": common.percentile(lags, q / 100) for q in (50, 95, 99)},
    }


def main() -> None:
    options = parse()
    database = common.choose_database("hotdash_bench")
    port = common.free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    if options.worker:
        common.setup_django(database, sandbox_url=os.environ["SANDBOX_URL"])
        worker(options.seconds)
        return
    common.ensure_postgres_database(database)
    common.setup_django(database, sandbox_url)
    common.migrate()
    sandbox = common.start_sandbox(port)
    try:
        common.sandbox_faults(sandbox_url, "llamaindex", latency_ms=options.latency_ms)
        load(options.integrations, options.interval)
        from django.utils import timezone

        began = timezone.now()
        env = {**os.environ, "PROBE_CONCURRENCY": str(options.concurrency)}
        run = subprocess.run(
            [sys.executable, __file__, "--worker", "--seconds", str(options.seconds)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        job = json.loads(run.stdout.strip().splitlines()[-1])
        report(options, database, job, measure(began))
    finally:
        sandbox.terminate()
        sandbox.wait(10)


def report(options, database: str, job: dict, seen: dict) -> None:
    rate = seen["stored"] / max(seen["span_s"], 1)  # from the first probe to the last
    target = options.integrations / options.interval
    lag = seen["lag_ms"]
    samples = job["rss_samples_mb"]
    print(f"database            {database.split('@')[-1]}")
    print(
        f"integrations        {options.integrations} every {options.interval} s "
        f"(target {target:.1f} probes/s), {options.latency_ms} ms injected latency"
    )
    print(f"sustained           {options.seconds} s, concurrency {options.concurrency}")
    print(f"probes stored       {seen['stored']} ({seen['failed']} failed)")
    print(f"probes/s            {rate:.1f} ({rate / target:.2f}x the target rate)")
    print(
        "lag due→start ms    "
        + "  ".join(f"{k} {v:.0f}" if v is not None else f"{k} -" for k, v in lag.items())
    )
    per_k = job["cpu_s"] / max(seen["stored"], 1) * 1000
    print(f"CPU s / 1000 probes {per_k:.2f} (job process)")
    print(f"peak RSS MB         {job['peak_rss_mb']:.0f} (job process)")
    if samples:
        print(f"RSS MB over time    first {samples[0]}  last {samples[-1]}  max {max(samples)}")


if __name__ == "__main__":
    main()
