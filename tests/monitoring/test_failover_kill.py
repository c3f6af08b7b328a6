"""Failover with real processes (issue 15 item 5): SIGKILL the job cluster that holds the
probe loop, and another cluster probes again within 30 s.

Each "cluster" is tests/monitoring/failover_child.py: a parent process (django-q2's
sentinel) and one worker running the probe loop, in a process group of its own.

PostgreSQL only (the processes share the test database):
DATABASE_URL=postgres://postgres@127.0.0.1:5432/hotdash_h5 .venv/bin/python -m pytest \
    tests/monitoring/test_failover_kill.py --create-db
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import connection

from integrations.models import Integration
from integrations.services import catalogue_seed
from monitoring.leases import lease_holder
from monitoring.models import CheckResult
from monitoring.runner import LEASE_SECONDS

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TARGET_SECONDS = 30  # issue 15 item 5


@pytest.fixture
def catalogue(sandbox, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")
    settings.SANDBOX_URL = sandbox.url
    catalogue_seed()
    Integration.objects.update(probe_interval_seconds=10)
    return sandbox


def start_cluster(sandbox, duration: float) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "SANDBOX_URL": sandbox.url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.monitoring.failover_child", str(duration)],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def cluster_of(name: str) -> int | None:
    """The pid of the parent ("sentinel") named by a lease's holder, host:ppid:pid:uuid."""
    holder = lease_holder(name)
    return int(holder.split(":")[1]) if holder else None


def wait_until(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def test_holder_cluster_killed__the_standby_cluster_probes_within_30_s(catalogue):
    # Given cluster A holding the loop and probing, and cluster B standing by
    a = start_cluster(catalogue, duration=100)
    b = None
    try:
        wait_until(lambda: cluster_of("probe-loop-0") == a.pid, 60)
        wait_until(lambda: CheckResult.objects.exists(), 30)
        b = start_cluster(catalogue, duration=100)
        wait_until(lambda: cluster_of("probe-loop-0-next") == b.pid, 60)

        # When A's whole process group is SIGKILLed
        os.killpg(a.pid, signal.SIGKILL)
        killed = time.time()
        a.wait(10)

        # Then B holds the slot within the lease's time to live (and a tick), and probes
        wait_until(lambda: cluster_of("probe-loop-0") == b.pid, TARGET_SECONDS)
        took_over = time.time() - killed
        since = datetime.fromtimestamp(killed, tz=UTC)
        wait_until(lambda: CheckResult.objects.filter(checked_at__gt=since).exists(), 30)
        first = CheckResult.objects.filter(checked_at__gt=since).earliest("checked_at")
        assert took_over <= LEASE_SECONDS + 3
        assert first.checked_at.timestamp() - killed <= TARGET_SECONDS
    finally:
        for cluster in (a, b):
            if cluster and cluster.poll() is None:
                os.killpg(cluster.pid, signal.SIGKILL)
                cluster.wait(10)
