"""Settings for bench/approvals_bench.py and the cluster it starts: the project's settings
with a queue of the benchmark's own, so no other cluster on the same Redis takes its jobs."""

from hotdash.settings.base import *  # noqa: F403
from hotdash.settings.base import Q_CLUSTER

# `cluster_name` names the Redis list; `name` (the signing salt) stays the project's.
Q_CLUSTER = {**Q_CLUSTER, "cluster_name": "hotdash-bench-approvals"}
