"""The board's event feed as an HTML fragment, fetched by console.js between full loads."""

from __future__ import annotations

from django.shortcuts import render

from hotdash.console import board, permissions


def feed_view(request):
    permissions.require_view(request)
    return render(request, "admin/console/_feed.html", {"feed": board.feed()})
