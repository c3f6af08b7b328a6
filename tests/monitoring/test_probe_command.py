"""`manage.py probe`: probe now, print a table; clear errors for bad input."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Integration

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(sandbox, settings):
    settings.SANDBOX_URL = sandbox.url
    call_command("seed")
    return sandbox


def test_probe__slugs__table_with_results(seeded, capsys):
    seeded.set_faults("publer", outage=True)
    Integration.objects.filter(slug="publer").update(failures_before_down=1)
    call_command("probe", "shopify", "publer")
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["integration", "result", "state"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["shopify"][1:3] == ["ok", "ok"]
    assert rows["publer"][1:3] == ["fail", "down"]


def test_probe__all__every_enabled_integration(seeded, capsys):
    Integration.objects.filter(slug="slack").update(enabled=False)
    call_command("probe", "--all")
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 1 + Integration.objects.filter(enabled=True).count()
    assert "probing: 13/13 (100%)" in out.err  # plain progress lines off a terminal


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give integration slugs or --all"),
        (["--all", "shopify"], "give integration slugs or --all"),
        (["nope"], "unknown integration(s): nope"),
    ],
)
def test_probe__bad_arguments__clear_error(seeded, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("probe", *args)


def test_probe__disabled__refused(seeded):
    Integration.objects.filter(slug="slack").update(enabled=False)
    with pytest.raises(CommandError, match="disabled integration"):
        call_command("probe", "slack")
