"""HTTP front of the sandbox: the emulated Slack Web API plus response_urls and inspection.

Routes served by :class:`SandboxServer` (all on 127.0.0.1):

- ``POST|GET /api/<method>`` — Web API methods (see :mod:`sandbox.methods`). Bodies may be
  ``application/x-www-form-urlencoded`` (JSON-valued fields ``blocks``, ``attachments``,
  ``view``, ``metadata`` are decoded), ``application/json`` or ``multipart/form-data``; query
  strings are merged in. The token comes from ``Authorization: Bearer …`` or a ``token``
  argument. Unknown methods answer HTTP 200 ``{"ok": false, "error": "unknown_method"}``; a
  method whose scope the app lacks (``Workspace.grant``, from ``manifest.yml``) answers
  ``{"ok": false, "error": "missing_scope", "needed": …, "provided": …}`` as Slack does.
- ``POST /response/<token>`` — a response_url (JSON body); answers ``ok`` or an error text.
- ``POST /upload/<file_id>`` — the upload URL handed out by ``files.getUploadURLExternal``.
- ``GET /oauth/v2/authorize`` and ``POST /api/oauth.v2.access`` — Slack's install flow
  (:mod:`sandbox.oauth`); a code gives the installing workspace a new bot token.
- ``GET /sandbox/state`` — :meth:`Workspace.snapshot` as JSON.
- ``POST /sandbox/reset`` — :meth:`Workspace.reset`.

A handler that raises is answered with HTTP 500 and logged; the server keeps running.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .methods import METHODS, error, scope_error
from .oauth import OAuthApp
from .workspace import Workspace

logger = logging.getLogger(__name__)

JSON_FIELDS = ("blocks", "attachments", "view", "metadata")
"""Form fields that carry JSON text and are decoded before dispatch."""

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _decode_form(raw: bytes) -> dict[str, Any]:
    """Decode an ``application/x-www-form-urlencoded`` body (last value of a key wins)."""
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _decode_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """Decode a ``multipart/form-data`` body: text parts as str, file parts as bytes."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        fields[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return fields


def parse_api_args(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    """Decode the arguments of a Web API request.

    Args:
        raw: The request body bytes.
        content_type: The ``Content-Type`` header value.
        query: The URL query string (without ``?``).

    Returns:
        dict[str, Any]: Query arguments overlaid with body arguments; JSON-valued form fields
        (``blocks``, ``attachments``, ``view``, ``metadata``) decoded when they parse.

    Raises:
        ValueError: When a JSON body is not a JSON object.
    """
    args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if raw:
        if kind == "application/json":
            body = json.loads(raw.decode("utf-8"))
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            args.update(body)
            return args
        if kind == "multipart/form-data":
            args.update(_decode_multipart(raw, content_type))
        else:
            args.update(_decode_form(raw))
    for key in JSON_FIELDS:
        value = args.get(key)
        if isinstance(value, str) and value.strip():
            try:
                args[key] = json.loads(value)
            except ValueError:
                pass  # left as text: the method answers invalid_blocks / invalid_arguments
    return args


class _Handler(BaseHTTPRequestHandler):
    """Request handler; one instance per request, on a daemon thread."""

    server: _HTTPServer
    server_version = "SlackSandbox/1.0"

    # -------------------------------------------------------------- plumbing

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Send the access log to ``logging`` at DEBUG instead of stderr."""
        logger.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        """Read the request body (Content-Length bytes)."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        """Write a complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        """Write a JSON response."""
        self._send(status, json.dumps(data).encode("utf-8"), "application/json; charset=utf-8", headers)

    def _send_text(self, status: int, text: str) -> None:
        """Write a plain-text response."""
        self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    def _dispatch(self) -> None:
        """Route a request, answering 500 if anything raises."""
        try:
            parts = urlsplit(self.path)
            path = parts.path
            if path.startswith("/api/"):
                self._api(path[len("/api/") :], parts.query)
            elif path == "/oauth/v2/authorize" and self.command == "GET":
                status, where = self.server.sandbox.oauth.authorize(
                    dict(parse_qsl(parts.query)), self.server.sandbox.workspaces
                )
                if status == 302:
                    self._send(302, b"", "text/plain; charset=utf-8", {"Location": where})
                else:
                    self._send_text(status, where)
            elif path.startswith("/response/") and self.command == "POST":
                self._response_url(path[len("/response/") :])
            elif path.startswith("/upload/") and self.command == "POST":
                self._upload(path[len("/upload/") :])
            elif path == "/sandbox/state" and self.command == "GET":
                self._send_json(200, self.server.workspace.snapshot())
            elif path == "/sandbox/reset" and self.command == "POST":
                self._read_body()
                self.server.workspace.reset()
                self._send_json(200, {"ok": True})
            else:
                self._send_text(404, "not_found")
        except Exception:  # never let one request take the server down
            logger.exception("sandbox handler failed for %s %s", self.command, self.path)
            try:
                self._send_json(500, error("internal_error"))
            except Exception:
                logger.debug("could not send the 500 answer", exc_info=True)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        """Handle POST."""
        self._dispatch()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        """Handle GET."""
        self._dispatch()

    # -------------------------------------------------------------- routes

    def _api(self, method: str, query: str) -> None:
        """Serve one Web API call (in the workspace the token belongs to)."""
        sandbox = self.server.sandbox
        raw = self._read_body()
        auth = self.headers.get("Authorization", "")
        try:
            args = parse_api_args(raw, self.headers.get("Content-Type", ""), query)
        except ValueError:
            sandbox.workspace.record_call(method, {}, status=200, ok=False, error="invalid_json")
            self._send_json(200, error("invalid_json"))
            return
        if method == "oauth.v2.access":  # no token: the app's client id and secret
            body, installed = sandbox.oauth.access(args, auth, sandbox.workspaces)
            if installed is not None:
                sandbox.give_token(installed, body["access_token"])
            (installed or sandbox.workspace).record_call(
                method, {}, status=200, ok=bool(body.get("ok")), error=body.get("error")
            )
            self._send_json(200, body)
            return
        token = auth[len("Bearer ") :].strip() if auth.startswith("Bearer ") else args.get("token")
        ws = sandbox.workspace_of(token) or sandbox.workspace
        fault = ws.take_fault(method)
        if fault is not None:
            ws.record_call(method, args, status=fault["status"], ok=False, error=fault["error"])
            headers = {}
            if fault["retry_after"] is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            self._send_json(fault["status"], error(fault["error"]), headers)
            return
        handler = METHODS.get(method)
        if handler is None:
            body = error("unknown_method")
        else:
            if not token:
                body = error("not_authed")
            elif sandbox.workspace_of(token) is None:
                body = error("invalid_auth")
            elif (refusal := scope_error(ws, method, args)) is not None:
                body = refusal
            else:
                try:
                    body = handler(ws, args, self.server.base_url)
                except Exception:
                    logger.exception("sandbox method %s failed", method)
                    ws.record_call(method, args, status=500, ok=False, error="internal_error")
                    self._send_json(500, error("internal_error"))
                    return
        ws.record_call(method, args, status=200, ok=bool(body.get("ok")), error=body.get("error"))
        delay = ws.take_delay(method)
        if delay:
            time.sleep(delay)  # the call took effect; Slack's answer is late
        self._send_json(200, body)

    def _response_url(self, token: str) -> None:
        """Serve a POST to a response_url."""
        raw = self._read_body()
        try:
            body: Any = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            body = raw.decode("utf-8", "replace")
        ws = next(
            (w for w in self.server.sandbox.workspaces.values() if w.has_response_token(token)),
            self.server.workspace,
        )
        status, text = ws.respond(token, body)
        self._send_text(status, text)

    def _upload(self, file_id: str) -> None:
        """Serve the bytes of a file upload."""
        raw = self._read_body()
        if self.server.workspace.receive_upload(file_id, raw):
            self._send_text(200, f"OK - {len(raw)}")
        else:
            self._send_text(404, "file_not_found")


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer carrying the workspace; request threads are daemons."""

    daemon_threads = True
    workspace: Workspace
    sandbox: SandboxServer
    base_url: str


class SandboxServer:
    """The sandbox Web API server, running on a background thread.

    Example::

        with SandboxServer() as server:
            client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=server.api_url)
            client.chat_postMessage(channel="C0PROJECT", text="hi")
            assert server.workspace.messages("C0PROJECT")[0]["text"] == "hi"

    Attributes:
        workspace: The :class:`Workspace` whose state the server serves.
        host: Bind address (loopback only).
        port: Bound port (0 until started when constructed with port 0).
    """

    def __init__(self, workspace: Workspace | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        """Prepare (but do not start) a server.

        Args:
            workspace: State to serve; a fresh :class:`Workspace` if None.
            host: Loopback address to bind (``127.0.0.1``, ``localhost`` or ``::1``).
            port: TCP port; 0 picks a free one.

        Raises:
            ValueError: If ``host`` is not a loopback address.
        """
        if host not in _LOOPBACK_HOSTS and not host.startswith("127."):
            raise ValueError(f"the sandbox only listens on loopback, not {host!r}")
        self.workspace = workspace if workspace is not None else Workspace()
        self.workspaces: dict[str, Workspace] = {self.workspace.team_id: self.workspace}
        self.oauth = OAuthApp()
        self._tokens: dict[str, Workspace] = {self.workspace.bot_token: self.workspace}
        self._tokens_lock = threading.Lock()
        self.host = host
        self.port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SandboxServer:
        """Bind and start serving on a daemon thread.

        Returns:
            SandboxServer: ``self``, so ``server = SandboxServer().start()`` works.
        """
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.workspace = self.workspace
        httpd.sandbox = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        httpd.base_url = self.url
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (safe to call twice)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        """Start the server for a ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        """Stop the server at the end of a ``with`` block."""
        self.stop()

    def add_workspace(self, workspace: Workspace) -> Workspace:
        """Host another workspace (another ``team_id``); its ``bot_token`` works at once.

        An OAuth install (:mod:`sandbox.oauth`) gives a workspace a fresh token instead.

        Raises:
            ValueError: a workspace with that team id is hosted already.
        """
        if workspace.team_id in self.workspaces:
            raise ValueError(f"workspace {workspace.team_id} is hosted already")
        if self.workspace_of(workspace.bot_token) is not None:
            raise ValueError("give the new workspace a bot_token of its own")
        self.workspaces[workspace.team_id] = workspace
        self.give_token(workspace, workspace.bot_token)
        return workspace

    def give_token(self, workspace: Workspace, token: str) -> None:
        """Make ``token`` a valid bot token of ``workspace`` (an install or a refresh)."""
        with self._tokens_lock:
            self._tokens[token] = workspace
        workspace.bot_token = token

    def workspace_of(self, token: str | None) -> Workspace | None:
        """Return the workspace a bot token belongs to, or None for an unknown or revoked token."""
        with self._tokens_lock:
            return self._tokens.get(token or "")

    def uninstall(self, team_id: str) -> None:
        """Uninstall the app from a workspace: every bot token it was given stops working."""
        with self._tokens_lock:
            for token in [t for t, ws in self._tokens.items() if ws.team_id == team_id]:
                del self._tokens[token]

    @property
    def url(self) -> str:
        """str: Root URL, e.g. ``"http://127.0.0.1:54321"`` (valid once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_url(self) -> str:
        """str: Web API base URL ending in ``/api/``, e.g. for ``WebClient(base_url=…)``.

        This is the value the app takes as ``SLACK_API_URL``.
        """
        return f"{self.url}/api/"

    def new_response_url(
        self,
        channel: str = "C0PROJECT",
        user: str = "U0ALICE",
        *,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
        workspace: Workspace | None = None,
    ) -> str:
        """Create a response_url on this server (in ``workspace``, else the first one).

        Args:
            channel: Conversation the command or action happened in.
            user: The acting user (ephemeral responses go to them).
            message_ts: In-channel message a button sat on (for replace/delete_original).
            ephemeral_ts: Ephemeral a button sat on, instead of ``message_ts``.
            workspace: The workspace the request came from; the server's first when None.

        Returns:
            str: ``"{url}/response/<token>"``.
        """
        token = (workspace or self.workspace).new_response_token(
            channel, user, message_ts=message_ts, ephemeral_ts=ephemeral_ts
        )
        return f"{self.url}/response/{token}"
