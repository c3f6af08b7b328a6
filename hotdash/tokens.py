"""API token writes: issue and revoke, each on the audit trail. The console (hotdash/admin.py)
and the commands (`token_create`, `token_revoke`) call these; `token_list` reads."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from approvals.audit import audit_record
from hotdash.errors import Conflict, NotFound
from hotdash.models import ApiToken

DAYS = (1, 3650)


def token_issue(*, token: ApiToken, actor, days: int | None = None, request=None) -> str:
    """Give the unsaved `token` (user and name set) a key, save it, audit it; returns the
    key, the only time it exists. `days` sets an expiry (1–3650)."""
    if days is not None:
        token.expires_at = timezone.now() + timedelta(days=days)
    key = token.issue()
    with transaction.atomic():
        token.save()
        audit_record(
            actor=actor,
            verb="api_token.create",
            target=token,
            changes={"user": token.user.get_username(), "name": token.name},
            request=request,
        )
    return key


def token_revoke(*, token: ApiToken, actor, request=None) -> ApiToken:
    """Revoke at once (the next request with it is a 401). Raises Conflict if it already is."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not changed:
            raise Conflict(f"Token {token.prefix} is already revoked.", code="already_revoked")
        audit_record(actor=actor, verb="api_token.revoke", target=token, request=request)
    token.refresh_from_db()
    return token


def token_by_prefix(prefix: str) -> ApiToken:
    """The token whose key starts `hd_<prefix>_`; `prefix` may be given as `hd_<prefix>`.
    Raises NotFound."""
    prefix = prefix.removeprefix("hd_").split("_")[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None:
        raise NotFound(f"No token with prefix {prefix!r}.", code="token_not_found")
    return token
