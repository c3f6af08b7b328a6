"""`manage.py seed` builds the Hot Rod AN catalogue and running it again changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django_q.models import Schedule

from approvals.models import FeatureFlag
from approvals.roles import roles_seed
from integrations.catalogue import CATALOGUE
from integrations.models import Integration, IntegrationState

pytestmark = pytest.mark.django_db

MCP_SERVERS = {
    "shopify-dev",
    "context7",
    "github",
    "supabase",
    "fly",
    "google-analytics",
    "llamaindex-rag",
}


def snapshot():
    return {
        "integrations": sorted(Integration.objects.values_list("slug", "mode", "base_url")),
        "deps": sorted(
            Integration.depends_on.through.objects.values_list(
                "from_integration__slug", "to_integration__slug"
            )
        ),
        "states": IntegrationState.objects.count(),
        "flags": sorted(FeatureFlag.objects.values_list("key", "enabled", "version")),
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "schedules": sorted(Schedule.objects.values_list("name", "func")),
    }


def test_seed__fresh_database__whole_catalogue_in_sandbox_mode(capsys):
    call_command("seed")
    slugs = set(Integration.objects.values_list("slug", flat=True))
    assert {"shopify", "chatwoot", "ga4", "supabase", "publer", "slack", "llamaindex"} <= slugs
    assert {f"mcp-{server}" for server in MCP_SERVERS} <= slugs
    assert len(slugs) == len(CATALOGUE) == 14
    assert set(Integration.objects.values_list("mode", flat=True)) == {"sandbox"}
    assert IntegrationState.objects.count() == 14
    assert "14 created" in capsys.readouterr().out


def test_seed__dependencies__chatwoot_on_supabase_rag_mcp_on_llamaindex():
    call_command("seed")
    assert list(
        Integration.objects.get(slug="chatwoot").depends_on.values_list("slug", flat=True)
    ) == ["supabase"]
    rag = Integration.objects.get(slug="mcp-llamaindex-rag")
    assert list(rag.depends_on.values_list("slug", flat=True)) == ["llamaindex"]


def test_seed__creates_no_flags__mode_is_the_one_record_of_live():
    call_command("seed")
    assert not FeatureFlag.objects.exists()
    assert set(Integration.objects.values_list("mode", flat=True)) == {"sandbox"}


def test_seed__run_twice__changes_nothing():
    call_command("seed")
    first = snapshot()
    call_command("seed")
    assert snapshot() == first


def test_seed__operator_edit__kept_on_reseed():
    call_command("seed")
    Integration.objects.filter(slug="shopify").update(probe_interval_seconds=300)
    call_command("seed")
    assert Integration.objects.get(slug="shopify").probe_interval_seconds == 300


def test_seed__roles__three_groups_with_permissions():
    call_command("seed")
    viewers = Group.objects.get(name="viewers")
    approvers = Group.objects.get(name="approvers")
    assert viewers.permissions.filter(codename="view_incident").exists()
    assert not viewers.permissions.filter(codename="change_incident").exists()
    assert approvers.permissions.filter(codename="change_approvalrequest").exists()


def test_seed__roles__every_role_sees_slo_data_and_audit_checkpoints_but_no_lease():
    # Given the apps' own role declarations (their AppConfig.ready())
    # When seeding
    call_command("seed")
    # Then the SLO pages and the audit checkpoints are readable by every role
    seen = {"view_finding", "view_flowcount", "view_signalstate", "view_auditcheckpoint"}
    for name in ("viewers", "operators", "approvers"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert seen <= codenames, name
        # And the probe loop's leases are declared hidden: no role has any permission on them
        assert not {c for c in codenames if c.endswith("_lease")}, name


def test_seed__roles__counts_follow_the_declarations():
    # Given 22 models every role views, 10 operator grants beyond that, 2 approver grants
    # (approvals 5 + integrations 5 + monitoring 11 + hotdash 1 viewed; operators: approvals
    # 1, integrations 2, monitoring 5, hotdash 2; approvers: approvals 2)
    # When seeding, Then each group holds exactly those
    assert roles_seed() == {"viewers": 22, "operators": 32, "approvers": 24}


def test_seed__credentials__names_only_never_values():
    call_command("seed")
    for env in Integration.objects.values_list("credential_env", flat=True):
        for name in env.values():
            assert name.isupper(), name


def test_schedules__stale_own_schedule__removed_others_kept():
    Schedule.objects.create(name="monitoring.retired", func="x.y")
    Schedule.objects.create(name="custom.report", func="x.z")
    call_command("seed")
    names = set(Schedule.objects.values_list("name", flat=True))
    assert "monitoring.retired" not in names
    assert {"custom.report", "monitoring.probe_loop", "hotdash.heartbeat"} <= names


def test_seed__alert_route__slack_channel_through_the_slack_integration():
    from monitoring.models import Channel

    call_command("seed")
    call_command("seed")
    channel = Channel.objects.get()
    assert (channel.kind, channel.slack_integration.slug) == ("slack", "slack")


def test_seed__existing_integration__gains_missing_config_keys_only():
    call_command("seed")
    shopify = Integration.objects.get(slug="shopify")
    shopify.config = {"api_version": "2099-01"}  # an operator's choice, and a key lost
    shopify.save()
    call_command("seed")
    shopify.refresh_from_db()
    assert shopify.config["api_version"] == "2099-01"
    assert shopify.config["shop"] == "hot-rod-an"
