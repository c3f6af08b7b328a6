"""The admin site of the operator console: the status board is its home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

from hotdash.console import board, permissions


class ConsoleSite(admin.AdminSite):
    """`admin.site` (see apps.ConsoleAdminConfig): every model admin registers here as usual;
    the index is the status board, with the standard app list below it."""

    site_header = "HotDash Operator Control Center"
    site_title = "HotDash"
    index_title = "Status board"
    index_template = "admin/console/index.html"
    # The console's bar under the header reaches every area (and "All models"), so the
    # model sidebar would only take width from wide tables.
    enable_nav_sidebar = False

    def get_urls(self):
        from hotdash.console.urls import console_urls

        return console_urls(self) + super().get_urls()

    def each_context(self, request):
        """Every admin page: whether the Sandbox control page exists here (for the nav)."""
        context = super().each_context(request)
        context["sandbox_console"] = bool(getattr(settings, "SANDBOX_CONSOLE_ENABLED", True))
        return context

    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        if permissions.can_view(request.user):
            context.update(board.board_context(request))
        return super().index(request, context)
