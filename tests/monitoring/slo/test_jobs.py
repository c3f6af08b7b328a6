"""The scheduled jobs run end to end against the sandbox (how findings reach people:
test_findings_routing.py)."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from hotdash.schedules import SCHEDULES, schedules_ensure
from monitoring import tasks
from monitoring.models import FlowCount

pytestmark = pytest.mark.django_db


def test_schedules__declared_and_written():
    schedules_ensure()

    for name in ("slo_evaluate", "flows", "signals", "reconcile", "sla_report"):
        func = SCHEDULES[f"monitoring.{name}"][0]
        assert Schedule.objects.get(name=f"monitoring.{name}").func == func
        module, attribute = func.rsplit(".", 1)
        assert callable(getattr(tasks, attribute)) and module == "monitoring.tasks"


def test_every_job__runs_against_the_sandbox(from_catalogue, settings):
    settings.SLO_FLOW_BACKFILL_DAYS = 2
    for slug in ("shopify", "chatwoot", "ga4", "publer", "mcp-github"):
        from_catalogue(slug)

    assert tasks.slo_evaluate_task() == {"burn_rate": {}, "anomalies": {}}
    flows = tasks.flows_task()
    assert flows["collected"]["shopify"] > 0 and FlowCount.objects.exists()
    signals = tasks.signals_task()
    assert -1 not in signals.values()
    reconciled = tasks.reconcile_task()
    assert reconciled["publer"] == {"scheduled": 0, "published": 0, "findings": 0}
    assert tasks.sla_report_task().startswith("no recipients")
