"""The integration registry's constraints and validators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import override_settings
from django.utils import timezone

from integrations.models import Integration, IntegrationState
from integrations.validators import validate_base_url, validate_env_var_names

pytestmark = pytest.mark.django_db


def make(slug="svc", **fields):
    defaults = {"name": slug, "kind": Integration.Kind.HTTP, "base_url": "https://example.com"}
    return Integration.objects.create(slug=slug, **{**defaults, **fields})


def test_slug__duplicate__refused_by_database():
    make("shopify")
    with pytest.raises(IntegrityError):
        make("shopify")


def test_probe_interval__below_ten_seconds__refused_by_database():
    with pytest.raises(IntegrityError):
        make(probe_interval_seconds=5)


def test_failures_before_down__zero__refused_by_database():
    with pytest.raises(IntegrityError):
        make(failures_before_down=0)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/",
        "https://user:pw@example.com",
        "http://",
        "javascript:alert(1)",
    ],
)
def test_base_url__unsafe__refused(url):
    with pytest.raises(ValidationError):
        validate_base_url(url)


def test_base_url__public_https__accepted():
    validate_base_url("https://hot-rod-an.myshopify.com")


def test_base_url__loopback_allowed_by_configuration__accepted(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = ["127.0.0.1:8765"]
    validate_base_url("http://127.0.0.1:8765/x")


def test_base_url__loopback_not_allowed__refused(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = []
    with pytest.raises(ValidationError):
        validate_base_url("http://127.0.0.1:8765/x")


def test_full_clean__metadata_address__names_the_field():
    integration = Integration(slug="x", name="x", kind="http", base_url="http://169.254.169.254")
    with pytest.raises(ValidationError) as error:
        integration.full_clean()
    assert "base_url" in error.value.message_dict


@pytest.mark.parametrize(
    "value", [{"token": "shpat_abc123"}, {"token": "lower_case"}, ["A"], {"t": 1}]
)
def test_credential_env__values_not_names__refused(value):
    with pytest.raises(ValidationError):
        validate_env_var_names(value)


def test_credential_env__names__accepted():
    validate_env_var_names({"token": "SHOPIFY_ADMIN_TOKEN", "secret": "A1_B2"})


@override_settings(SANDBOX_URL="http://127.0.0.1:9999")
def test_effective_base_url__sandbox_mode__points_at_sandbox_path():
    integration = make(sandbox_path="/shopify/")
    assert integration.effective_base_url == "http://127.0.0.1:9999/shopify"


def test_effective_base_url__live_mode__vendor_url():
    integration = make(mode=Integration.Mode.LIVE, base_url="https://x.example.com/")
    assert integration.effective_base_url == "https://x.example.com"


def test_due_for_probe__never_probed_or_due__listed_disabled_and_in_flight_not():
    now = timezone.now()
    never = make("never")
    due = make("due")
    later = make("later")
    off = make("off", enabled=False)
    busy = make("busy")
    IntegrationState.objects.create(integration=never)
    IntegrationState.objects.create(integration=due, next_probe_at=now - timedelta(seconds=1))
    IntegrationState.objects.create(integration=later, next_probe_at=now + timedelta(seconds=30))
    IntegrationState.objects.create(integration=off)
    IntegrationState.objects.create(integration=busy, claimed_until=now + timedelta(seconds=40))
    due_states = IntegrationState.objects.due_for_probe(now)
    slugs = set(due_states.values_list("integration__slug", flat=True))
    assert slugs == {"never", "due"}


@pytest.mark.parametrize(
    "name", ["SECRET_KEY", "DATABASE_URL", "SHOPIFY_WEBHOOK_SECRET", "DJANGO_X"]
)
def test_credential_env__platform_secret__refused(name):
    with pytest.raises(ValidationError, match="platform's own settings"):
        validate_env_var_names({"token": name})
