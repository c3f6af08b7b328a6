"""The Content-Security-Policy header on every answer (settings.CONTENT_SECURITY_POLICY).

Scripts, styles, fonts and images come from this origin only; no inline script and no
`eval` run, no plugin loads, no other site frames the console, and forms post only here.
Inline `style` attributes stay allowed: the console's badges and server-side SVG charts
use them, and a style cannot run code. The console and Swagger UI (served split, its
start-up script a file of its own) work under it; tests/browser checks that no page
reports a violation. Django 5.2 has no CSP support of its own (6.0 adds it); a header
is all this needs, so no library.
"""

from __future__ import annotations

from django.conf import settings

DEFAULT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_header(policy: dict[str, str]) -> str:
    """`{"default-src": "'self'", …}` as the header's value: `default-src 'self'; …`."""
    return "; ".join(f"{directive} {sources}".strip() for directive, sources in policy.items())


class ContentSecurityPolicyMiddleware:
    """Adds the header unless the view set its own; an empty policy turns it off."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
        self.header = policy_header(policy) if policy else ""

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header
        return response
