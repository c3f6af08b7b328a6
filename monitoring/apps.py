from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        """Register monitoring's actions (re-probe) with approvals."""
        from monitoring import actions

        actions.register_all()
