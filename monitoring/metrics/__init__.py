"""The platform's own metrics, as /metrics exposes them (monitoring/prometheus.py composes
them; docs/metrics.md is the catalogue): HTTP requests (`http`), jobs (`jobs`), vendor state
and tiles (`vendors`), notifications and webhook intake (`intake`), SLOs (`slo`), and the
monotonic tallies behind every `_total` counter read from pruned tables (`tally`)."""
