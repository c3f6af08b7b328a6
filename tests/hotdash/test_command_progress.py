"""Long commands report progress on stderr: plain lines when not on a terminal."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from approvals.audit import audit_record

pytestmark = pytest.mark.django_db


def test_seed__prints_plain_progress_lines_off_a_terminal(capsys):
    call_command("seed", stdout=io.StringIO())
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("seeding: 1/5") and lines[-1] == "seeding: 5/5 (100%)"


def test_audit_verify__prints_plain_progress_lines_off_a_terminal(capsys):
    for n in range(3):
        audit_record(actor=None, verb=f"test.event{n}")
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "audit chain intact: 3 events" in out.getvalue()
    assert capsys.readouterr().err.splitlines()[-1] == "verifying audit events: 3/3 (100%)"
