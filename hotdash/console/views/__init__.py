"""Thin console views: check the role or permission, call one service, redirect with a message."""

from __future__ import annotations

from django.contrib import admin

from hotdash.console import permissions


def page_context(request, title: str, **extra) -> dict:
    """The admin's own context (site header, nav, user tools) plus the page's."""
    return {
        **admin.site.each_context(request),
        "title": title,
        "controls": permissions.controls_for(request.user),
        **extra,
    }
