from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Governance"

    def ready(self) -> None:
        """Register governance's own actions and the admin-log hook of the audit trail."""
        from approvals import actions, admin_audit

        actions.register_all()
        admin_audit.connect()
