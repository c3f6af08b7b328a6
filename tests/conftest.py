"""Shared fixtures: personas (one per role) and, from tests.fixtures, the vendor sandbox."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache

from approvals.roles import APPROVERS, OPERATORS, VIEWERS, roles_seed

pytest_plugins = ["tests.fixtures.sandbox"]


def _user(username: str, *groups: str, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw-" + username, is_staff=True, **extra
    )
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (throttle counters, flag caches)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def roles(db):
    roles_seed()


@pytest.fixture
def viewer(roles):
    return _user("vera", VIEWERS)


@pytest.fixture
def operator(roles):
    return _user("otto", OPERATORS)


@pytest.fixture
def approver(roles):
    return _user("ada", OPERATORS, APPROVERS)


@pytest.fixture
def other_approver(roles):
    return _user("bob", OPERATORS, APPROVERS)


@pytest.fixture
def superuser(db):
    return _user("root", is_superuser=True)
