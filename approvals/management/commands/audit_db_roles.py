"""`manage.py audit_db_roles`: print the PostgreSQL SQL for an owner role that runs
migrations and an application role that only reads and writes rows, with the audit
tables insert-only (approvals.audit.db_roles). It prints; it runs nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from approvals.audit.db_roles import db_role_sql


class Command(BaseCommand):
    help = "Print the SQL for least-privilege PostgreSQL roles (owner for migrate, app for rows)."

    def add_arguments(self, parser):
        parser.add_argument("--owner", default="hotdash_owner", help="role that runs migrate")
        parser.add_argument("--app", default="hotdash_app", help="role the application uses")
        parser.add_argument("--database", default="hotdash")
        parser.add_argument("--schema", default="public")

    def handle(self, *args, **options):
        try:
            parts = db_role_sql(
                owner=options["owner"],
                app=options["app"],
                database=options["database"],
                schema=options["schema"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        for title, statements in parts:
            self.stdout.write(f"-- {title}")
            for statement in statements:
                self.stdout.write(f"{statement};")
            self.stdout.write("")
