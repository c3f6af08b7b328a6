"""Micro-caching of hot reads: same bytes within the window, fresh after it, roles still checked."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from hotdash.rest import MICRO_CACHE
from integrations.models import Integration, IntegrationState

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.API_MICRO_CACHE_SECONDS = 60
    MICRO_CACHE.clear()
    yield
    MICRO_CACHE.clear()


def make(slug):
    integration = Integration.objects.create(
        slug=slug, name=slug, kind="http", base_url="https://x.io"
    )
    IntegrationState.objects.create(integration=integration, status="ok")


def test_hot_read__within_window__same_answer_without_new_queries(
    cached, viewer, django_assert_max_num_queries
):
    make("a")
    api = APIClient()
    api.force_authenticate(viewer)
    first = api.get("/api/v1/health/summary/").json()
    make("b")
    with django_assert_max_num_queries(2):  # authentication and role only
        second = api.get("/api/v1/health/summary/").json()
    assert second == first and second["total"] == 1


def test_hot_read__cache_off__fresh(settings, viewer):
    settings.API_MICRO_CACHE_SECONDS = 0
    make("a")
    api = APIClient()
    api.force_authenticate(viewer)
    api.get("/api/v1/integrations/")
    make("b")
    assert api.get("/api/v1/integrations/").json()["count"] == 2


def test_hot_read__cached__still_refuses_anonymous_and_roleless(cached, viewer):
    api = APIClient()
    api.force_authenticate(viewer)
    api.get("/api/v1/integrations/")
    assert APIClient().get("/api/v1/integrations/").status_code == 401
    nobody = APIClient()
    nobody.force_authenticate(get_user_model().objects.create_user("nobody"))
    assert nobody.get("/api/v1/integrations/").status_code == 403


def test_hot_read__different_query__different_entry(cached, viewer):
    make("a")
    api = APIClient()
    api.force_authenticate(viewer)
    assert api.get("/api/v1/integrations/?status=ok").json()["count"] == 1
    assert api.get("/api/v1/integrations/?status=down").json()["count"] == 0
