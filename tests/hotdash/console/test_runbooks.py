"""Runbooks render as HTML with raw HTML escaped and only safe links kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotdash.console import runbooks
from integrations.models import Integration


def test_raw_html_is_escaped_not_passed_through():
    html = runbooks.render('<script>alert(1)</script>\n\nText <b onclick="x()">bold</b>')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b " not in html


def test_javascript_links_are_refused():
    html = runbooks.render("[click](javascript:alert(1)) and [data](data:text/html,hi)")
    assert 'href="javascript' not in html and 'href="data' not in html


def test_links_to_other_runbooks_stay_in_the_console():
    html = runbooks.render("See [the shared part](README.md#states) and [mcp](mcp.md).")
    assert f'href="{reverse("admin:console_runbook", args=["README"])}#states"' in html
    assert f'href="{reverse("admin:console_runbook", args=["mcp"])}"' in html


def test_other_relative_links_are_named_not_linked():
    html = runbooks.render("[tiles](../tiles.md) and [vendor](https://example.com/x)")
    assert 'title="../tiles.md"' in html and 'href="../tiles.md"' not in html
    assert 'href="https://example.com/x"' in html


def test_tables_render():
    assert "<table>" in runbooks.render("| a | b |\n|---|---|\n| 1 | 2 |")


@pytest.mark.parametrize("name", ["../settings", "a/b", "", ".hidden", "x" * 80])
def test_names_outside_the_runbook_folder_are_not_read(name):
    assert runbooks.runbook_source(name) is None


def test_an_integration_names_its_runbook_or_falls_back_to_its_kind():
    assert runbooks.runbook_name(Integration(kind="ga4", runbook="")) == "ga4"
    assert runbooks.runbook_name(Integration(kind="mcp", runbook="mcp")) == "mcp"
    assert runbooks.runbook_name(Integration(kind="http", runbook="https://x/y")) == ""


@pytest.mark.django_db
def test_runbook_page__404_for_a_missing_runbook(client, viewer):
    client.force_login(viewer)
    assert client.get(reverse("admin:console_runbook", args=["nothing-here"])).status_code == 404
