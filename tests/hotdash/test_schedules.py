"""Schedules are declared in code and written by name, so a deploy that moves a task
fixes the rows it finds (hotdash/schedules.py)."""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string
from django_q.models import Schedule

from hotdash.schedules import SCHEDULES, schedules_ensure

pytestmark = pytest.mark.django_db


def test_ensure__row_with_a_task_path_that_moved__gets_the_declared_path():
    # Given the row a deploy before the SLO jobs joined monitoring's tasks left behind
    Schedule.objects.create(
        name="monitoring.slo_evaluate",
        func="monitoring.slo.tasks.slo_evaluate_task",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
    )

    # When the schedules are ensured (manage.py seed, on every deploy)
    schedules_ensure()

    # Then the same row (one per name) runs the task where it lives now
    row = Schedule.objects.get(name="monitoring.slo_evaluate")
    assert row.func == "monitoring.tasks.slo_evaluate_task"
    assert callable(import_string(row.func))


def test_ensure__every_stored_path__imports():
    schedules_ensure()

    stored = dict(Schedule.objects.values_list("name", "func"))
    assert stored == {name: func for name, (func, _type, _minutes) in SCHEDULES.items()}
    assert all(callable(import_string(func)) for func in stored.values())


def test_ensure__a_schedule_no_longer_declared__is_dropped_and_others_are_kept():
    Schedule.objects.create(name="monitoring.gone", func="monitoring.tasks.gone_task")
    Schedule.objects.create(name="someone.else", func="elsewhere.task")

    schedules_ensure()

    assert not Schedule.objects.filter(name="monitoring.gone").exists()
    assert Schedule.objects.filter(name="someone.else").exists()
