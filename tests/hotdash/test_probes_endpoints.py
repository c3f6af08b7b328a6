"""/healthz and /readyz: unauthenticated, JSON, and honest about the job cluster."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Task
from rest_framework.test import APIClient

from hotdash.views import API_LINKS


def heartbeat(age_seconds: float) -> None:
    stopped = timezone.now() - timedelta(seconds=age_seconds)
    Task.objects.create(
        id=f"hb{age_seconds}",
        name="hb",
        func="hotdash.tasks.heartbeat_task",
        started=stopped,
        stopped=stopped,
        success=True,
    )


def test_healthz__anonymous__ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz__post__405(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz__no_heartbeat_yet__ready_but_jobs_never(client):
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["jobs"]["status"] == "never"


@pytest.mark.django_db
def test_readyz__recent_heartbeat__jobs_ok(client):
    heartbeat(30)
    assert client.get("/readyz").json()["jobs"]["status"] == "ok"


@pytest.mark.django_db
def test_readyz__old_heartbeat__jobs_stale(client):
    heartbeat(600)
    assert client.get("/readyz").json()["jobs"]["status"] == "stale"


@pytest.mark.django_db
def test_api_root__lists_the_endpoints(viewer):
    api = APIClient()
    api.force_authenticate(viewer)
    links = api.get("/api/v1/").json()
    assert set(links) == set(API_LINKS)
    assert links["integrations"].endswith("/api/v1/integrations/")
    assert links["tiles"].endswith("/api/v1/tiles/")
    assert links["audit"].endswith("/api/v1/audit/")
    assert APIClient().get("/api/v1/").status_code == 401
