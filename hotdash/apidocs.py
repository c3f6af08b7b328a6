"""The API's pages around its operations: Redoc served offline from drf-spectacular-sidecar's
static files, the schema of the API root (hotdash.views.ApiRootView), and the 404 of a URL
under /api/ that matches no route, in the API's error shape instead of Django's HTML page.

Redoc renders in the browser from the schema and searches it in a Web Worker it starts
from a `blob:` URL, so its page allows exactly that on top of the site's policy.
drf-spectacular's own Redoc template loads Google Fonts, hence a page of our own: no CDN.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.views.defaults import page_not_found
from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from hotdash.csp import DEFAULT_POLICY, policy_header

REDOC_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="{schema}"></redoc><script src="{script}"></script></body></html>"""


class RedocView(APIView):
    """GET /api/redoc/: the schema as Redoc renders it (readable without logging in)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(exclude=True)  # a page about the API, not part of it
    def get(self, request):
        page = format_html(
            REDOC_PAGE,
            title=settings.SPECTACULAR_SETTINGS["TITLE"],
            schema=reverse("schema"),
            script=static("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"),
        )
        response = HttpResponse(page)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
        if policy:
            response["Content-Security-Policy"] = policy_header(
                {**policy, "worker-src": "'self' blob:"}
            )
        return response


API_LINKS_SCHEMA = {
    "type": "object",
    "description": "Each resource's name and its absolute URL.",
    "additionalProperties": {"type": "string", "format": "uri"},
}


class ApiRootSchema(OpenApiViewExtension):
    """The API root's summary and answer (the view itself is hotdash.views.ApiRootView)."""

    target_class = "hotdash.views.ApiRootView"

    def view_replacement(self):
        return extend_schema_view(
            get=extend_schema(
                summary="API root",
                operation_id="root",
                description="A link to every resource of /api/v1/, the schema and its docs "
                "(any role).",
                responses={200: API_LINKS_SCHEMA},
            )
        )(type("ApiRootView", (self.target_class,), {}))


def not_found(request, exception=None):
    """handler404: `{"code": "not_found", "detail"}` under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)
    return page_not_found(request, exception)
