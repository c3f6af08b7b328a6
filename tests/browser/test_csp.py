"""The console, the browsable API and Swagger UI work under the Content-Security-Policy.

Issue 15 item 2: a strict policy (hotdash/csp.py: scripts from this origin only, no inline
script, no eval) must not break a page. Each page is opened in Chromium, which reports
every blocked script, style or image as a `securitypolicyviolation` event; none may fire,
and each page's own script must have run (the board's poller, Swagger UI's start-up).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser

# Recorded before any page script runs; Playwright's init script is not subject to the CSP.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

PAGES = [
    "/admin/",
    "/admin/console/integrations/shopify/",
    "/admin/console/sla-report/",
    "/admin/console/sandbox/",
    "/admin/monitoring/incident/",
    "/admin/approvals/approvalrequest/",
    "/admin/approvals/auditevent/",
    "/admin/integrations/integration/shopify/change/",
    "/api/v1/health/summary/",
]


@pytest.fixture
def seeded(live_server, sandbox, settings):
    settings.SANDBOX_URL = sandbox.url
    call_command("seed", stdout=io.StringIO())
    return live_server.url


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


@pytest.mark.parametrize("path", PAGES)
def test_console_page__under_the_policy__no_violation(seeded, login, superuser, path):
    page = login(superuser.username)
    page.add_init_script(WATCH)

    response = page.goto(seeded + path)
    page.wait_for_load_state("networkidle")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert violations(page) == []


def test_board__its_script_runs_under_the_policy(seeded, login, superuser):
    page = login(superuser.username)
    page.add_init_script(WATCH)
    page.goto(seeded + "/admin/")
    # console.js stamps the board (data-refreshed) once a poll of the API has been drawn.
    page.wait_for_selector("[data-refreshed]", state="attached", timeout=45_000)
    assert violations(page) == []


def test_swagger_ui__renders_under_the_policy(seeded, login, superuser):
    page = login(superuser.username)
    page.add_init_script(WATCH)

    page.goto(seeded + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)

    assert "HotDash" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10  # the operations were drawn
    assert violations(page) == []
