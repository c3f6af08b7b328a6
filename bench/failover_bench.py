"""Failover of the probe loop (issue 15 item 5): kill the job cluster holding the loop, at
random moments, and measure how long probing stops.

    python bench/failover_bench.py                 # 2 clusters, 10 kills new, 4 kills old
    python bench/failover_bench.py --small         # CI: the new behaviour, 2 kills (~2 min)

Needs PostgreSQL and Redis (several clusters: SKIP LOCKED claims, the Redis broker):
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/hd_failover_bench_<pid>, created
and dropped) and REDIS_URL (default redis://127.0.0.1:6379/8). Starts the vendor sandbox
and `--clusters` real job clusters (`manage.py qcluster`, Q_WORKERS=2, settings
bench/failover_settings.py) on the seeded catalogue, every integration probed every
`--interval` s. Then, `--kills` times: wait a random 15-45 s, SIGKILL the whole process
group of the cluster holding `probe-loop-0`, restart it 5 s later (as systemd would).

Figures, per behaviour (new: 10 s lease and a standby in another cluster; old: a 60 s lease,
a successor that waits 10 s):
  gap       the time between the last probe started before the kill and the first one
            started after it, over all integrations (`CheckResult.checked_at`);
  takeover  from the kill to the slot's lease held by a surviving cluster;
  twice     probes done twice in one slot: two results of one integration due at the same
            time (`checked_at` less `lag_ms`, the due time the claim saw);
and the clusters' CPU per probe (all their jobs) and the load average.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402
from bench.detect_bench import tree_cpu_seconds, wait_probed  # noqa: E402

ROOT = common.ROOT
SLOT = "probe-loop-0"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clusters", type=int, default=2)
    parser.add_argument("--kills", type=int, default=10, help="kills of the new behaviour")
    parser.add_argument("--old-kills", type=int, default=4, help="kills of the old behaviour")
    parser.add_argument("--interval", type=int, default=10, help="probe interval, s (10 at least)")
    parser.add_argument("--only", choices=["new", "old"])
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    options = parser.parse_args()
    if options.small:
        options.kills, options.only = 2, options.only or "new"
    return options


class Cluster:
    """One `manage.py qcluster` in its own process group (killed whole, as a machine dies)."""

    def __init__(self, env: dict) -> None:
        self.env, self.cpu_s = env, 0.0
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(ROOT / "var" / "failover_bench_clusters.log", "a"),
            start_new_session=True,
        )

    def pids(self) -> set[int]:
        return {int(p) for p in os.listdir("/proc") if p.isdigit() and _pgid(int(p)) == self.pgid}

    @property
    def pgid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.cpu_s += tree_cpu_seconds(self.process.pid)
        os.killpg(self.pgid, signal.SIGKILL)
        self.process.wait(10)

    def restart(self) -> None:
        self.process = self._start()

    def stop(self) -> None:
        self.cpu_s += tree_cpu_seconds(self.process.pid)
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def holder_pids() -> set[int]:
    """The pids named by the slot's holder: "host:ppid:pid:uuid" (new), "host:pid:uuid" (old)."""
    from monitoring.leases import lease_holder

    holder = lease_holder(SLOT) or ""
    return {int(part) for part in holder.split(":")[1:-1] if part.isdigit()}


def holding_cluster(clusters: list[Cluster]) -> Cluster | None:
    named = holder_pids()
    return next((c for c in clusters if named & c.pids()), None) if named else None


def reset_state(options) -> None:
    """Fresh history and leases; every integration probed every `interval` s, their phases
    spread over the interval (a probe every interval / n s: the gap's resolution)."""
    from django.core.management import call_command
    from django.utils import timezone

    from integrations.models import Integration, IntegrationState
    from monitoring.models import CheckResult, Lease

    call_command("seed", stdout=open(os.devnull, "w"))
    CheckResult.objects.all().delete()
    Lease.objects.all().delete()
    Integration.objects.update(probe_interval_seconds=options.interval)
    states = list(IntegrationState.objects.filter(integration__enabled=True))
    start = timezone.now()
    for index, state in enumerate(states):
        state.next_probe_at = start + timedelta(seconds=index * options.interval / len(states))
        state.claimed_until = None
    IntegrationState.objects.bulk_update(states, ["next_probe_at", "claimed_until"])


def kill_once(clusters: list[Cluster], rng: random.Random) -> dict | None:
    """Kill the holder's cluster at a random moment; its gap, takeover and kill time."""
    from monitoring.models import CheckResult

    time.sleep(rng.uniform(15, 45))
    victim = holding_cluster(clusters)
    if victim is None:
        return None  # no loop at this moment (old behaviour between runs): try again later
    dead = holder_pids()
    standby = _standby_cluster(clusters, victim)
    killed_at = time.time()
    victim.kill()
    survivors = [c for c in clusters if c is not victim]
    takeover = None
    deadline = time.monotonic() + 300
    restarted = False
    while time.monotonic() < deadline:
        now = time.time()
        if not restarted and now - killed_at >= 5:
            victim.restart()
            restarted = True
        if takeover is None and not (holder_pids() & dead):
            if holding_cluster([*survivors, victim]) is not None:
                takeover = now - killed_at
        first = CheckResult.objects.filter(checked_at__gt=_aware(killed_at)).order_by("checked_at")
        after = first.values_list("checked_at", flat=True).first()
        if after is not None and takeover is not None:
            before = (
                CheckResult.objects.filter(checked_at__lte=_aware(killed_at))
                .order_by("-checked_at")
                .values_list("checked_at", flat=True)
                .first()
            )
            return {
                "gap": (after - before).total_seconds() if before else None,
                "to_first": after.timestamp() - killed_at,
                "takeover": takeover,
                "standby": standby,
            }
        time.sleep(0.2)
    if not restarted:
        victim.restart()
    return {"gap": None, "to_first": None, "takeover": takeover, "standby": standby}


def _standby_cluster(clusters: list[Cluster], victim: Cluster) -> bool:
    """Whether a run stood by in another cluster than the victim at the kill."""
    from monitoring.leases import lease_holder

    holder = lease_holder(f"{SLOT}-next") or ""
    named = {int(part) for part in holder.split(":")[1:-1] if part.isdigit()}
    return any(named & c.pids() for c in clusters if c is not victim)


def probed_twice(since: float) -> int:
    """Pairs of results of one integration for the same slot: due times (`checked_at` less
    `lag_ms`) within half a second of each other."""
    from monitoring.models import CheckResult

    rows = CheckResult.objects.filter(checked_at__gte=_aware(since)).order_by(
        "integration_id", "checked_at"
    )
    twice, previous = 0, None
    for row in rows.values("integration_id", "checked_at", "lag_ms"):
        due = row["checked_at"].timestamp() - (row["lag_ms"] or 0) / 1000
        if previous and previous[0] == row["integration_id"] and abs(due - previous[1]) < 0.5:
            twice += 1
        previous = (row["integration_id"], due)
    return twice


def measure(behaviour: str, kills: int, options, base_env: dict) -> dict:
    from monitoring.models import CheckResult

    reset_state(options)
    from django_q.brokers import get_broker
    from django_q.models import Schedule

    queue = f"hotdash-failover-{os.getpid()}-{behaviour}"  # bench/failover_settings.py
    get_broker(queue).purge_queue()
    Schedule.objects.update(cluster=queue)  # a named cluster runs only its own schedules
    env = {**base_env, "FAILOVER_BEHAVIOUR": behaviour, "FAILOVER_QUEUE": queue}
    load_before = os.getloadavg()
    clusters = [Cluster(env) for _ in range(options.clusters)]
    rng = random.Random()
    rounds: list[dict] = []
    try:
        wait_probed(120)
        began, probes0 = time.time(), CheckResult.objects.count()
        cpu0 = sum(tree_cpu_seconds(c.process.pid) for c in clusters)
        attempts = 0
        while len(rounds) < kills and attempts < kills * 3:
            attempts += 1
            found = kill_once(clusters, rng)
            if found:
                rounds.append(found)
                print(f"  {behaviour} kill {len(rounds)}: {_row(found)}", flush=True)
        time.sleep(5)
        for cluster in clusters:
            cluster.stop()
        cpu_s = sum(c.cpu_s for c in clusters) - cpu0
        span = time.time() - began
    finally:
        for cluster in clusters:
            if cluster.process.poll() is None:
                cluster.stop()
    probes = CheckResult.objects.count() - probes0
    return {
        "behaviour": behaviour,
        "rounds": rounds,
        "twice": probed_twice(began),
        "probes": probes,
        "span_s": span,
        "cpu_s": cpu_s,
        "load": (load_before, os.getloadavg()),
    }


def _row(found: dict) -> str:
    figures = "  ".join(
        f"{key} {'-' if found[key] is None else f'{found[key]:.1f} s'}"
        for key in ("gap", "to_first", "takeover")
    )
    return f"{figures}  standby elsewhere: {'yes' if found['standby'] else 'no'}"


def _aware(unix: float):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(unix, tz=UTC)


def spread(values: list) -> str:
    values = sorted(v for v in values if v is not None)
    if not values:
        return "-"
    return (
        f"min {values[0]:5.1f}  median {statistics.median(values):5.1f}  "
        f"p95 {common.percentile(values, 0.95):5.1f}  max {values[-1]:5.1f}  (n={len(values)})"
    )


def report(run: dict, options) -> None:
    rounds = run["rounds"]
    print(
        f"\n== {run['behaviour']}: {options.clusters} clusters, probes every {options.interval} s"
    )
    print(f"gap in probing      {spread([r['gap'] for r in rounds])}")
    print(f"kill -> next probe  {spread([r['to_first'] for r in rounds])}")
    print(f"kill -> takeover    {spread([r['takeover'] for r in rounds])}")
    with_standby = sum(bool(r["standby"]) for r in rounds)
    print(f"standby elsewhere   at {with_standby} of {len(rounds)} kills")
    missed = sum(r["gap"] is None for r in rounds)
    print(f"no probe in 300 s   {missed}")
    print(f"probed twice        {run['twice']} (in {run['probes']} probes)")
    per = run["cpu_s"] / max(run["probes"], 1) * 1000
    per_min = run["cpu_s"] / max(run["span_s"], 1) * 60
    print(
        f"cluster CPU         {run['cpu_s']:.1f} s over {run['span_s']:.0f} s: {per:.1f} ms per "
        f"probe, {per_min:.1f} s per minute (all their jobs)"
    )
    before, after = run["load"]
    print(f"load average        {before[0]:.2f} before, {after[0]:.2f} after (1 min)")


def main() -> None:
    options = parse()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the clusters on the way out
    database = os.environ.get(
        "DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/hd_failover_bench_{os.getpid()}"
    )
    if not database.startswith("postgres"):
        raise SystemExit("needs PostgreSQL: several clusters claim with SKIP LOCKED")
    redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
    own_database = "DATABASE_URL" not in os.environ
    common.ensure_postgres_database(database, fresh=own_database)
    port = common.free_port()
    sandbox_url = f"http://127.0.0.1:{port}"
    sandbox = common.start_sandbox(port)
    os.environ["REDIS_URL"] = redis
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.failover_settings"
    common.setup_django(database, sandbox_url)
    common.migrate()
    base_env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "Q_WORKERS": "2",
    }
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}", flush=True)
    try:
        plan = [("new", options.kills), ("old", options.old_kills)]
        for behaviour, kills in plan:
            if options.only in (None, behaviour) and kills:
                started = time.monotonic()
                report(measure(behaviour, kills, options, base_env), options)
                print(f"took {time.monotonic() - started:.0f} s", flush=True)
    finally:
        sandbox.terminate()
        sandbox.wait(10)
        if own_database:
            from django.db import connections

            connections.close_all()
            _drop(database)


def _drop(database: str) -> None:
    import psycopg

    name = database.rsplit("/", 1)[1]
    with psycopg.connect(common.PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
