"""Settings for the job clusters bench/failover_bench.py starts: the project's settings on a
queue of the bench's own (per behaviour), with FAILOVER_BEHAVIOUR=old restoring the probe
loop's previous failover (a 60 s slot lease, no standby: a run that finds the slot held
waits `handoff_wait` as its successor, then ends)."""

import os

from hotdash.settings.base import *  # noqa: F403
from hotdash.settings.base import PROBE_LOOP, Q_CLUSTER

BEHAVIOUR = os.environ.get("FAILOVER_BEHAVIOUR", "new")
# `cluster_name` names the Redis list, one per run and behaviour (FAILOVER_QUEUE); `name`
# (the signing salt) stays the project's.
Q_CLUSTER = {**Q_CLUSTER, "cluster_name": os.environ.get("FAILOVER_QUEUE", "hotdash-failover")}
if BEHAVIOUR == "old":
    PROBE_LOOP = {**PROBE_LOOP, "standby": False, "lease_seconds": 60.0}
