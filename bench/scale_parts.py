"""The moving parts of bench/scale_bench.py: CPU by process role, web nodes, job clusters.

Roles are told apart from /proc alone, so a process that lives between two samples is
counted too: web nodes and job clusters by their process tree, PostgreSQL backends by their
title (`postgres: <user> <database> …`, this benchmark's database only), Redis by its name,
the load generator is this process (the sampler's own thread included).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import common
from bench.failover_bench import Cluster

TICK = os.sysconf("SC_CLK_TCK")
ROLES = ("web", "job clusters", "postgres", "redis", "sandbox", "load generator")
SHOWN = (*ROLES, "total")
READS = ["/api/v1/health/summary/", "/api/v1/integrations/"]


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(name, parent, utime + stime in s) of one process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text.rsplit(")", 1)[1].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _title(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class CpuSampler(threading.Thread):
    """Every `every` s, the CPU seconds of each process of a role, kept after it exits (its
    last sample: a process's last `every` s are lost, a bounded undercount).

    `roots[role]` are the pids whose process trees make the role (web nodes, clusters,
    sandbox); `totals()` sums by role; `backends_peak` is the most backends of `database`
    seen at once (the PostgreSQL connections the topology holds).
    """

    def __init__(self, database: str, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.database, self.every = database, every
        self.roots: dict[str, set[int]] = {"web": set(), "job clusters": set(), "sandbox": set()}
        self.seen: dict[int, tuple[str, float]] = {}
        self.backends_peak = 0
        self._halt, self._lock = threading.Event(), threading.Lock()

    def run(self) -> None:
        while not self._halt.wait(self.every):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(5)

    def sample(self) -> None:
        procs = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(p))}
        role_of = self._trees(procs)
        backends = 0
        with self._lock:
            for pid, (name, _, cpu) in procs.items():
                role = role_of.get(pid) or self._role(pid, name)
                if role == "postgres":
                    backends += 1
                known = self.seen.get(pid)
                if role and (known is None or known[0] == role):
                    self.seen[pid] = (role, cpu)
            self.backends_peak = max(self.backends_peak, backends)

    def _trees(self, procs: dict) -> dict[int, str]:
        role_of: dict[int, str] = {}
        for role, roots in self.roots.items():
            family, grew = set(roots) & procs.keys(), True
            while grew:
                more = {p for p, s in procs.items() if s[1] in family} - family
                family |= more
                grew = bool(more)
            role_of.update(dict.fromkeys(family, role))
        return role_of

    def _role(self, pid: int, name: str) -> str | None:
        if pid == os.getpid():
            return "load generator"
        if name.startswith("redis-server"):
            return "redis"
        if name == "postgres" and f" {self.database} " in _title(pid):
            return "postgres"
        return None

    def totals(self) -> dict[str, float]:
        self.sample()
        with self._lock:
            sums = dict.fromkeys(ROLES, 0.0)
            for role, cpu in self.seen.values():
                sums[role] += cpu
        return sums

    def reset_peak(self) -> None:
        with self._lock:
            self.backends_peak = 0


def cpu_ms_per(before: dict, after: dict, count: int) -> dict[str, float]:
    """CPU milliseconds per operation, by role and in total."""
    per = {role: (after[role] - before[role]) * 1000 / max(count, 1) for role in ROLES}
    per["total"] = sum(per.values())
    return per


class Window:
    """A measured span: load average and CPU by role at its start and end."""

    def __init__(self, sampler: CpuSampler) -> None:
        self.sampler = sampler

    def __enter__(self) -> Window:
        self.load = [os.getloadavg()[0]]
        self.sampler.reset_peak()
        self.cpu0, self.began = self.sampler.totals(), time.monotonic()
        return self

    def __exit__(self, *_) -> None:
        self.seconds = time.monotonic() - self.began
        self.cpu1 = self.sampler.totals()
        self.load.append(os.getloadavg()[0])
        self.backends = self.sampler.backends_peak

    def per(self, count: int) -> dict[str, float]:
        return cpu_ms_per(self.cpu0, self.cpu1, count)


class JobCluster(Cluster):
    """bench/failover_bench.py's cluster (its own process group), logging to its own file."""

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=common.ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(common.ROOT / "var" / "scale_bench_clusters.log", "a"),
            start_new_session=True,
        )


# -- the tables ----------------------------------------------------------------------------


def _median_cpu(windows: list[Window], counts: list[int]) -> dict[str, float]:
    pers = [w.per(c) for w, c in zip(windows, counts, strict=True)]
    return {role: statistics.median(p[role] for p in pers) for role in SHOWN}


def _load(windows: list[Window]) -> str:
    return f"{min(w.load[0] for w in windows):.2f}-{max(w.load[1] for w in windows):.2f}"


def report(webhook_runs: dict, read_runs: dict, probe_runs: dict, options) -> None:
    """The tables: medians over rounds, ratios to the smallest topology, CPU by role."""
    head = "web | clusters | postgres | redis | sandbox | loadgen | total"
    if webhook_runs:
        print(f"\n== webhook intake, {options.senders} senders, median of {options.rounds}")
        print(f"nodes | deliv/s | ratio | p50 ms | p99 ms | cpu ms/delivery: {head} | load")
        base = statistics.median(r[0] for r in webhook_runs[1])
        for nodes, runs in webhook_runs.items():
            rate = statistics.median(r[0] for r in runs)
            cpu = _median_cpu([r[3] for r in runs], [r[3].seconds * r[0] for r in runs])
            print(
                f"{nodes} | {rate:.0f} | {rate / base:.2f}x | "
                f"{statistics.median(r[1] for r in runs):.1f} | "
                f"{statistics.median(r[2] for r in runs):.1f} | "
                + " | ".join(f"{cpu[role]:.2f}" for role in SHOWN)
                + f" | {_load([r[3] for r in runs])}"
            )
    for path in READS if read_runs else []:
        print(f"\n== dashboard reads {path}, 16 connections, median of {options.rounds}")
        print(f"nodes | req/s | ratio | p99 ms | cpu ms/request: {head} | load")
        base = statistics.median(r[0] for r in read_runs[(1, path)])
        for nodes in (1, 2):
            runs = read_runs[(nodes, path)]
            rate = statistics.median(r[0] for r in runs)
            cpu = _median_cpu([r[3] for r in runs], [r[2] for r in runs])
            print(
                f"{nodes} | {rate:.0f} | {rate / base:.2f}x | "
                f"{statistics.median(r[1] for r in runs):.1f} | "
                + " | ".join(f"{cpu[role]:.2f}" for role in SHOWN)
                + f" | {_load([r[3] for r in runs])}"
            )
    if probe_runs:
        demand = options.integrations / options.interval
        print(
            f"\n== probe engine, {options.integrations} integrations every {options.interval} s "
            f"(demand {demand:.0f}/s), {options.latency_ms} ms latency, PROBE_CONCURRENCY "
            f"{options.concurrency}, {options.window:.0f} s window"
        )
        print(f"clusters | probes/s | ratio | lag p95 s | cpu ms/probe: {head} | pg conns | load")
        base = probe_runs[1]["per_s"]
        for count, run in probe_runs.items():
            cpu = run["window"].per(run["done"])
            print(
                f"{count} | {run['per_s']:.1f} | {run['per_s'] / base:.2f}x | "
                f"{run['lag_p95_s']:.1f} | "
                + " | ".join(f"{cpu[role]:.2f}" for role in SHOWN)
                + f" | {run['window'].backends} | {_load([run['window']])}"
            )
