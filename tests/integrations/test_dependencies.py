"""The dependency graph: what an outage affects, and cycles refused with the loop named."""

from __future__ import annotations

import pytest

from integrations.admin import IntegrationForm
from integrations.dependencies import affected_ids, cycle_through, upstream_ids
from integrations.models import Integration

pytestmark = pytest.mark.django_db


def make(slug, *deps):
    integration = Integration.objects.create(
        slug=slug, name=slug, kind="http", base_url="https://x.example"
    )
    integration.depends_on.add(*deps)
    return integration


@pytest.fixture
def chain():
    supabase = make("supabase")
    chatwoot = make("chatwoot", supabase)
    rag = make("rag", chatwoot)
    return supabase, chatwoot, rag


def test_affected__transitive_dependants_nearest_first(chain):
    supabase, chatwoot, rag = chain
    assert affected_ids(supabase.pk) == [chatwoot.pk, rag.pk]


def test_upstream__transitive(chain):
    supabase, chatwoot, rag = chain
    assert upstream_ids(rag.pk) == [chatwoot.pk, supabase.pk]


def test_cycle__closing_the_loop__returns_path(chain):
    supabase, chatwoot, rag = chain
    assert cycle_through(supabase.pk, [rag.pk]) == [supabase.pk, rag.pk, chatwoot.pk, supabase.pk]


def test_cycle__self_dependency__refused(chain):
    supabase, _, _ = chain
    assert cycle_through(supabase.pk, [supabase.pk]) == [supabase.pk, supabase.pk]


def test_cycle__harmless_edge__none(chain):
    supabase, chatwoot, rag = chain
    assert cycle_through(rag.pk, [supabase.pk]) is None


def test_admin_form__cycle__clear_message(chain):
    supabase, chatwoot, rag = chain
    data = {
        "slug": "supabase",
        "name": "supabase",
        "kind": "http",
        "base_url": "https://x.example",
        "mode": "sandbox",
        "enabled": True,
        "credential_env": "{}",
        "config": "{}",
        "probe_interval_seconds": 60,
        "probe_timeout_seconds": 10,
        "failures_before_down": 3,
        "degraded_latency_ms": 2000,
        "slo_availability": "99.5",
        "slo_latency_ms": 1000,
        "slo_latency_percent": "95",
        "business_weight": 3,
        "depends_on": [rag.pk],
    }
    form = IntegrationForm(data=data, instance=supabase)
    assert not form.is_valid()
    assert form.errors["depends_on"] == [
        "That would make a dependency cycle: supabase → rag → chatwoot → supabase"
    ]
