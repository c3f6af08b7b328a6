"""Time to page (issue 12): from a fault at a vendor to the Slack page, and from the fault
clearing to the "resolved" page, measured end to end.

    python bench/detect_bench.py                 # services probed every 60 s, 5 rounds
    python bench/detect_bench.py --small         # CI: every 10 s, 1 round (3-4 minutes)

Runs the vendor sandbox and a real job cluster (`manage.py qcluster`) on a fresh database
(SQLite, or DATABASE_URL), seeded (`manage.py seed`: the catalogue, the schedules and the
`ops-slack` channel, which posts to the sandbox's Slack incoming webhook). Pages are read
where they land: the Slack messages the sandbox received (`/_control/slack/messages`).

Each round injects, at the same time, one fault kind per MCP server (seven servers of one
kind, each its own fault key, so the trials are independent and run side by side):
outage (503), reset (connection reset), 5xx (every answer a 500), timeouts (the server
hangs past the probe timeout), throttling (429 + Retry-After), and a blip (a 503 shorter
than one retry interval) on the last two. Each starts at a random phase of its
integration's probe schedule; once paged the fault is cleared and the resolve page awaited.
Each fault is kept `--hold` s (plus a random part of one retry interval) after its page, past
the recovery playbook's re-probes, then cleared. A dashboard-like caller makes one non-probe call to each faulted server every
`--traffic-every` seconds (what passive detection listens to).

Both behaviours are measured in one run, each with its own cluster and database:
  new       probe_retry_seconds = --retry, passive detection on, probe-loop handoff on;
  baseline  probe_retry_seconds = the interval, PROBE_PASSIVE_DETECTION=false,
            PROBE_LOOP_HANDOFF=false (fixed 55 s loop runs): the old behaviour.
Prints time to page and to the resolve page (min/median/p95 per kind and overall),
pages caused by blips, the windows with no probe loop running, the load average and the
job cluster's CPU seconds per probe.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

ROOT = common.ROOT
SERVERS = ["shopify-dev", "context7", "github", "supabase", "fly", "google-analytics"]
SERVERS.append("llamaindex-rag")
FAULTS = {  # kind -> sandbox fault settings
    "outage": {"outage": True, "outage_mode": "503"},
    "reset": {"outage": True, "outage_mode": "reset"},
    "5xx": {"error_rate": 1.0},
    "timeouts": {"outage": True, "outage_mode": "hang", "hang_ms": 60_000},
    "throttling": {"throttle": True},
}
BLIPS = 2  # servers given a blip each round (the last ones)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interval", type=int, default=60, help="probe interval, seconds")
    parser.add_argument("--retry", type=int, default=5, help="probe_retry_seconds (new)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--traffic-every", type=float, default=2.0, help="0: no traffic")
    parser.add_argument("--hold", type=float, default=30.0, help="fault kept after the page, s")
    parser.add_argument("--only", choices=["new", "baseline"], help="measure one behaviour")
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    parser.add_argument("--phase", choices=["new", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-url", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.small:
        options.interval, options.retry, options.rounds, options.hold = 10, 5, 1, 10.0
    return options


# -- the sandbox ---------------------------------------------------------------------------


def control(url: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    """One call of the sandbox's control API, through its one client."""
    from sandbox.client import SandboxClient

    return SandboxClient(url).call(method, path, body)


def slack_pages(url: str) -> list[tuple[float, str]]:
    """(received at, unix seconds; text) of every Slack message the sandbox accepted."""
    messages = control(url, "slack/messages")["messages"]
    return [
        (datetime.fromisoformat(m["received_at"]).timestamp(), m["payload"].get("text", ""))
        for m in messages
    ]


# -- one behaviour: database, seed, cluster ---------------------------------------------------


def database_for(phase: str) -> str:
    """DATABASE_URL if set (used as it is), else a fresh SQLite file per behaviour."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    path = ROOT / "var" / f"hotdash_detect_{phase}.sqlite3"
    path.parent.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def phase_env(phase: str, database: str, sandbox_url: str) -> dict:
    old = phase == "baseline"
    return {
        **os.environ,
        "DATABASE_URL": database,
        "SANDBOX_URL": sandbox_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only"),
        "PROBE_PASSIVE_DETECTION": "false" if old else "true",
        "PROBE_LOOP_HANDOFF": "false" if old else "true",
        "Q_WORKERS": os.environ.get("Q_WORKERS", "4"),  # the probe loop holds one
    }


def configure(phase: str, options) -> None:
    """Every integration probed every `interval` s; the retry interval per behaviour."""
    from django.conf import settings

    from integrations.models import Integration

    retry = options.retry if phase == "new" else options.interval
    Integration.objects.update(probe_interval_seconds=options.interval, probe_retry_seconds=retry)
    settings.PROBE_PASSIVE_DETECTION = phase == "new"  # the traffic's calls run here


def start_cluster(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def tree_cpu_seconds(pid: int) -> float:
    """utime + stime of `pid` and every live descendant (the cluster's worker processes)."""
    parents, cpu = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(cpu.get(p, 0.0) for p in family)


def wait_probed(timeout: float) -> None:
    """Until every enabled integration has been probed once (the loop is up)."""
    from integrations.models import IntegrationState

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (
            not IntegrationState.objects.filter(
                integration__enabled=True, last_probe_at__isnull=True
            ).exists()
            and IntegrationState.objects.exists()
        ):
            return
        time.sleep(1)
    raise SystemExit("the job cluster never probed every integration")


# -- the traffic: a dashboard's non-probe calls -----------------------------------------------


class Traffic:
    """A dashboard's non-probe calls: while a server is faulted, one MCP call (connect,
    tools/list) every `every` s, from a thread of its own (a hung server delays no other)."""

    def __init__(self, every: float) -> None:
        self.every, self.calls = every, 0

    def start(self, slug: str) -> threading.Event:
        stop = threading.Event()
        if self.every:
            threading.Thread(target=_in_thread, args=(self._run, slug, stop), daemon=True).start()
        return stop

    def _run(self, slug: str, stop: threading.Event) -> None:
        from integrations.clients.mcp import McpClient
        from integrations.http import GatewayError
        from integrations.models import Integration

        integration = Integration.objects.get(slug=slug)
        while not stop.wait(self.every):
            client = McpClient(integration)
            try:
                client.connect()
                client.list_tools()
            except GatewayError:
                pass
            finally:
                client.close()
            self.calls += 1


# -- one trial -------------------------------------------------------------------------------


def trial(url, server: str, kind: str, options, retry: int, traffic: Traffic, out: list) -> None:
    """Fault one server at a random phase; record (kind, to page, to resolve page)."""
    from integrations.models import Integration

    name = Integration.objects.get(slug=f"mcp-{server}").name
    rng = random.Random()
    time.sleep(rng.uniform(0, options.interval))
    key, blip = f"mcp/{server}", kind == "blip"
    settings_ = FAULTS["outage"] if blip else FAULTS[kind]
    calls = traffic.start(f"mcp-{server}") if not blip else threading.Event()
    began = time.time()
    control(url, f"faults/{key}", "PATCH", settings_)
    if blip:
        time.sleep(options.retry * 0.6)
        control(url, f"faults/{key}", "DELETE")
        time.sleep(2 * retry + 30)  # a (false) page would have come by now
        pages = [at for at, text in slack_pages(url) if name in text and at >= began]
        out.append(("blip", len(pages), None))
        return
    limit = options.interval * 6 + 120
    paged = wait_for(url, name, began, resolved=False, timeout=limit)
    # Hold the fault past the recovery playbook's re-probes, to a random phase of the
    # retry schedule: the resolve is then found by the schedule, not by the playbook.
    time.sleep(options.hold + rng.uniform(0, retry))
    control(url, f"faults/{key}", "DELETE")
    calls.set()
    cleared = time.time()
    resolved = wait_for(url, name, cleared, resolved=True, timeout=limit)
    out.append(
        (
            kind,
            None if paged is None else paged - began,
            None if resolved is None else resolved - cleared,
        )
    )


def wait_for(url: str, name: str, since: float, *, resolved: bool, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for at, text in slack_pages(url):
            if at >= since and name in text and text.endswith(": resolved") == resolved:
                return at
        time.sleep(0.25)
    return None


# -- one behaviour, end to end ----------------------------------------------------------------


def measure(phase: str, options, sandbox_url: str) -> dict:
    """In the phase's own process (its settings come from the environment)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed", stdout=open(os.devnull, "w"))
    configure(phase, options)
    control(sandbox_url, "reset", "POST", {})
    control(sandbox_url, "faults/slack", "PATCH", {"rate_per_s": 100.0, "burst": 100})
    control(sandbox_url, "slack/messages", "DELETE")
    load_before = os.getloadavg()
    cluster = start_cluster(dict(os.environ))
    traffic = Traffic(options.traffic_every)
    retry = options.retry if phase == "new" else options.interval
    try:
        wait_probed(options.interval * 2 + 60)
        from monitoring.models import CheckResult

        cpu0, probes0 = tree_cpu_seconds(cluster.pid), CheckResult.objects.count()
        began = time.time()
        results: list = []
        for _ in range(options.rounds):
            kinds = [*FAULTS, *["blip"] * BLIPS][: len(SERVERS)]
            threads = [
                threading.Thread(
                    target=_in_thread,
                    args=(trial, sandbox_url, s, k, options, retry, traffic, results),
                )
                for s, k in zip(SERVERS, kinds, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        cpu = tree_cpu_seconds(cluster.pid) - cpu0
        probes = CheckResult.objects.count() - probes0
        gaps = loop_gaps(began)
        lags = sorted(
            CheckResult.objects.filter(checked_at__gte=_aware(began)).values_list(
                "lag_ms", flat=True
            )
        )
    finally:
        stop(cluster)
    return {
        "phase": phase,
        "database": os.environ["DATABASE_URL"].split("@")[-1],
        "results": results,
        "cpu_s": cpu,
        "probes": probes,
        "traffic_calls": traffic.calls,
        "load": (load_before, os.getloadavg()),
        "gaps": gaps,
        "lag_ms": [common.percentile(lags, 0.5), common.percentile(lags, 0.95), lags[-1]],
    }


def _in_thread(function, *args) -> None:
    from django.db import connections

    try:
        function(*args)
    finally:
        connections.close_all()


def _aware(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def loop_gaps(began: float) -> dict:
    """Seconds with no probe-loop run running, from django-q's records of the runs that
    finished (start and stop of each), between `began` and the last stop; and the longest
    such window. A run still going is not recorded yet, hence the end at the last stop."""
    from django_q.models import Task

    runs = sorted(
        (t.started.timestamp(), t.stopped.timestamp())
        for t in Task.objects.filter(func="monitoring.tasks.run_due_probes_task")
        if t.stopped and not (isinstance(t.result, dict) and "skipped" in t.result)
    )
    ended = max((end for _, end in runs), default=began)
    covered_to, idle, longest = began, 0.0, 0.0
    for start, end in runs:
        if start > covered_to:
            window = min(start, ended) - covered_to
            idle, longest = idle + max(window, 0.0), max(longest, window)
        covered_to = max(covered_to, end)
    return {"idle_s": idle, "longest_s": longest, "span_s": ended - began, "runs": len(runs)}


# -- report -----------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = common.percentile(ordered, 0.95)
    return (
        f"min {ordered[0]:5.1f}  median {statistics.median(ordered):5.1f}  p95 {p95:5.1f}  "
        f"max {ordered[-1]:5.1f}  (n={len(ordered)})"
    )


def report(run: dict, options) -> dict:
    """Print one behaviour's figures; return its hard-outage medians and p95s."""
    results, phase = run["results"], run["phase"]
    retry = options.retry if phase == "new" else options.interval
    print(f"\n== {phase}: probe every {options.interval} s, retry {retry} s ==")
    print(f"database            {run['database']}")
    for kind in FAULTS:
        rows = [r for r in results if r[0] == kind]
        pages = [r[1] for r in rows if r[1] is not None]
        resolves = [r[2] for r in rows if r[2] is not None]
        missed = sum(r[1] is None for r in rows), sum(r[2] is None for r in rows)
        print(
            f"{kind:10} to page     {spread(pages)}"
            + (f"  missed {missed[0]}" if missed[0] else "")
        )
        print(
            f"{'':10} to resolve  {spread(resolves)}"
            + (f"  missed {missed[1]}" if missed[1] else "")
        )
    hard = [r for r in results if r[0] in ("outage", "reset", "5xx")]
    print(f"hard (503/reset/5xx) to page     {spread([r[1] for r in hard if r[1] is not None])}")
    print(f"hard (503/reset/5xx) to resolve  {spread([r[2] for r in hard if r[2] is not None])}")
    blips = [r[1] for r in results if r[0] == "blip"]
    print(f"blips               {len(blips)} injected, {sum(b > 0 for b in blips)} paged")
    gaps = run["gaps"]
    print(
        f"probe loop idle     {gaps['idle_s']:.1f} s of {gaps['span_s']:.0f} s, longest window "
        f"{gaps['longest_s']:.1f} s ({gaps['runs']} runs)"
    )
    per = run["cpu_s"] / max(run["probes"], 1)
    print(
        f"job cluster CPU     {run['cpu_s']:.1f} s for {run['probes']} probes "
        f"({per * 1000:.1f} ms per probe, all its jobs included)"
    )
    before, after = run["load"]
    print(f"load average        {before[0]:.2f} before, {after[0]:.2f} after (1 min)")
    print(
        f"non-probe calls     {run['traffic_calls']} (one per faulted server every "
        f"{options.traffic_every} s)"
    )
    pages = sorted(r[1] for r in hard if r[1] is not None)
    resolves = sorted(r[2] for r in hard if r[2] is not None)
    return {
        "page": (statistics.median(pages), common.percentile(pages, 0.95)) if pages else None,
        "resolve": (statistics.median(resolves), common.percentile(resolves, 0.95))
        if resolves
        else None,
    }


def compare(figures: dict) -> None:
    """The new behaviour against the baseline, measured in this run."""
    new, old = figures.get("new"), figures.get("baseline")
    if not new or not old:
        return
    print("\n== new vs baseline, hard outages (503/reset/5xx) ==")
    for what in ("page", "resolve"):
        if new[what] and old[what]:
            (nm, np95), (om, op95) = new[what], old[what]
            print(
                f"to {what:8} median {nm:5.1f} s vs {om:5.1f} s ({om / max(nm, 0.1):.1f}x); "
                f"p95 {np95:5.1f} s vs {op95:5.1f} s ({op95 / max(np95, 0.1):.1f}x)"
            )


def main() -> None:
    options = parse()
    if options.phase:  # one behaviour, in its own process: print its figures as JSON
        common.setup_django(os.environ["DATABASE_URL"], options.sandbox_url)
        print(json.dumps(measure(options.phase, options, options.sandbox_url)))
        return
    port = common.free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    sandbox = common.start_sandbox(port)
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}", flush=True)
    figures = {}
    try:
        for phase in [options.only] if options.only else ["new", "baseline"]:
            started = time.monotonic()
            database = database_for(phase)
            common.ensure_postgres_database(database)
            argv = [sys.executable, __file__, *sys.argv[1:], "--phase", phase]
            run = subprocess.run(
                [*argv, "--sandbox-url", sandbox_url],
                env=phase_env(phase, database, sandbox_url),
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            if run.returncode:
                print(run.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"the {phase} run failed")
            figures[phase] = report(json.loads(run.stdout.strip().splitlines()[-1]), options)
            print(f"phase took {time.monotonic() - started:.0f} s", flush=True)
        compare(figures)
    finally:
        sandbox.terminate()
        sandbox.wait(10)


if __name__ == "__main__":
    main()
