"""JSON log lines (LOG_FORMAT=json): one object per line, with the request's id.

    {"time": "2026-12-07T20:31:02.118Z", "level": "WARNING", "logger": "integrations.webhooks",
     "message": "…", "request_id": "4f1c…"}

`request_id` is the X-Request-ID of the request being served (approvals.middleware), so a
log line, the answer's header and the audit events it caused share one id. Exceptions
come as one `exception` string. Messages are the platform's own, already scrubbed of
secrets where they quote a vendor.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = _request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _request_id() -> str | None:
    try:  # imported late: logging is configured before the apps are loaded
        from approvals.audit.context import request_context_get
    except Exception:  # noqa: BLE001 - a log line must never fail for want of an id
        return None
    return request_context_get().request_id or None
