"""`manage.py token_create USERNAME --name NAME [--days N]`: a new API token, printed once."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from approvals.audit import audit_record
from hotdash.models import ApiToken


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
        if days is not None and not 1 <= days <= 3650:
            raise CommandError("--days must be between 1 and 3650")
        token = ApiToken(user=user, name=name[:100])
        if days:
            token.expires_at = timezone.now() + timedelta(days=days)
        key = token.issue()
        token.save()
        audit_record(actor=None, verb="api_token.create", target=token, changes={"user": username})
        self.stdout.write(key)
