"""Fixtures for the sandbox tests: a running sandbox server, a WebClient on it, and a tiny
stand-in Slack app (a ThreadingHTTPServer on 127.0.0.1) that records what it receives."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_sdk import WebClient

from sandbox import SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET, SandboxServer
from sandbox.signing import verify_request


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    """A started sandbox server, stopped after the test."""
    with SandboxServer() as srv:
        yield srv


@pytest.fixture
def client(server: SandboxServer) -> WebClient:
    """A real slack_sdk WebClient pointed at the sandbox."""
    return WebClient(token=SANDBOX_BOT_TOKEN, base_url=server.api_url, timeout=5)


@dataclass
class Received:
    """One request the stand-in app received."""

    kind: str  # "command", "interactive", "event" or "unknown"
    data: dict
    headers: dict
    raw: bytes
    signature_ok: bool


@dataclass
class StandInApp:
    """A minimal Slack app: verifies signatures, records requests, answers via ``reply``."""

    url: str
    received: list[Received] = field(default_factory=list)
    reply: Callable[[Received], tuple[int, str]] = lambda r: (200, "")


def _decode(raw: bytes, content_type: str) -> tuple[str, dict]:
    if content_type.startswith("application/json"):
        return "event", json.loads(raw)
    fields = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    if "payload" in fields:
        return "interactive", json.loads(fields["payload"])
    if "command" in fields:
        return "command", fields
    return "unknown", fields


@pytest.fixture
def stand_in_app() -> Iterator[StandInApp]:
    """Start a stand-in app; set ``app.reply`` to control answers. 401 on a bad signature."""
    app = StandInApp(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            ok = verify_request(SANDBOX_SIGNING_SECRET, raw, headers)
            kind, data = _decode(raw, headers.get("Content-Type", ""))
            received = Received(kind, data, headers, raw, ok)
            app.received.append(received)
            status, body = (401, "invalid signature") if not ok else app.reply(received)
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if body.startswith("{") else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield app
    finally:
        httpd.shutdown()
        httpd.server_close()
