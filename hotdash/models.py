"""API tokens: stored as a SHA-256 digest, shown once at creation, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

PREFIX = "hd"


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. The key itself is never stored: only its digest.

    Keys have 256 random bits, so a plain SHA-256 is enough (no slow hash needed);
    `prefix` lets a person tell their tokens apart without revealing them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for, e.g. 'dashboard tiles'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({PREFIX}_{self.prefix}_…)"

    def issue(self) -> str:
        """Give this (unsaved) token a fresh key; returns the key, the only time it exists."""
        self.prefix = secrets.token_hex(4)
        key = f"{PREFIX}_{self.prefix}_{secrets.token_urlsafe(32)}"
        self.digest = token_digest(key)
        return key

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )


class Identity(models.Model):
    """What the web last said about itself, for the job clusters to compare with theirs
    (hotdash/identity.py): the migrations its code has, signed with its SECRET_KEY.

    A signature of a public message, not the key: django-q2 puts the like of it in the
    broker with every job."""

    name = models.CharField(max_length=20, primary_key=True)
    signed = models.TextField()
    published_by = models.CharField(max_length=200)
    published_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} identity from {self.published_by}"
