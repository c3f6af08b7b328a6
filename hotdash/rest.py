"""The API's shared conventions, for every app's `api/` package.

A leaf module (it imports no app), like hotdash.errors:
- `StrictFilterBackend`: unknown query parameters are a 400 naming the allowed ones.
- `StrictOrderingFilter`: an unknown ordering field is a 400 naming the allowed ones.
- `StrictCursorPagination`: signed cursors; a tampered one is a 400, not a 404.
- `StrictLimitOffsetPagination`: `limit` and `offset` that are not numbers are a 400.
- `MutationRateThrottle`: per-user rate limit on POST/PUT/PATCH/DELETE only.
- `micro_cached`: a couple of seconds of per-process caching for hot dashboard reads.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from datetime import UTC
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import django_filters
from django import forms
from django.conf import settings
from django.core.signing import BadSignature, Signer
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination, LimitOffsetPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle
from rest_framework.utils.urls import replace_query_param

from hotdash.errors import ValidationFailed


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time, turned into UTC before it reaches the database: PostgreSQL refuses
    offsets beyond ±15:59 (a 500 otherwise), and a time whose UTC form leaves the calendar
    (year 1 with a positive offset) is a clear 400 naming the field."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(
                "The time is out of range once converted to UTC.", code="invalid"
            ) from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`IsoDateTimeFilter` whose value is always UTC (see UtcIsoDateTimeField)."""

    field_class = UtcIsoDateTimeField


def paging_params(view) -> set[str]:
    """The query parameters the view's paginator and ordering filter understand."""
    paginator = getattr(view, "paginator", None)
    names = {"format"}
    for attr in ("limit_query_param", "offset_query_param", "cursor_query_param"):
        names.add(getattr(paginator, attr, None))
    names.add(getattr(paginator, "page_size_query_param", None))
    if getattr(view, "ordering_fields", None):
        names.add("ordering")
    return names - {None}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing parameters it does not know instead of ignoring them."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(filterset_class.base_filters) if filterset_class else set()
        known |= paging_params(view) | set(getattr(view, "extra_query_params", ()))
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationFailed(
                f"Unknown query parameter(s): {', '.join(unknown)}.",
                code="unknown_filter",
                extra={"allowed": sorted(known - {"format"})},
            )
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` with the view's `ordering_fields` only; anything else is a 400."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            asked = [term.strip() for term in params.split(",") if term.strip()]
            bad = [term for term in asked if term.lstrip("-") not in allowed]
            if bad:
                raise ValidationFailed(
                    f"Cannot order by {', '.join(bad)}.",
                    code="unknown_ordering",
                    extra={"allowed": sorted(allowed)},
                )
        return super().get_ordering(request, queryset, view)


MAX_OFFSET = 1_000_000_000


def query_int(request, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
    """The whole number in query parameter `name`, None when absent or empty (a form's
    "not given"); anything else, or a number out of bounds, is a 400 `invalid` naming it.
    DRF's paginators silently fall back to their default instead."""
    raw = request.query_params.get(name, "")
    if raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        bounds = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise ValidationFailed(
            "Input is invalid.", extra={"errors": {name: [f"A whole number {bounds}."]}}
        )
    return value


def _bounded(parameters: list[dict], bounds: dict[str, dict]) -> list[dict]:
    """DRF's paging parameters with their bounds, and empty values allowed (not given)."""
    for parameter in parameters:
        parameter["schema"].update(bounds.get(parameter["name"], {}))
        parameter["allowEmptyValue"] = True
    return parameters


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset paging (50 by default, larger limits are cut to 500) whose parameters,
    when given, must be whole numbers: `limit` from 1, `offset` from 0."""

    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        limit = query_int(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return query_int(request, self.offset_query_param, minimum=0, maximum=MAX_OFFSET) or 0

    def get_schema_operation_parameters(self, view):
        bounds = {"limit": {"minimum": 1}, "offset": {"minimum": 0, "maximum": MAX_OFFSET}}
        return _bounded(super().get_schema_operation_parameters(view), bounds)


class StrictCursorPagination(CursorPagination):
    """Cursor paging for tables that grow. Cursors are signed, so one that was
    edited (or made up) is a 400 instead of silently landing on another page; an
    empty one is the first page, and a `limit` that is not a whole number is a 400."""

    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    signer = Signer(salt="hotdash.rest.cursor")

    def get_page_size(self, request):
        size = query_int(request, self.page_size_query_param, minimum=1)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        bounds = {self.page_size_query_param: {"minimum": 1}}
        return _bounded(super().get_schema_operation_parameters(view), bounds)

    def encode_cursor(self, cursor):
        url = super().encode_cursor(cursor)
        raw = parse_qs(urlsplit(url).query)[self.cursor_query_param][0]
        return replace_query_param(url, self.cursor_query_param, self.signer.sign(raw))

    def decode_cursor(self, request):
        signed = request.query_params.get(self.cursor_query_param)
        if not signed:
            return None
        try:
            raw = self.signer.unsign(signed)
            return super().decode_cursor(
                SimpleNamespace(query_params={self.cursor_query_param: raw})
            )
        except (BadSignature, NotFound):
            raise ValidationFailed(
                "The page cursor is invalid; start again from the first page.",
                code="invalid_cursor",
            ) from None


class MutationRateThrottle(UserRateThrottle):
    """A courtesy limit on changes (scope `mutations`); reads are never throttled."""

    scope = "mutations"

    def allow_request(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        allowed = super().allow_request(request, view)
        if self.rate is not None:
            _note_rate_limit(request, self)
        return allowed


def _note_rate_limit(request, throttle: SimpleRateThrottle) -> None:
    """Leave the limit, what is left of it and when it resets on the Django request, for
    RateLimitHeadersMiddleware (an allowed request is already in `history`)."""
    history, now = throttle.history, throttle.now
    remaining = max(0, throttle.num_requests - len(history))
    reset = throttle.duration - (now - history[-1]) if history else 0
    target = getattr(request, "_request", request)
    target.rate_limit = (throttle.num_requests, remaining, max(0, math.ceil(reset)))


class RateLimitHeadersMiddleware:
    """`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the
    oldest counted request leaves the window) on every answer to a throttled change, so a
    client can slow down before it gets a 429 (the IETF RateLimit header fields)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        noted = getattr(request, "rate_limit", None)
        if noted is not None:
            limit, remaining, reset = noted
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        return response


class MicroCache:
    """A per-process cache of rendered JSON answers for a second or two ("micro-caching").

    Dashboards poll the same few reads many times a second across users; within
    `seconds` they all get the same bytes instead of the same queries. Only used on
    reads whose answer does not depend on who asks (every role reads the same data),
    and only after DRF has authenticated, authorised and throttled the request.
    """

    def __init__(self, max_entries: int = 512):
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry and entry[0] > time.monotonic():
            return entry[1]
        return None

    def put(self, key: str, body: bytes, seconds: float) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + seconds, body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


MICRO_CACHE = MicroCache()


def micro_cached(handler):
    """Wrap a GET handler of an APIView: serve the JSON rendered in the last couple of
    seconds for the same URL, else render, remember and serve it."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        seconds = settings.API_MICRO_CACHE_SECONDS
        if not seconds or request.accepted_renderer.format != "json":
            return handler(self, request, *args, **kwargs)
        key = request.get_full_path()
        body = MICRO_CACHE.get(key)
        if body is None:
            response = handler(self, request, *args, **kwargs)
            if response.status_code != 200 or not isinstance(response, Response):
                return response
            body = JSONRenderer().render(response.data)
            MICRO_CACHE.put(key, body, seconds)
        return HttpResponse(body, content_type="application/json")

    return wrapper
