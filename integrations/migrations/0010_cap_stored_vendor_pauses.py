"""Cap the vendor pauses already stored (issue 14 item 3).

Before the cap, a `Retry-After: 100000` was stored as is: `rate_limit.throttled_until`
27.8 hours ahead, and the probe engine scheduled the next probe at its end. Each such
pause is cut to its kind's cap counted from when it was stored (`observed_at`), and a
next probe scheduled later than that is brought to the pause's end. The caps are
copied here (integrations/http/response.py holds the live ones) so this migration
keeps meaning what it meant. Nothing to undo: the reverse is a no-op.
"""

from datetime import UTC, datetime

from django.db import migrations

DEFAULT_PAUSE_CAP_S = 900.0
PAUSE_CAP_S = {"ga4": 3600.0}


def cap_pauses(apps, schema_editor):
    IntegrationState = apps.get_model("integrations", "IntegrationState")
    for state in IntegrationState.objects.select_related("integration").iterator():
        report = dict(state.rate_limit or {})
        try:
            until = float(report["throttled_until"])
            since = float(report.get("observed_at") or until)
        except (KeyError, TypeError, ValueError):
            continue
        config = state.integration.config or {}
        cap = float(
            config.get(
                "pause_cap_seconds", PAUSE_CAP_S.get(state.integration.kind, DEFAULT_PAUSE_CAP_S)
            )
        )
        if until - since <= cap:
            continue
        report["throttled_until"] = round(since + cap, 3)
        report.setdefault("pause_asked_s", round(until - since, 3))
        end = datetime.fromtimestamp(report["throttled_until"], tz=UTC)
        fields = {"rate_limit": report}
        if state.next_probe_at is None or state.next_probe_at > end:
            fields["next_probe_at"] = end
        IntegrationState.objects.filter(pk=state.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0009_webhookevent_replay_key_db_default")]

    operations = [migrations.RunPython(cap_pauses, migrations.RunPython.noop)]
