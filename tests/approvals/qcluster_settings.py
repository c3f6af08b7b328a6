"""Settings for a job cluster started by a test: the test settings with a queue of its own
(HOTDASH_TEST_Q_CLUSTER), so no other cluster on the same Redis takes the test's jobs."""

import os

from hotdash.settings.test import *  # noqa: F403
from hotdash.settings.test import Q_CLUSTER

Q_CLUSTER = {**Q_CLUSTER, "cluster_name": os.environ["HOTDASH_TEST_Q_CLUSTER"]}
