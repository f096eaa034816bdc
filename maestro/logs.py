"""Logging set-up: one line per request and per job, as text or JSON, never a token.

Structured fields travel in ``extra=`` (``team``, ``channel``, ``command``, ``action``,
``task_key``, ``job_id``, ``duration_ms``, ``outcome``); the JSON formatter writes them as keys,
the text formatter appends them as ``key=value``. A filter masks anything shaped like a Slack
token, a signing secret or an Anthropic key, whatever logged it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

FIELDS: tuple[str, ...] = (
    "team",
    "channel",
    "user",
    "command",
    "action",
    "event",
    "task_key",
    "job_id",
    "queue",
    "duration_ms",
    "outcome",
    "status",
    "ref",
)
"""The structured fields a log line may carry, in the order the text format prints them."""

_SECRET_RE = re.compile(r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|sk-ant-[A-Za-z0-9_-]+)")


def redact(text: str) -> str:
    """Return ``text`` with Slack and Anthropic tokens replaced by ``[redacted]``."""
    return _SECRET_RE.sub("[redacted]", text)


class RedactingFilter(logging.Filter):
    """Masks tokens in a record's message and arguments before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact(str(record.msg))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC ISO 8601), ``level``, ``logger``, ``message``, fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                payload[name] = value
        if record.exc_info:
            payload["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(payload, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value …``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a text line with its fields appended."""
        line = super().format(record)
        extras = [
            f"{name}={getattr(record, name)}" for name in FIELDS if getattr(record, name, None) is not None
        ]
        if extras:
            first, newline, rest = line.partition("\n")
            line = f"{first} {' '.join(extras)}{newline}{redact(rest)}"
        return line


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    """Send every logger's records to stderr in ``fmt`` (``text`` | ``json``) at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("slack_bolt", "slack_sdk", "urllib3", "waitress"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
