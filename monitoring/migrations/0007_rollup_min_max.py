"""CheckRollup.min_ms / max_ms: each hour's smallest and largest latency, so percentiles
estimated from the histogram stay inside what was observed (docs/slo.md).

Backfill: hours whose raw results are still kept get their exact min and max, and their
stored p50/p95/p99 recomputed within them. Hours already pruned get the edges of their
outermost non-empty buckets — true bounds, only looser (max stays null when the top
bucket is the open-ended overflow one).
"""

from django.db import migrations, models
from django.db.models import Max, Min
from django.db.models.functions import TruncHour

from monitoring.rollups import bucket_edges, percentiles

BATCH = 500


def _histogram_edges(histogram: list[int]) -> tuple[float | None, float | None]:
    filled = [i for i, count in enumerate(histogram or []) if count]
    if not filled:
        return None, None
    return bucket_edges(filled[0])[0], bucket_edges(filled[-1])[1]


def backfill(apps, schema_editor):
    CheckResult = apps.get_model("monitoring", "CheckResult")
    CheckRollup = apps.get_model("monitoring", "CheckRollup")
    exact = {
        (row["integration_id"], row["hour"]): (row["low"], row["high"])
        for row in CheckResult.objects.exclude(latency_ms=None)
        .annotate(hour=TruncHour("checked_at"))
        .values("integration_id", "hour")
        .annotate(low=Min("latency_ms"), high=Max("latency_ms"))
    }
    batch = []
    for rollup in CheckRollup.objects.order_by("pk").iterator(chunk_size=BATCH):
        found = exact.get((rollup.integration_id, rollup.hour))
        low, high = found if found else _histogram_edges(rollup.latency_histogram)
        rollup.min_ms, rollup.max_ms = low, high
        for name, value in percentiles(rollup.latency_histogram or [], low, high).items():
            setattr(rollup, name, value)
        batch.append(rollup)
        if len(batch) >= BATCH:
            CheckRollup.objects.bulk_update(batch, FIELDS)
            batch = []
    CheckRollup.objects.bulk_update(batch, FIELDS)


FIELDS = ["min_ms", "max_ms", "p50_ms", "p95_ms", "p99_ms"]


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_signal_truth"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkrollup",
            name="min_ms",
            field=models.FloatField(
                blank=True,
                help_text="Smallest latency of the hour (null: no timed probe).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="checkrollup",
            name="max_ms",
            field=models.FloatField(
                blank=True,
                help_text="Largest latency of the hour; percentiles never exceed it.",
                null=True,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
