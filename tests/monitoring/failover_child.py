"""A stand-in job cluster for tests/monitoring/test_failover_kill.py. This process plays
django-q2's sentinel: it starts one worker process that runs the probe loop, so the
worker's parent names its cluster, as under `manage.py qcluster`.

    python -m tests.monitoring.failover_child <duration>

The parent passes its test database (DATABASE_URL) and its vendor sandbox (SANDBOX_URL),
and kills the whole process group. The loop's requests for more runs are dropped: there
is no broker, the test starts the runs.
"""

from __future__ import annotations

import os
import subprocess
import sys


def worker(duration: float) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotdash.settings.test")
    import django

    django.setup()
    from monitoring import runner
    from monitoring.tasks import run_due_probes_task

    runner.probe_loop_enqueue = lambda purpose: None
    print(run_due_probes_task(duration=duration), flush=True)


def main(duration: str) -> None:
    module = "tests.monitoring.failover_child"
    child = subprocess.Popen([sys.executable, "-m", module, "--worker", duration])
    sys.exit(child.wait())


if __name__ == "__main__":
    if sys.argv[1] == "--worker":
        worker(float(sys.argv[2]))
    else:
        main(sys.argv[1])
