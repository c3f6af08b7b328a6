"""What monitoring's API views share: the permission and throttle base, window and
integration parameters, CSV responses."""

from __future__ import annotations

from itertools import chain, islice

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from approvals.permissions import ReadOrOperate
from hotdash.errors import ValidationFailed
from hotdash.rest import MutationRateThrottle
from integrations.models import Integration
from monitoring import selectors

WINDOW = OpenApiParameter("window", OpenApiTypes.STR, enum=list(selectors.WINDOWS), default="24h")
INTEGRATION = OpenApiParameter("integration", OpenApiTypes.STR, description="integration slug")


def csv_response(rows, name: str) -> StreamingHttpResponse:
    """Stream `rows` (CSV lines, the header first) as an attachment.

    The header and the first row are produced before the answer starts, which runs the
    query: a filter the database refuses then fails this request with its error, instead
    of a 200 that streams the header and stops (which reads as "no rows").
    """
    rows = iter(rows)
    first = list(islice(rows, 2))
    response = StreamingHttpResponse(chain(first, rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="hotdash-{name}-{stamp}.csv"'
    return response


def window_param(request, default: str = "24h"):
    """(name, timedelta) of `?window=`; empty or absent is the default, like every filter."""
    name = request.query_params.get("window") or default
    if name not in selectors.WINDOWS:
        raise ValidationFailed(
            f"Unknown window {name!r}.",
            code="unknown_window",
            extra={"allowed": list(selectors.WINDOWS)},
        )
    return name, selectors.WINDOWS[name]


def integration_param(request) -> int | None:
    """The id of the integration named by `?integration=` (None when absent or empty); an
    unknown slug is a 404, and a slug with a NUL a 400 (PostgreSQL refuses NUL in text)."""
    slug = request.query_params.get("integration")
    if not slug:
        return None
    if "\x00" in slug:
        raise ValidationFailed(
            "Input is invalid.", extra={"errors": {"integration": ["No NUL characters."]}}
        )
    return get_object_or_404(Integration, slug=slug).pk


class Base:
    permission_classes = [ReadOrOperate]
    throttle_classes = [MutationRateThrottle]
