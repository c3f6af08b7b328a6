"""Request ids: every request carries one, every audit event it causes records it."""

from __future__ import annotations

import re
import uuid

from approvals.audit.context import (
    RequestContext,
    normalise_ip,
    request_context_reset,
    request_context_set,
)

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


class RequestIdMiddleware:
    """Take a well-formed incoming `X-Request-ID` (from the proxy) or make one; echo it back.

    Sets `request.request_id` and the audit request context for the duration of
    the request. The client address is REMOTE_ADDR: forwarded headers are not
    trusted here (a proxy that sets them is configured at the server).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request.request_id = incoming if _ACCEPTABLE.match(incoming) else uuid.uuid4().hex
        context = RequestContext(request.request_id, normalise_ip(request.META.get("REMOTE_ADDR")))
        token = request_context_set(context)
        try:
            response = self.get_response(request)
        finally:
            request_context_reset(token)
        response[HEADER] = request.request_id
        return response
