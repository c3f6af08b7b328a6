"""Admin saves and deletes on the audit trail.

Two layers, so that every admin in every app is covered without importing them:

* `AuditedAdminMixin` (for any ModelAdmin): hooks the admin's own
  `log_addition` / `log_change` / `log_deletions` and records the changed fields
  with their before → after values, and every object of a bulk deletion.
* For admins without the mixin, a receiver on Django's admin LogEntry records
  each single add/change/delete with the admin's change message (field names).
  Django writes bulk deletions of several objects with bulk_create, which sends
  no signal: those are covered by the mixin only.
"""

from __future__ import annotations

import contextvars

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save

from approvals.audit import audit_record
from approvals.audit.chain import json_native

VERBS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}

_recorded_by_mixin: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "approvals_admin_recorded", default=False
)


def connect() -> None:
    post_save.connect(_on_log_entry, sender=LogEntry, dispatch_uid="approvals.admin_log_audit")


def _on_log_entry(sender, instance: LogEntry, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw or _recorded_by_mixin.get():
        return
    content_type = instance.content_type
    model = content_type.model_class() if content_type else None
    kind = model._meta.label if model else f"{content_type.app_label}.{content_type.model}"
    audit_record(
        actor=instance.user,
        verb=VERBS.get(instance.action_flag, "admin.action"),
        target=(kind, instance.object_id or "", instance.object_repr),
        changes={"message": instance.get_change_message()},
    )


def form_diff(form) -> dict:
    """{field: {"before": …, "after": …}} for the fields the form changed."""
    diff = {}
    for name in form.changed_data:
        before, after = form.initial.get(name), form.cleaned_data.get(name)
        diff[name] = {"before": _plain(before), "after": _plain(after)}
    return diff


def _plain(value):
    if hasattr(value, "__iter__") and not isinstance(value, str | dict | list | bytes):
        return [str(item) for item in value]  # querysets and lists of related objects
    return json_native(value)


class AuditedAdminMixin:
    """Put first in a ModelAdmin's bases: its saves and deletes land on the audit trail
    with before → after values (secrets masked by audit_record)."""

    def save_model(self, request, obj, form, change):
        request._approvals_form_diff = form_diff(form)
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        return self._audited("admin.add", request, [obj], message, super().log_addition)

    def log_change(self, request, obj, message):
        return self._audited("admin.change", request, [obj], message, super().log_change)

    def log_deletions(self, request, queryset):
        objects = list(queryset)
        entries = self._log_quietly(
            lambda: super(AuditedAdminMixin, self).log_deletions(request, objects)
        )
        for obj in objects:
            audit_record(actor=request, verb="admin.delete", target=obj, request=request)
        return entries

    def _audited(self, verb, request, objects, message, log):
        entry = self._log_quietly(lambda: log(request, objects[0], message))
        fields = getattr(request, "_approvals_form_diff", {})
        changes = {"message": json_native(message), "fields": fields}
        audit_record(actor=request, verb=verb, target=objects[0], changes=changes, request=request)
        return entry

    @staticmethod
    def _log_quietly(log):
        token = _recorded_by_mixin.set(True)
        try:
            return log()
        finally:
            _recorded_by_mixin.reset(token)
