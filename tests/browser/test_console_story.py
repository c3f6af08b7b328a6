"""The operator's minute, in a real browser: a sandbox fault breaks Shopify, the board turns
red without a reload, the operator opens the incident and acknowledges it, a live-mode
request is signed off by a second approver (never by its requester), and the audit trail
shows all of it."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from approvals.models import ApprovalRequest, AuditEvent
from integrations.models import Integration
from monitoring.engine import probe_now
from monitoring.models import Incident
from monitoring.rollups import rollups_refresh
from monitoring.summaries import summaries_refresh
from tests.browser.history import rollups_fill

pytestmark = pytest.mark.browser

WAIT_MS = 30_000


@pytest.fixture
def world(live_server, sandbox, settings, monkeypatch, operator, approver, other_approver):
    """The seeded catalogue with a month of history, probed once, all healthy."""
    settings.SANDBOX_URL = sandbox.url
    monkeypatch.setenv("SHOPIFY_ADMIN_TOKEN", "sandbox-shopify-token")  # live mode may be asked
    call_command("seed", stdout=io.StringIO())
    Integration.objects.update(failures_before_down=1)
    for index, integration in enumerate(Integration.objects.order_by("slug")):
        rollups_fill(integration, base_ms=30 + 15 * (index % 5))
    probe_now(list(Integration.objects.all()))
    rollups_refresh()
    summaries_refresh()
    return live_server.url


def card_status(page, slug: str):
    return page.locator(f'[data-slug="{slug}"] [data-field="status"] .hd-badge')


def test_operator_finds_the_outage_acts_and_an_approver_signs_off(world, login, shots):
    # Given the operator on the status board, everything healthy
    board = login("otto")
    assert card_status(board, "shopify").inner_text() == "ok"
    board.evaluate("window.__sameDocument = true")

    # When a fault is injected from Sandbox control and Shopify is probed from its page
    tools = board.context.new_page()
    tools.goto(f"{world}/admin/console/sandbox/")
    shopify_form = tools.locator('[id="sb-shopify"]')
    shopify_form.locator('input[name="outage"]').check()
    shopify_form.get_by_role("button", name="Apply to shopify").click()
    assert "shopify: outage" in tools.locator(".messagelist").inner_text().lower()
    tools.goto(f"{world}/admin/console/integrations/shopify/")
    tools.get_by_role("button", name="Probe now").click()
    assert "probed shopify: fail" in tools.locator(".messagelist").inner_text().lower()

    # Then the board turns Shopify red by itself, without a reload, and says how fresh it is
    board.bring_to_front()
    board.wait_for_function(
        """() => document.querySelector('[data-slug="shopify"] [data-field="status"] .hd-badge')
                  .textContent === 'down'""",
        timeout=WAIT_MS,
    )
    assert board.evaluate("window.__sameDocument") is True
    assert re.match(r"updated \d+ s ago", board.locator("#hd-age").inner_text())
    assert board.locator('[data-total="open_incidents"]').inner_text() == "1"
    shots(board, "status-board", full_page=False, readme=True)

    # When the operator opens the incident from the card and acknowledges it with a note
    board.locator('[data-slug="shopify"] [data-field="incident"] a').click()
    board.wait_for_url(re.compile(r".*/console/incidents/\d+/$"))
    board.fill("#id_note", "Looking at it: sandbox drill")
    board.get_by_role("button", name="Acknowledge").click()

    # Then the incident is acknowledged, on its timeline with the note
    assert "acknowledged" in board.locator(".messagelist").inner_text().lower()
    assert "Looking at it: sandbox drill" in board.locator(".hd-timeline").inner_text()
    incident = Incident.objects.get(integration__slug="shopify")
    assert incident.status == Incident.Status.ACKNOWLEDGED
    shots(board, "incident-page", full_page=False, readme=True)

    # When an approver asks for live mode from the integration page
    ada = login("ada")
    ada.goto(f"{world}/admin/console/integrations/shopify/?window=7d")
    shots(ada, "integration-page", full_page=False, readme=True)
    ada.fill('form[action$="request-live/"] input[name="reason"]', "Token rotated and verified")
    ada.get_by_role("button", name="Request live mode").click()
    ada.locator(".messagelist a").click()
    ada.wait_for_url(re.compile(r".*/approvalrequest/\d+/change/$"))

    # Then she sees no Approve button on her own request
    assert "This is your own request" in ada.locator("#content").inner_text()
    assert ada.get_by_role("button", name="Approve").count() == 0

    # When a second approver opens the inbox and approves it
    bob = login("bob")
    bob.goto(f"{world}/admin/approvals/approvalrequest/?status__exact=pending")
    shots(bob, "approvals-inbox", full_page=False, readme=True)
    bob.get_by_role("link", name="integrations.switch_live").first.click()
    shots(bob, "approval-request")
    bob.fill("#id_decision_comment", "Checked the token scopes")
    bob.get_by_role("button", name="Approve").click()
    assert "approve recorded" in bob.locator(".messagelist").inner_text().lower()
    request = ApprovalRequest.objects.get(action="integrations.switch_live")
    # (a policy may ask for more sign-offs, e.g. while an error budget is spent)
    assert request.decisions.filter(approver_name="bob", verdict="approve").exists()
    assert not request.decisions.filter(approver_name="ada").exists()

    # Then the audit trail shows every step, and its chain verifies
    board.goto(f"{world}/admin/approvals/auditevent/")
    trail = board.locator("#result_list").inner_text()
    for verb in (
        "sandbox.apply",
        "integration.probe",
        "incident.acknowledge",
        "approval.requested",
        "approval.approve",
    ):
        assert verb in trail, verb
    board.get_by_role("button", name="Verify chain").click()
    assert "chain intact" in board.locator(".messagelist").inner_text().lower()
    shots(board, "audit-trail", full_page=False)

    # And the operator clears the fault again
    tools.goto(f"{world}/admin/console/sandbox/")
    tools.locator('[id="sb-shopify"]').get_by_role("button", name="Clear shopify").click()
    assert "shopify: faults cleared" in tools.locator(".messagelist").inner_text().lower()
    assert AuditEvent.objects.filter(verb="sandbox.clear").exists()


def test_console_works_by_keyboard_and_in_a_narrow_window(world, login, shots):
    # Given an operator in a phone-sized window
    page = login("otto", width=400, height=860)

    # Then nothing on the board is wider than the window
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    shots(page, "status-board-narrow")

    # When they tab to "Probe now" on an integration page and press Enter
    page.goto(f"{world}/admin/console/integrations/ga4/")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Probe now":
            break
    else:
        pytest.fail("'Probe now' is not reachable with the Tab key")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")

    # Then the probe ran
    assert "probed ga4" in page.locator(".messagelist").inner_text().lower()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
