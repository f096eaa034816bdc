"""A local emulator of GitHub's REST API and webhook deliveries, as strict as the real service.

- :class:`GitHubEmulator` — one in-memory repository (issues, comments, pull requests, files)
  served over HTTP on 127.0.0.1; point githubkit at it with ``GitHub(token, base_url=emulator.api_url)``.
  Every request needs ``Authorization: token <t>`` or ``Bearer <t>`` with a token it issued
  (401 ``Bad credentials`` otherwise); an unknown repository or number is 404 ``Not Found``, as
  GitHub answers (docs.github.com/rest, "Troubleshooting").
- Webhook deliveries: :meth:`GitHubEmulator.open_pull_request`, :meth:`ready_for_review`,
  :meth:`submit_review`, :meth:`merge`, :meth:`close_pull_request` and :meth:`close_issue`
  change the repository and POST the event to the hook URL exactly as GitHub does: the raw JSON
  body, ``X-GitHub-Event``, ``X-GitHub-Delivery`` (a uuid), ``X-Hub-Signature-256``
  (``sha256=`` + HMAC-SHA256 of the body with the hook's secret) and ``User-Agent: GitHub-Hookshot/…``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

SANDBOX_GITHUB_TOKEN = "github_pat_sandbox0000000000000000000000"
"""The fine-grained token the emulator accepts by default."""

SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret"
"""The webhook secret the emulator signs deliveries with by default."""

DOCS = "https://docs.github.com/rest"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_body(secret: str, body: bytes) -> str:
    """Return GitHub's ``X-Hub-Signature-256`` value for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        """Log nothing (tests and the console stay readable)."""


def _user(login: str) -> dict[str, Any]:
    return {"login": login, "id": abs(hash(login)) % 10_000_000, "type": "User"}


@dataclass
class Delivery:
    """One webhook delivery as sent: its headers, raw body and the HTTP status the app answered."""

    event: str
    delivery_id: str
    body: bytes
    headers: dict[str, str]
    status: int = 0


@dataclass
class Repository:
    """The emulated repository's state (``full_name`` ``owner/name``)."""

    full_name: str
    default_branch: str = "main"
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    next_number: int = 1
    next_id: int = 1000

    def new_id(self) -> int:
        """Return a fresh object id."""
        self.next_id += 1
        return self.next_id


class GitHubEmulator:
    """GitHub's REST API over one in-memory repository, and the sender of its webhook deliveries.

    Args:
        full_name: ``owner/name`` of the repository.
        token: the token requests must carry.
        hook_url: where deliveries are POSTed (set it later with :attr:`hook_url`).
        secret: the hook's secret.
    """

    def __init__(
        self,
        full_name: str = "acme/shop",
        *,
        token: str = SANDBOX_GITHUB_TOKEN,
        hook_url: str | None = None,
        secret: str = SANDBOX_WEBHOOK_SECRET,
    ) -> None:
        self.repo = Repository(full_name)
        self.tokens = {token}
        self.hook_url = hook_url
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- server -----------------------------------------------------------------------------------
    def start(self) -> GitHubEmulator:
        """Serve on a free loopback port on a daemon thread."""
        self._server = make_server("127.0.0.1", 0, self.wsgi, _ThreadingServer, _QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="github-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (safe to call twice)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        """The REST API root (``http://127.0.0.1:<port>``), githubkit's ``base_url``."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def wsgi(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """The WSGI application answering GitHub's REST endpoints."""
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        self.requests.append((method, path))
        auth = environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or token not in self.tokens:
            status, body = 401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        else:
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                payload = None
            with self._lock:
                status, body = self._route(method, path, query, payload)
        reasons = {200: "OK", 201: "Created", 401: "Unauthorized", 404: "Not Found", 422: "Unprocessable"}
        data = json.dumps(body).encode()
        start_response(
            f"{status} {reasons.get(status, 'Error')}",
            [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def _route(self, method: str, path: str, query: dict, payload: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        not_found = (404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        if len(parts) < 3 or parts[0] != "repos" or f"{parts[1]}/{parts[2]}" != self.repo.full_name:
            return not_found
        rest = parts[3:]
        repo = self.repo
        if payload is None:
            return 400, {"message": "Problems parsing JSON", "documentation_url": DOCS, "status": "400"}
        if not rest and method == "GET":
            return 200, self._repo_json()
        if rest[:1] == ["issues"] and len(rest) >= 2 and rest[1].isdigit():
            item = repo.issues.get(int(rest[1]))
            if item is None:
                return not_found
            if len(rest) == 2 and method == "GET":
                return 200, self._issue_json(item)
            if rest[2:] == ["comments"] and method == "GET":
                return 200, repo.comments.get(item["number"], [])
            if rest[2:] == ["comments"] and method == "POST":
                text = payload.get("body")
                if not isinstance(text, str) or not text:
                    return 422, {"message": "Validation Failed", "documentation_url": DOCS, "status": "422"}
                comment = {
                    "id": repo.new_id(),
                    "body": text,
                    "user": _user("maestro[bot]"),
                    "created_at": _now(),
                }
                repo.comments.setdefault(item["number"], []).append(comment)
                return 201, comment
        if rest[:1] == ["pulls"] and method == "GET":
            pulls = [i for i in repo.issues.values() if "head" in i]
            if len(rest) == 1:
                state = query.get("state", "open")
                chosen = [p for p in pulls if state == "all" or p["state"] == state]
                chosen.sort(key=lambda p: p["updated_at"], reverse=True)
                per_page = min(int(query.get("per_page", 30)), 100)
                return 200, [self._pull_json(p) for p in chosen[:per_page]]
            if len(rest) == 2 and rest[1].isdigit():
                pull = repo.issues.get(int(rest[1]))
                return (200, self._pull_json(pull)) if pull and "head" in pull else not_found
        if rest[:1] == ["contents"] and method == "GET":
            return self._contents("/".join(rest[1:]), not_found)
        return not_found

    def _contents(self, path: str, not_found: tuple[int, Any]) -> tuple[int, Any]:
        if path in self.repo.files:
            text = self.repo.files[path].encode()
            return 200, {
                "type": "file",
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "size": len(text),
                "encoding": "base64",
                "content": base64.b64encode(text).decode(),
            }
        prefix = f"{path}/" if path else ""
        names = sorted({f[len(prefix) :].split("/", 1)[0] for f in self.repo.files if f.startswith(prefix)})
        if not names:
            return not_found
        entries = []
        for name in names:
            full = prefix + name
            kind = "file" if full in self.repo.files else "dir"
            entries.append({"type": kind, "name": name, "path": full})
        return 200, entries

    # -- JSON shapes (GitHub's, the fields Maestro reads and a few more) ---------------------------
    def _repo_json(self) -> dict[str, Any]:
        owner, name = self.repo.full_name.split("/")
        return {
            "id": 1,
            "name": name,
            "full_name": self.repo.full_name,
            "owner": _user(owner),
            "private": True,
            "default_branch": self.repo.default_branch,
            "html_url": f"https://github.com/{self.repo.full_name}",
        }

    def _issue_json(self, item: dict[str, Any]) -> dict[str, Any]:
        shape = {
            k: item[k] for k in ("id", "number", "title", "body", "state", "user", "created_at", "updated_at")
        }
        shape["html_url"] = f"https://github.com/{self.repo.full_name}/issues/{item['number']}"
        if "head" in item:
            shape["pull_request"] = {"url": shape["html_url"].replace("/issues/", "/pulls/")}
        return shape

    def _pull_json(self, pull: dict[str, Any]) -> dict[str, Any]:
        shape = self._issue_json(pull)
        shape.pop("pull_request", None)
        shape.update(
            html_url=f"https://github.com/{self.repo.full_name}/pull/{pull['number']}",
            draft=pull["draft"],
            merged=pull["merged"],
            merged_at=pull["merged_at"],
            merged_by=pull["merged_by"],
            head={"ref": pull["head"], "sha": "0" * 40},
            base={"ref": self.repo.default_branch},
        )
        return shape

    # -- changes and their deliveries ----------------------------------------------------------------
    def create_issue(self, title: str, body: str = "", *, user: str = "octocat") -> int:
        """Open an issue (no delivery: Maestro doesn't act on ``issues.opened``); return its number."""
        with self._lock:
            number = self.repo.next_number
            self.repo.next_number += 1
            self.repo.issues[number] = {
                "id": self.repo.new_id(),
                "number": number,
                "title": title,
                "body": body,
                "state": "open",
                "user": _user(user),
                "created_at": _now(),
                "updated_at": _now(),
            }
        return number

    def open_pull_request(
        self, title: str, *, head: str, body: str = "", user: str = "octocat", draft: bool = False
    ) -> tuple[int, Delivery]:
        """Open a pull request and deliver ``pull_request`` ``opened``; return its number and the delivery."""
        number = self.create_issue(title, body, user=user)
        with self._lock:
            pull = self.repo.issues[number]
            pull.update(head=head, draft=draft, merged=False, merged_at=None, merged_by=None)
        return number, self._deliver_pull("opened", number, user)

    def ready_for_review(self, number: int, *, user: str = "octocat") -> Delivery:
        """Mark a draft ready for review and deliver ``pull_request`` ``ready_for_review``."""
        self._pull(number).update(draft=False, updated_at=_now())
        return self._deliver_pull("ready_for_review", number, user)

    def submit_review(self, number: int, state: str, *, user: str = "reviewer", body: str = "") -> Delivery:
        """Deliver ``pull_request_review`` ``submitted``; state: approved, changes_requested, commented."""
        if state not in ("approved", "changes_requested", "commented"):
            raise ValueError(f"unknown review state {state!r}")
        pull = self._pull(number)
        review = {
            "id": self.repo.new_id(),
            "user": _user(user),
            "body": body,
            "state": state,
            "submitted_at": _now(),
            "html_url": f"https://github.com/{self.repo.full_name}/pull/{number}#pullrequestreview",
        }
        payload = {
            "action": "submitted",
            "review": review,
            "pull_request": self._pull_json(pull),
            "repository": self._repo_json(),
            "sender": _user(user),
        }
        return self.deliver("pull_request_review", payload)

    def merge(self, number: int, *, user: str = "octocat") -> Delivery:
        """Merge a pull request and deliver ``pull_request`` ``closed`` with ``merged: true``."""
        pull = self._pull(number)
        if pull["state"] != "open" or pull["draft"]:
            raise ValueError(
                f"pull request #{number} can't be merged (state {pull['state']}, draft {pull['draft']})"
            )
        pull.update(state="closed", merged=True, merged_at=_now(), merged_by=_user(user), updated_at=_now())
        return self._deliver_pull("closed", number, user)

    def close_pull_request(self, number: int, *, user: str = "octocat") -> Delivery:
        """Close a pull request unmerged and deliver ``pull_request`` ``closed`` with ``merged: false``."""
        self._pull(number).update(state="closed", updated_at=_now())
        return self._deliver_pull("closed", number, user)

    def close_issue(self, number: int, *, user: str = "octocat") -> Delivery:
        """Close an issue and deliver ``issues`` ``closed``."""
        item = self.repo.issues[number]
        item.update(state="closed", updated_at=_now())
        payload = {
            "action": "closed",
            "issue": self._issue_json(item),
            "repository": self._repo_json(),
            "sender": _user(user),
        }
        return self.deliver("issues", payload)

    def _pull(self, number: int) -> dict[str, Any]:
        pull = self.repo.issues.get(number)
        if pull is None or "head" not in pull:
            raise KeyError(f"no pull request #{number}")
        return pull

    def _deliver_pull(self, action: str, number: int, user: str) -> Delivery:
        payload = {
            "action": action,
            "number": number,
            "pull_request": self._pull_json(self._pull(number)),
            "repository": self._repo_json(),
            "sender": _user(user),
        }
        return self.deliver("pull_request", payload)

    def deliver(self, event: str, payload: dict[str, Any], *, secret: str | None = None) -> Delivery:
        """POST one signed delivery to :attr:`hook_url` (``secret`` overrides the hook's, to forge one).

        With no hook URL the delivery is recorded with status 0 (GitHub would show it failed).
        """
        body = json.dumps(payload).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/sandbox",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Hook-ID": "1",
            "X-Hub-Signature-256": sign_body(self.secret if secret is None else secret, body),
        }
        delivery = Delivery(event, headers["X-GitHub-Delivery"], body, headers)
        self.deliveries.append(delivery)
        if self.hook_url:
            self.redeliver(delivery)
        return delivery

    def redeliver(self, delivery: Delivery) -> int:
        """POST a recorded delivery again, byte for byte (GitHub's "Redeliver"); return the status."""
        request = urllib.request.Request(self.hook_url or "", data=delivery.body, headers=delivery.headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                delivery.status = response.status
        except urllib.error.HTTPError as error:
            delivery.status = error.code
        return delivery.status
