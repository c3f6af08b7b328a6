"""System checks: each app's configuration errors are found by `manage.py check`, with an id,
before anything runs (docs/troubleshooting.md, "System checks")."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from approvals import checks as approvals_checks
from approvals import roles
from hotdash import checks as hotdash_checks
from hotdash.schedules import SCHEDULES
from integrations import checks as integrations_checks
from integrations.models import Integration
from integrations.probes import PROBES
from monitoring import checks as monitoring_checks
from monitoring.services.recovery import PLAYBOOKS


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def own_declarations(monkeypatch):
    """The role declarations, on a copy this test may change."""
    monkeypatch.setattr(roles, "_DECLARATIONS", roles.declarations())


# The real configuration


def test_check__real_configuration__passes():
    call_command("check")  # raises SystemCheckError on any error


@pytest.mark.django_db
def test_check__real_configuration_with_database__passes():
    call_command("check", databases=["default"])


def test_check__broken_schedule__manage_py_check_names_the_id(monkeypatch):
    # Given a schedule whose task path points nowhere
    monkeypatch.setitem(SCHEDULES, "hotdash.gone", ("hotdash.tasks.gone_task", "I", 1))
    # When the checks run, Then manage.py check stops and names the id
    with pytest.raises(SystemCheckError, match="hotdash.E001"):
        call_command("check")


# approvals: roles


def test_roles__model_left_out__is_approvals_e001(own_declarations):
    current = roles.declarations()["monitoring"]
    roles.declare(
        "monitoring", view=[m for m in current.view if m != "flowcount"], hidden=current.hidden
    )
    errors = approvals_checks.roles_coverage_check()
    assert ids(errors) == ["approvals.E001"]
    assert "monitoring.FlowCount" in errors[0].msg


def test_roles__app_without_declaration__every_model_is_approvals_e001(own_declarations):
    roles._DECLARATIONS.pop("hotdash")
    errors = approvals_checks.roles_coverage_check()
    assert ids(errors) == ["approvals.E001", "approvals.E001"]  # ApiToken, Identity
    assert "hotdash.ApiToken" in errors[0].msg and "hotdash.Identity" in errors[1].msg


def test_roles__hidden_model__counts_as_covered(own_declarations):
    assert "lease" in roles.declarations()["monitoring"].hidden
    assert approvals_checks.roles_coverage_check() == []


def test_roles__declaration_names_unknown_model_or_permission__is_approvals_e002(
    own_declarations,
):
    roles.declare("hotdash", view=["apitoken", "apitokens"], operate=["frobnicate_apitoken"])
    errors = approvals_checks.roles_names_check()
    assert ids(errors) == ["approvals.E002", "approvals.E002"]
    named = " ".join(error.msg for error in errors)
    assert "model 'apitokens'" in named and "permission 'frobnicate_apitoken'" in named


def test_roles__declaration_for_unknown_app__is_approvals_e002(own_declarations):
    roles.declare("billing", view=["invoice"])
    assert ids(approvals_checks.roles_names_check()) == ["approvals.E002"]


# hotdash: schedules and the job cluster


def test_schedules__task_path_does_not_import__is_hotdash_e001(monkeypatch):
    monkeypatch.setitem(SCHEDULES, "monitoring.gone", ("monitoring.nowhere.gone_task", "I", 1))
    errors = hotdash_checks.schedules_check()
    assert ids(errors) == ["hotdash.E001"]
    assert "monitoring.gone" in errors[0].msg


def test_schedules__task_path_not_callable__is_hotdash_e001(monkeypatch):
    monkeypatch.setitem(SCHEDULES, "hotdash.constant", ("hotdash.schedules.SCHEDULES", "I", 1))
    assert ids(hotdash_checks.schedules_check()) == ["hotdash.E001"]


def test_q_cluster__retry_not_above_timeout__is_hotdash_e002(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300, "retry": 300}
    assert ids(hotdash_checks.q_cluster_check()) == ["hotdash.E002"]


# monitoring: playbooks and settings


def test_playbook__step_not_registered__is_monitoring_e001(monkeypatch):
    monkeypatch.setitem(PLAYBOOKS, "shopify", ["monitoring.reprobe", "shopify.pray"])
    errors = monitoring_checks.playbooks_check()
    assert ids(errors) == ["monitoring.E001"]
    assert "shopify.pray" in errors[0].msg


def test_playbook__for_unknown_kind__is_monitoring_e002(monkeypatch):
    monkeypatch.setitem(PLAYBOOKS, "shopfiy", ["monitoring.reprobe"])
    assert ids(monitoring_checks.playbooks_check()) == ["monitoring.E002"]


@pytest.mark.django_db
def test_integration_playbook__unknown_step__is_monitoring_w001_with_database():
    # Given an integration whose own playbook names an action nobody registered
    Integration.objects.create(
        slug="shop",
        name="Shop",
        kind="shopify",
        base_url="https://example.test",
        config={"playbook": ["monitoring.reprobe", "integrations.pray"]},
    )
    # When the database checks run, Then one warning names the step
    warnings = monitoring_checks.integration_playbooks_check(databases=["default"])
    assert ids(warnings) == ["monitoring.W001"]
    assert "integrations.pray" in warnings[0].msg
    # And without --database the check reads nothing
    assert monitoring_checks.integration_playbooks_check(databases=None) == []


@pytest.mark.parametrize("key", ["slots", "duration", "tick", "batch", "concurrency"])
def test_probe_loop__value_not_positive__is_monitoring_e003(settings, key):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, key: 0}
    assert "monitoring.E003" in ids(monitoring_checks.settings_check())


def test_probe_loop__tick_not_below_duration__is_monitoring_e003(settings):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, "tick": 60.0, "duration": 55}
    assert ids(monitoring_checks.settings_check()) == ["monitoring.E003"]


def test_probe_loop__run_outlasts_cluster_timeout__is_monitoring_e004(settings):
    settings.PROBE_LOOP = {**settings.PROBE_LOOP, "duration": 295, "handoff_wait": 10.0}
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300, "retry": 360}
    assert ids(monitoring_checks.settings_check()) == ["monitoring.E004"]


def test_notification_max_attempts__zero__is_monitoring_e005(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 0
    assert ids(monitoring_checks.settings_check()) == ["monitoring.E005"]


@pytest.mark.parametrize("timeout", [0, -1.0, None])
def test_email_timeout__not_positive__is_monitoring_e006(settings, timeout):
    settings.EMAIL_TIMEOUT = timeout
    assert ids(monitoring_checks.settings_check()) == ["monitoring.E006"]


# integrations: probes and webhook knobs


def test_probes__kind_without_probe__is_integrations_e001(monkeypatch):
    monkeypatch.delitem(PROBES, "publer")
    errors = integrations_checks.probes_check()
    assert ids(errors) == ["integrations.E001"]
    assert "publer" in errors[0].msg


def test_webhook_claim__not_above_job_timeout__is_integrations_e002(settings):
    settings.WEBHOOK_CLAIM_S = 300
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 300, "retry": 360}
    assert ids(integrations_checks.webhook_settings_check()) == ["integrations.E002"]


def test_webhook_max_attempts__zero__is_integrations_e003(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 0
    assert ids(integrations_checks.webhook_settings_check()) == ["integrations.E003"]


# hotdash: schedules as stored


@pytest.mark.django_db
def test_stored_schedules__as_declared__no_warning():
    from hotdash.schedules import schedules_ensure

    schedules_ensure()
    assert hotdash_checks.schedules_stored_check(databases=["default"]) == []


@pytest.mark.django_db
def test_stored_schedules__old_task_path__is_hotdash_w003_naming_both():
    from django_q.models import Schedule

    from hotdash.schedules import schedules_ensure

    schedules_ensure()
    Schedule.objects.filter(name="monitoring.flows").update(func="monitoring.slo.tasks.flows_task")

    warnings = hotdash_checks.schedules_stored_check(databases=["default"])

    assert ids(warnings) == ["hotdash.W003"]
    assert "monitoring.slo.tasks.flows_task" in warnings[0].msg
    assert "monitoring.tasks.flows_task" in warnings[0].msg


@pytest.mark.django_db
def test_stored_schedules__never_seeded__one_warning_per_schedule():
    warnings = hotdash_checks.schedules_stored_check(databases=["default"])
    assert ids(warnings) == ["hotdash.W003"] * len(SCHEDULES)


def test_stored_schedules__without_database_flag__not_run():
    assert hotdash_checks.schedules_stored_check() == []
