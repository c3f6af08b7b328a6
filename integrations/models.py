"""The registry of external services and each one's latest known state."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from integrations.validators import validate_base_url, validate_env_var_names


class IntegrationQuerySet(models.QuerySet):
    def enabled(self):
        return self.filter(enabled=True)


class IntegrationStateQuerySet(models.QuerySet):
    def due_for_probe(self, now):
        """States of enabled integrations whose probe time has come (or was never set) and
        that no worker has in flight: what the probe engine claims."""
        return (
            self.filter(integration__enabled=True)
            .filter(Q(next_probe_at__lte=now) | Q(next_probe_at__isnull=True))
            .filter(Q(claimed_until__lt=now) | Q(claimed_until__isnull=True))
        )


class Integration(models.Model):
    """One external service the store's dashboard depends on.

    Credentials are the *names* of environment variables (`credential_env`,
    e.g. {"token": "SHOPIFY_ADMIN_TOKEN"}); values are read at call time and
    never stored.
    """

    class Kind(models.TextChoices):
        SHOPIFY = "shopify", "Shopify Admin GraphQL"
        CHATWOOT = "chatwoot", "Chatwoot"
        GA4 = "ga4", "Google Analytics 4"
        SUPABASE = "supabase", "Supabase"
        PUBLER = "publer", "Publer"
        SLACK = "slack", "Slack"
        MCP = "mcp", "MCP server"
        LLAMAINDEX = "llamaindex", "LlamaIndex RAG service"
        HTTP = "http", "Generic HTTP"

    class Mode(models.TextChoices):
        SANDBOX = "sandbox", "Sandbox"
        LIVE = "live", "Live"

    class Weight(models.IntegerChoices):
        """Business weight: decides incident severity (checkout above social)."""

        CRITICAL = 1, "Critical (orders, checkout)"
        HIGH = 2, "High (customer contact)"
        MEDIUM = 3, "Medium (analytics, data)"
        LOW = 4, "Low (social, tooling)"

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    description = models.TextField(blank=True)
    base_url = models.CharField(
        max_length=500,
        validators=[validate_base_url],
        help_text="The vendor's live base URL.",
    )
    sandbox_path = models.CharField(
        max_length=200,
        blank=True,
        help_text="Path under the vendor sandbox (SANDBOX_URL) used in sandbox mode.",
    )
    mode = models.CharField(
        max_length=10, choices=Mode.choices, default=Mode.SANDBOX, db_index=True
    )
    enabled = models.BooleanField(default=True, db_index=True)
    credential_env = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_env_var_names],
        help_text='Role → environment variable NAME, e.g. {"token": "SHOPIFY_ADMIN_TOKEN"}.',
    )
    config = models.JSONField(
        default=dict, blank=True, help_text="Non-secret vendor settings (API version, ids)."
    )
    probe_interval_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(10), MaxValueValidator(86400)]
    )
    probe_retry_seconds = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(5), MaxValueValidator(86400)],
        help_text="While a failure is being confirmed, and while down, probe again after this "
        "many seconds instead of the interval (at most the interval; never inside a pause "
        "the vendor asked for).",
    )
    probe_timeout_seconds = models.FloatField(
        default=10.0, validators=[MinValueValidator(0.5), MaxValueValidator(120)]
    )
    failures_before_down = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    degraded_latency_ms = models.PositiveIntegerField(
        default=2000, validators=[MinValueValidator(1)]
    )
    slo_availability = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal("99.500"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Availability objective in percent over 30 days.",
    )
    slo_latency_ms = models.PositiveIntegerField(
        default=1000, help_text="Latency objective: this share of probes under this many ms."
    )
    slo_latency_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal("95.000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    business_weight = models.PositiveSmallIntegerField(
        choices=Weight.choices, default=Weight.MEDIUM
    )
    owner = models.CharField(max_length=150, blank=True)
    vendor_contact = models.CharField(max_length=300, blank=True)
    runbook = models.CharField(
        max_length=200, blank=True, help_text="Runbook name under docs/runbooks/ or a URL."
    )
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependants"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probe_interval_seconds__gte=10), name="integration_interval_min_10s"
            ),
            models.CheckConstraint(
                condition=Q(failures_before_down__gte=1), name="integration_failures_min_1"
            ),
            models.CheckConstraint(
                condition=Q(probe_retry_seconds__gte=5)
                & Q(probe_retry_seconds__lte=F("probe_interval_seconds")),
                name="integration_retry_5s_to_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if (self.probe_retry_seconds or 0) > (self.probe_interval_seconds or 0):
            raise ValidationError(
                {"probe_retry_seconds": "The retry interval cannot be longer than the interval."}
            )

    @property
    def effective_base_url(self) -> str:
        """Where calls go now: the vendor sandbox in sandbox mode, else base_url."""
        if self.mode == self.Mode.SANDBOX:
            path = self.sandbox_path.strip("/")
            return f"{settings.SANDBOX_URL}/{path}" if path else settings.SANDBOX_URL
        return self.base_url.rstrip("/")


class IntegrationState(models.Model):
    """The latest state of one integration, on one row: the dashboard never scans history."""

    class Status(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        OK = "ok", "OK"
        DEGRADED = "degraded", "Degraded"
        DOWN = "down", "Down"
        MAINTENANCE = "maintenance", "Maintenance"
        DISABLED = "disabled", "Disabled"

    class Circuit(models.TextChoices):
        CLOSED = "closed", "Closed"
        OPEN = "open", "Open"
        HALF_OPEN = "half_open", "Half-open"

    integration = models.OneToOneField(
        Integration, primary_key=True, on_delete=models.CASCADE, related_name="state"
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.UNKNOWN, db_index=True
    )
    status_since = models.DateTimeField(null=True, blank=True)
    last_probe_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_probe_at = models.DateTimeField(null=True, blank=True, db_index=True)
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds this probe slot until then."
    )
    claimed_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="The probe loop run holding the claim: a fencing token (a result from any "
        "other run is discarded), so a dead cluster's claims can be taken back at once.",
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_latency_ms = models.FloatField(null=True, blank=True)
    last_error_class = models.CharField(max_length=40, blank=True)
    last_message = models.CharField(max_length=500, blank=True)
    circuit_state = models.CharField(max_length=10, choices=Circuit.choices, default=Circuit.CLOSED)
    circuit_failures = models.PositiveIntegerField(default=0)
    circuit_opened_at = models.DateTimeField(null=True, blank=True)
    circuit_trial_until = models.DateTimeField(
        null=True, blank=True, help_text="Lease of the single half-open trial call."
    )
    rate_limit = models.JSONField(
        default=dict, blank=True, help_text="What the vendor last reported about its limits."
    )
    rate_limit_headroom = models.FloatField(
        null=True, blank=True, help_text="Share of the vendor's limit still available, 0..1."
    )
    summary = models.JSONField(
        default=dict,
        blank=True,
        help_text="Availability and latency over 24 h / 7 d / 30 d, refreshed with the rollups "
        "(so lists never aggregate history per request).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntegrationStateQuerySet.as_manager()

    class Meta:
        verbose_name = "integration state"

    def __str__(self) -> str:
        return f"{self.integration_id}: {self.status}"

    def vendor_pause_until(self, now: datetime | None = None) -> datetime | None:
        """The end of the pause the vendor asked for (its `Retry-After`, as capped by the
        gateway: `rate_limit["throttled_until"]`), or None when there is none ahead."""
        until = (self.rate_limit or {}).get("throttled_until")
        try:
            end = datetime.fromtimestamp(float(until), tz=UTC) if until else None
        except (TypeError, ValueError, OverflowError, OSError):
            return None
        return end if end is not None and end > (now or timezone.now()) else None


class TileSnapshot(models.Model):
    """The last computed payload of one dashboard tile: what the tiles API serves.

    `data`/`generated_at` hold the last *good* computation; a failed refresh
    only records `error`/`error_at` and leaves them alone. `refreshing_until`
    is the lease of the one worker computing the tile now.
    """

    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=150)
    data = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    generated_at = models.DateTimeField(null=True, blank=True)
    computed_from = models.JSONField(
        default=list,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="Sources as seen when the data was computed: integration, status, last_success_at.",
    )
    attempted_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the last refresh failed (`code: detail`).")
    error_at = models.DateTimeField(null=True, blank=True)
    refreshing_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


# Inbound webhook events live in their own package; imported here so Django finds the model.
from integrations.webhooks.models import WebhookEvent  # noqa: E402, F401
