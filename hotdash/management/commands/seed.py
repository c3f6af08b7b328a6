"""`manage.py seed`: the catalogue, roles, schedules and alert channels; idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from approvals.roles import roles_seed
from hotdash.demo import demo_users_ensure
from hotdash.identity import identity_publish
from hotdash.progress import Progress
from hotdash.schedules import schedules_ensure
from integrations.services import catalogue_seed
from monitoring.services.alerting import channels_seed


class Command(BaseCommand):
    help = "Seed the Hot Rod AN catalogue, role groups, job schedules and alert channels."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-users",
            action="store_true",
            help="Also create the demo logins (admin, operator, approver, approver2) and print them.",
        )

    def handle(self, *args, demo_users: bool = False, **options):
        # The web's identity too, for the job clusters started next (hotdash/identity.py).
        steps = [catalogue_seed, roles_seed, schedules_ensure, channels_seed, identity_publish]
        done = []
        with Progress(len(steps), "seeding", every=20) as bar:  # progress on stderr
            for step in steps:
                done.append(step())
                bar.advance()
        counts, roles, schedules, channels, _identity = done
        self.stdout.write(
            f"integrations: {counts['created']} created, {counts['existing']} already there; "
            f"alert channels created: {channels}; "
            f"roles: {', '.join(roles)}; schedules: {len(schedules)}"
        )
        if demo_users:
            for login in demo_users_ensure():
                self.stdout.write(
                    f"login: {login.username:<10} password: {login.password}  ({login.role})"
                )
