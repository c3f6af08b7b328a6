"""SLOs, error budgets, anomalies and vendor signals (docs/slo.md). Their tunables are
monitoring/conf.py (settings SLO_<NAME>).

maths.py       pure: burn rates, the multi-window multi-burn-rate table, budgets, latency SLI
robust.py      pure: median / MAD, hour-of-week baselines, Poisson droughts
series.py      reads: probe counts per window (raw ≤ 6 h, rollups beyond), maintenance, upstream
status.py      selector: each integration's SLO status (API, job, approvals policy, report)
anomaly.py     latency / error-rate anomalies and business-flow droughts
flows.py       hourly business counts: Shopify orders, Chatwoot conversations, webhooks
signals/       vendor signals: sunset, deprecations, quotas, webhooks, credentials, tool drift,
               reconciliation
report.py      the weekly SLA report (rows, CSV, mail)
policy.py      approvals policy: one more approver while the error budget is exhausted

Its scheduled jobs are in monitoring/tasks.py.
"""
