"""Logins on the audit trail (django-axes counts failures by hotdash.proxies.client_ip).

django-axes (settings: AXES_*) counts failed logins per user name and per address and
refuses a locked-out login before any password is checked. This module records what a
person investigating would ask for, on the hash-chained audit trail:

    auth.login_failed    each failed attempt up to the limit (the name tried, the count)
    auth.locked_out      the attempt that reached the limit, once per lockout

Attempts made while locked out are not recorded one by one: django-axes counts them in
its `AccessAttempt` row and each one restarts the cool-off. So one address or one user
name writes at most LOGIN_FAILURE_LIMIT + 1 audit rows per cool-off, however hard it is
hammered (tests/security/test_logins.py). A password is never recorded in any form.
A successful login is not an audit row: Django keeps the user's `last_login`, and the
actions a session takes are audited themselves.
"""

from __future__ import annotations

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from approvals.audit import Actor, audit_record
from approvals.models import AuditEvent

USERNAME_LIMIT = 150


def _tried(credentials: dict | None) -> str:
    name = (credentials or {}).get(get_user_model().USERNAME_FIELD) or ""
    return str(name)[:USERNAME_LIMIT]


def _target(username: str):
    """The account tried, when it exists (so its history shows the attempts)."""
    user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: username}).first()
    return user


@receiver(user_login_failed, dispatch_uid="hotdash.logins.failed")
def login_failed(sender, credentials, request=None, **kwargs) -> None:
    """One row per failure below the limit; django-axes has counted it already
    (its receiver is connected first), so the count is the one the lockout uses."""
    if request is None:
        return
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None or failures >= settings.AXES_FAILURE_LIMIT:
        return  # the lockout row records the attempt that reached the limit; later ones are counted
    username = _tried(credentials)
    audit_record(
        actor=Actor(type="anonymous", name="anonymous"),
        verb="auth.login_failed",
        target=_target(username),
        changes={"username": username, "failures": failures},
        outcome=AuditEvent.Outcome.DENIED,
        request=request,
    )


@receiver(user_locked_out, dispatch_uid="hotdash.logins.locked_out")
def login_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """Once, on the failure that reaches the limit (django-axes sends the signal again
    for every attempt while locked out; those restart the cool-off and are not rows)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    name = str(username or "")[:USERNAME_LIMIT]
    audit_record(
        actor=Actor(type="anonymous", name="anonymous"),
        verb="auth.locked_out",
        target=_target(name),
        changes={
            "username": name,
            "failures": failures,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        outcome=AuditEvent.Outcome.DENIED,
        reason="Too many failed logins.",
        request=request,
    )
