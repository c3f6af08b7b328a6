"""`manage.py token_create USERNAME --name NAME [--days N]`: a new API token, printed once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from hotdash.models import ApiToken
from hotdash.tokens import DAYS, token_issue


class Command(BaseCommand):
    help = "Create an API token for a user and print it (the only time it is shown)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="what the token is for")
        parser.add_argument("--days", type=int, default=None, help="expire after N days")

    def handle(self, *args, username: str, name: str, days: int | None, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        if days is not None and not DAYS[0] <= days <= DAYS[1]:
            raise CommandError(f"--days must be between {DAYS[0]} and {DAYS[1]}")
        key = token_issue(token=ApiToken(user=user, name=name[:100]), actor=None, days=days)
        self.stdout.write(key)
