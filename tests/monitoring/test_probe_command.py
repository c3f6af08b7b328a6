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
    with pytest.raises(SystemExit):
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


# -- exit status (issue 16 item 4) -----------------------------------------------------------


def test_probe__every_probe_ok__exits_0(seeded):
    call_command("probe", "shopify", "chatwoot")  # returns: manage.py exits 0


def test_probe__one_probe_failed__exits_2(seeded):
    # Given Publer down and Shopify slow, When both are probed, Then the failure wins
    seeded.set_faults("publer", outage=True)
    seeded.set_faults("shopify", latency_ms=50)
    Integration.objects.filter(slug="shopify").update(degraded_latency_ms=1)
    with pytest.raises(SystemExit) as exited:
        call_command("probe", "shopify", "publer")
    assert exited.value.code == 2


def test_probe__slow_but_none_failed__exits_3(seeded):
    seeded.set_faults("shopify", latency_ms=50)
    Integration.objects.filter(slug="shopify").update(degraded_latency_ms=1)
    with pytest.raises(SystemExit) as exited:
        call_command("probe", "shopify", "chatwoot")
    assert exited.value.code == 3


def test_probe__bad_usage__exits_1(seeded, tmp_path):
    """Through manage.py, as a script runs it: Django's CommandError exits 1."""
    import subprocess
    import sys

    from django.conf import settings

    done = subprocess.run(
        [sys.executable, "manage.py", "probe"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "give integration slugs or --all" in done.stderr
