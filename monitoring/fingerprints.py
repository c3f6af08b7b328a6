"""Error fingerprints: failures that differ only in numbers, ids or hosts group together."""

from __future__ import annotations

import hashlib
import re

VARIABLE_PARTS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{12,}\b", re.I), "<hex>"),
    (re.compile(r"\d+(\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
]


def normalise(message: str) -> str:
    """The message's shape: lower case, variable parts replaced by placeholders."""
    text = (message or "").lower()
    for pattern, placeholder in VARIABLE_PARTS:
        text = pattern.sub(placeholder, text)
    return text.strip()[:300]


def fingerprint(integration_id: int, error_class: str, message: str) -> str:
    raw = f"{integration_id}|{error_class}|{normalise(message)}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
