"""A console with a bit of everything: probes against the sandbox (one vendor failing), hourly
rollups, an open incident with a linked approval request, personas per role."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from approvals.services import approval_request_create
from integrations.models import Integration
from monitoring.engine import probe_now
from monitoring.models import Incident
from monitoring.rollups import rollups_refresh
from monitoring.summaries import summaries_refresh


@pytest.fixture
def world(db, sandbox, settings, roles):
    """Seeded catalogue probed twice; `publer` is down with an open incident."""
    settings.SANDBOX_URL = sandbox.url
    call_command("seed", stdout=io.StringIO())
    Integration.objects.update(failures_before_down=1)
    sandbox.set_faults("publer", outage=True)
    everything = list(Integration.objects.all())
    probe_now(everything)
    probe_now(everything)
    rollups_refresh()
    summaries_refresh()
    incident = Incident.objects.get(integration__slug="publer")
    approval_request_create(
        action="integrations.switch_sandbox",
        params={"slug": "publer"},
        context={"incident": incident.pk},
        enqueue=False,
    )
    return {"incident": incident, "sandbox": sandbox}


@pytest.fixture
def no_role(db):
    """Staff, but in no role group: the admin lets them in, the console does not."""
    return get_user_model().objects.create_user("nora", password="pw-nora", is_staff=True)
