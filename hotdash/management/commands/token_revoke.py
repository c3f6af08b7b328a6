"""`manage.py token_revoke PREFIX`: revoke an API token at once (audited).

PREFIX is what `token_list` shows (`hd_1a2b3c4d`) or the start of the key itself. Exit
status 1 with one line when no token has that prefix or it is already revoked.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hotdash.errors import DomainError
from hotdash.tokens import token_by_prefix, token_revoke


class Command(BaseCommand):
    help = "Revoke an API token by its prefix (as token_list shows it)."

    def add_arguments(self, parser):
        parser.add_argument("prefix")

    def handle(self, *args, prefix: str, **options):
        try:
            token = token_revoke(token=token_by_prefix(prefix), actor=None)
        except DomainError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"revoked hd_{token.prefix} ({token.user.get_username()}: {token.name})")
