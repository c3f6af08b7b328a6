"""Migration 0006: the `integrations.<slug>.live` flags go; Integration.mode is the one truth."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from approvals.models import FeatureFlag

pytestmark = pytest.mark.django_db
migration = importlib.import_module("integrations.migrations.0006_drop_live_flags")


def test_drop_live_flags__deletes_only_the_live_mode_flags():
    for key in (
        "integrations.shopify.live",
        "integrations.chatwoot.live",
        "tiles.live",
        "kill.global",
    ):
        FeatureFlag.objects.create(key=key, kind="release")
    migration.drop_live_flags(apps, None)
    assert sorted(FeatureFlag.objects.values_list("key", flat=True)) == [
        "kill.global",
        "tiles.live",
    ]
