"""The content negotiation of every API (REST_FRAMEWORK's DEFAULT_CONTENT_NEGOTIATION_CLASS).

A leaf module of its own, like hotdash.parsers: DRF imports it while it defines `APIView`,
so it imports only DRF's negotiation and exceptions.
"""

from __future__ import annotations

from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class StrictContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, except that a `?format=` no renderer gives is a 406
    `not_acceptable`, like an `Accept` header no renderer gives (DRF raises a 404, which
    reads as "no such object")."""

    def filter_renderers(self, renderers, format):
        try:
            return super().filter_renderers(renderers, format)
        except Http404:
            raise NotAcceptable(f"No representation in format {format!r}.") from None
