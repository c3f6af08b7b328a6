from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        """Register monitoring's actions (re-probe), its approvals policy (one more approver
        while an integration's error budget is exhausted), what the roles may do with
        monitoring's models, and monitoring's system checks."""
        from django.core import checks as django_checks

        from approvals import roles
        from monitoring import actions, checks
        from monitoring.slo import policy

        actions.register_all()
        policy.register()
        roles.declare(
            "monitoring",
            view=[
                "checkresult",
                "statetransition",
                "checkrollup",
                "incident",
                "incidentevent",
                "channel",
                "notification",
                "maintenancewindow",
                "finding",
                "flowcount",
                "signalstate",
            ],
            operate=[
                "change_incident",  # acknowledge, resolve
                "add_incidentevent",  # notes on the timeline
                "add_maintenancewindow",
                "change_maintenancewindow",
                "change_finding",  # resolve a reviewed finding
            ],
            # The probe loop's slot locks: internal bookkeeping with no console page, and
            # nothing a person should read or touch (docs/architecture.md, "Lease").
            hidden=["lease"],
        )
        django_checks.register(checks.playbooks_check)
        django_checks.register(checks.integration_playbooks_check, django_checks.Tags.database)
        django_checks.register(checks.settings_check)
