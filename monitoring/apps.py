from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        """Register monitoring's actions (re-probe) and its approvals policy (one more
        approver while an integration's error budget is exhausted) with approvals."""
        from monitoring import actions
        from monitoring.slo import policy

        actions.register_all()
        policy.register()
