"""`manage.py token_list [--user NAME] [--all]`: the API tokens, never their keys.

One line per token: prefix (the `hd_<prefix>_…` a person sees in their key), user, name,
state (active, expired or revoked), created, expires and last used. Revoked and expired
tokens are listed with `--all`. Exit status 0.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hotdash.models import ApiToken

COLUMNS = ("prefix", "user", "name", "state", "created", "expires", "last used")


def _day(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def state_of(token: ApiToken, now) -> str:
    if token.revoked_at:
        return "revoked"
    if token.expires_at and token.expires_at <= now:
        return "expired"
    return "active"


class Command(BaseCommand):
    help = "List API tokens (prefix, user, name, state, dates); keys are never shown."

    def add_arguments(self, parser):
        parser.add_argument("--user", help="only this user's tokens")
        parser.add_argument(
            "--all", action="store_true", dest="everything", help="include revoked and expired"
        )

    def handle(self, *args, user: str | None, everything: bool, **options):
        tokens = ApiToken.objects.select_related("user").order_by("user__username", "created_at")
        if user:
            tokens = tokens.filter(user__username=user)
        if not everything:
            tokens = tokens.usable()
        now = timezone.now()
        rows = [
            (
                f"hd_{t.prefix}",
                t.user.get_username(),
                t.name,
                state_of(t, now),
                _day(t.created_at),
                _day(t.expires_at),
                _day(t.last_used_at),
            )
            for t in tokens
        ]
        if user and not rows and not _user_exists(user):
            raise CommandError(f"no user {user!r}")
        widths = [max(len(str(r[i])) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            self.stdout.write(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )


def _user_exists(username: str) -> bool:
    return get_user_model().objects.filter(username=username).exists()
