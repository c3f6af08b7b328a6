from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Governance"

    def ready(self) -> None:
        """Register governance's own actions, the admin-log hook of the audit trail, what
        the roles may do with governance's models, and the role system checks."""
        from django.core import checks as django_checks

        from approvals import actions, admin_audit, checks, roles

        actions.register_all()
        admin_audit.connect()
        roles.declare(
            "approvals",
            view=[
                "featureflag",
                "approvalrequest",
                "approvaldecision",
                "auditevent",
                "auditcheckpoint",  # the chain's heads, read by audit_verify
            ],
            operate=["add_approvalrequest"],
            approve=["change_approvalrequest", "add_approvaldecision"],
        )
        django_checks.register(checks.roles_coverage_check)
        django_checks.register(checks.roles_names_check)
