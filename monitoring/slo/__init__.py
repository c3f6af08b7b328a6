"""SLOs, error budgets, anomalies and vendor signals (docs/slo.md): the computation.

These modules read (probe history, rollups, webhook rows, vendor answers) and return
values. What they find is written by monitoring's services: the evaluators (`*_evaluate`,
called by the jobs in monitoring/tasks.py) hand signals to
`services.signal_incidents.signal_sync`, findings to `services.findings.finding_raise` /
`findings_settle`, and the weekly report to `services.alerting.notification_queue`; none
writes an incident, a finding or a notification itself
(tests/monitoring/test_services_shape.py). Two rows are their own bookkeeping: FlowCount
(flows.py, the hourly business counts collected from the vendors) and SignalState
(signals/tools.py, the MCP tool list seen last). The burn-rate evaluation is
`services/burn_alerts.py`; the tunables are monitoring/conf.py (settings SLO_<NAME>).

maths.py       pure: burn rates, the multi-window multi-burn-rate table, budgets, latency SLI
robust.py      pure: median / MAD, hour-of-week baselines, Poisson droughts
series.py      reads: probe counts per window (raw ≤ 6 h, rollups beyond), maintenance, upstream
bands.py       nested windows cut into disjoint bands, so one grouped aggregate counts them all
status.py      selector: each integration's SLO status (API, job, approvals policy, report)
anomaly.py     latency / error-rate anomalies and business-flow droughts
flows.py       hourly business counts: Shopify orders, Chatwoot conversations, webhooks
signals/       vendor signals: sunset, deprecations, quotas, webhooks, credentials, tool drift,
               reconciliation
report.py      the weekly SLA report (rows, CSV, mail)
policy.py      approvals policy: one more approver while the error budget is exhausted
"""
