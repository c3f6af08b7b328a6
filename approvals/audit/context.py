"""Who is acting and under which request: the actor and the request context of an audit event.

`RequestIdMiddleware` (approvals.middleware) puts the request id and client IP
in a context variable, so services deep below a view record them without
passing the request around. Jobs and commands have no request: their events
carry an empty request id and no IP.
"""

from __future__ import annotations

import contextvars
import ipaddress
from dataclasses import dataclass, field

_request_context: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "approvals_request_context", default=None
)


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None
    token_user_id: int | None = None  # set when the request authenticated with an API token


@dataclass(frozen=True)
class Actor:
    """Who did it. `snapshot` copies who they were, so history survives the user."""

    type: str
    id: int | None = None
    name: str = ""
    snapshot: dict = field(default_factory=dict)

    @classmethod
    def system(cls, name: str) -> Actor:
        """A job or command of the platform itself (`probe-loop`, `approvals-sweeper`)."""
        return cls(type="system", name=name)

    @classmethod
    def webhook(cls, source: str) -> Actor:
        return cls(type="webhook", name=source)

    @classmethod
    def from_user(cls, user, *, via_token: bool = False) -> Actor:
        """A person (or their API token). Anonymous users become `anonymous`."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(type="anonymous", name="anonymous")
        groups = sorted(user.groups.values_list("name", flat=True))
        snapshot = {
            "username": user.get_username(),
            "email": getattr(user, "email", ""),
            "is_superuser": bool(user.is_superuser),
            "groups": groups,
        }
        via_token = via_token or request_context_get().token_user_id == user.pk
        kind = "token" if via_token else "user"
        return cls(type=kind, id=user.pk, name=user.get_username()[:150], snapshot=snapshot)


def actor_of(actor) -> Actor:
    """Normalise what callers pass as `actor`: an Actor, a user, a request, or None (system)."""
    if isinstance(actor, Actor):
        return actor
    if actor is None:
        return Actor.system("system")
    if hasattr(actor, "META"):  # an HttpRequest or a DRF Request
        # TokenAuthentication sets `auth` to the Token; sessions (and plain Django) leave None.
        return Actor.from_user(actor.user, via_token=getattr(actor, "auth", None) is not None)
    return Actor.from_user(actor)


def normalise_ip(raw: str | None) -> str | None:
    """The address as PostgreSQL's inet returns it (compressed), or None when unparsable."""
    if not raw:
        return None
    try:
        return ipaddress.ip_address(raw.strip()).compressed
    except ValueError:
        return None


def request_context_set(context: RequestContext | None) -> contextvars.Token:
    return _request_context.set(context)


def request_context_reset(token: contextvars.Token) -> None:
    _request_context.reset(token)


def request_context_get() -> RequestContext:
    return _request_context.get() or RequestContext()


def request_context_note_token(request) -> None:
    """After DRF authentication: mark this request's user as acting through an API token,
    so audit events record actor type `token` (called by the API views' `initial`)."""
    if getattr(request, "auth", None) is None or not request.user.is_authenticated:
        return
    current = request_context_get()
    _request_context.set(RequestContext(current.request_id, current.ip, request.user.pk))
