import json
import logging

from maestro.logs import JsonFormatter, RedactingFilter, TextFormatter, redact


def record(message, *args, **extra):
    rec = logging.LogRecord("maestro.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_tokens_are_redacted():
    assert redact("token xoxb-123-abc and xapp-1-A and sk-ant-api03-x_y") == (
        "token [redacted] and [redacted] and [redacted]"
    )
    rec = record("calling with %s", "xoxb-999-secret")
    RedactingFilter().filter(rec)
    assert "xoxb" not in rec.getMessage()


def test_json_line_carries_the_fields():
    line = JsonFormatter().format(record("request", team="T1", channel="C1", job_id="j", duration_ms=3.2))
    payload = json.loads(line)
    assert payload["message"] == "request" and payload["team"] == "T1" and payload["duration_ms"] == 3.2
    assert payload["time"].endswith("+00:00")


def test_text_line_appends_fields():
    assert (
        TextFormatter()
        .format(record("job x", task_key="T-3", outcome="ok"))
        .endswith("maestro.test: job x task_key=T-3 outcome=ok")
    )
