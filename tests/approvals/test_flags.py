"""Feature flags: kill switches read fresh; stopping is free, un-stopping needs sign-off."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import DatabaseError

from approvals import selectors
from approvals.models import AuditEvent, FeatureFlag
from approvals.selectors import Evaluation, flag_evaluation, kill_switches_active, rollout_bucket
from approvals.services import (
    approval_request_approve,
    approval_request_create,
    approval_request_execute,
    kill_switch_set,
)
from hotdash.errors import DomainError

pytestmark = pytest.mark.django_db


def release(key="tiles.new", **fields) -> FeatureFlag:
    return FeatureFlag.objects.create(key=key, kind="release", **{"enabled": True, **fields})


def test_evaluation__enabled_flag__is_true_with_its_version():
    assert flag_evaluation(flag=release(version=4)) == Evaluation(True, "enabled", 4)


def test_evaluation__disabled_flag__is_false():
    assert flag_evaluation(flag=release(enabled=False)).reason == "disabled"


def test_evaluation__percentage__is_stable_per_subject_and_close_to_the_share():
    flag = release(rollout_percent=30)
    answers = [flag_evaluation(flag=flag, subject=f"store-{i}").value for i in range(2000)]
    assert 0.25 < sum(answers) / len(answers) < 0.35
    assert answers == [flag_evaluation(flag=flag, subject=f"store-{i}").value for i in range(2000)]
    assert rollout_bucket("tiles.new", "store-1") == rollout_bucket("tiles.new", "store-1")


def test_evaluation__percentage_without_subject__is_off():
    assert flag_evaluation(flag=release(rollout_percent=50)).reason == "no_subject"


def test_kill_switches__read_fresh(operator):
    assert kill_switches_active(action="x") == []
    kill_switch_set(scope="action", target="x", actor=operator, reason="stop")
    assert [f.key for f in kill_switches_active(action="x")] == ["kill.action.x"]
    assert kill_switches_active(action="y") == []


def test_kill_switches__unreadable__raise_flags_unavailable():
    with mock.patch.object(FeatureFlag.objects, "filter", side_effect=DatabaseError("down")):
        with pytest.raises(selectors.FlagsUnavailable):
            kill_switches_active(action="x")


def test_kill_switch_set__needs_no_approval_but_is_audited(operator):
    flag = kill_switch_set(scope="global", actor=operator, reason="vendor sending garbage")
    assert flag.enabled and flag.version == 2
    event = AuditEvent.objects.get(verb="flag.kill_switch_set")
    assert event.actor_name == "otto" and event.reason == "vendor sending garbage"
    assert event.changes == {
        "before": {"enabled": False, "rollout_percent": 100, "version": 1},
        "after": {"enabled": True, "rollout_percent": 100, "version": 2},
    }


def test_kill_switch_set__without_a_reason__is_refused(operator):
    with pytest.raises(DomainError) as caught:
        kill_switch_set(scope="global", actor=operator, reason=" ")
    assert caught.value.code == "reason_required"


def test_kill_switch_clear__goes_through_an_approval(operator, approver):
    # Given a set global kill switch
    kill_switch_set(scope="global", actor=operator, reason="freeze")
    # When an operator asks to clear it, Then nothing changes until an approver signs off
    request = approval_request_create(
        action="flags.clear_kill_switch", params={"key": "kill.global"}, requested_by=operator
    )
    assert FeatureFlag.objects.get(key="kill.global").enabled
    approval_request_approve(request_id=request.pk, approver=approver)
    # And the global switch does not block its own clearing
    assert approval_request_execute(request_id=request.pk).status == "succeeded"
    assert not FeatureFlag.objects.get(key="kill.global").enabled


def test_kill_switch_clear__switch_not_set__is_refused(operator):
    FeatureFlag.objects.create(key="kill.global", kind="kill_switch", enabled=False)
    with pytest.raises(DomainError) as caught:
        approval_request_create(
            action="flags.clear_kill_switch", params={"key": "kill.global"}, requested_by=operator
        )
    assert caught.value.code == "not_set"


def test_flags_set__release_flag_change__applies_after_approval_with_before_after(
    operator, approver
):
    release(enabled=False, rollout_percent=100)
    request = approval_request_create(
        action="flags.set",
        params={"key": "tiles.new", "enabled": True, "rollout_percent": 20},
        requested_by=operator,
    )
    from approvals.registry import get

    rows = get("flags.set").rows(request.params, request.precondition)
    assert ("enabled", "off → on") in rows and ("rollout", "100% → 20%") in rows
    approval_request_approve(request_id=request.pk, approver=approver)
    approval_request_execute(request_id=request.pk)
    flag = FeatureFlag.objects.get(key="tiles.new")
    assert (flag.enabled, flag.rollout_percent, flag.version) == (True, 20, 2)


def test_flags_set__flag_changed_meanwhile__is_a_conflict(operator, approver):
    release(enabled=False)
    request = approval_request_create(
        action="flags.set", params={"key": "tiles.new", "enabled": True}, requested_by=operator
    )
    approval_request_approve(request_id=request.pk, approver=approver)
    FeatureFlag.objects.filter(key="tiles.new").update(version=9)
    assert approval_request_execute(request_id=request.pk).status == "conflict"
