"""GitHub links, pure: repository names, task keys named by a pull request, and what an event means.

No I/O here; :mod:`maestro.github_store` keeps the links and ``jobs.github`` acts on events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from maestro.errors import UserError

_REPO_RE = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$")
_ISSUE_REF_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100})#(\d{1,9})$")
_TASK_KEY_RE = re.compile(r"(?<![A-Za-z0-9])T-(\d{1,6})(?![A-Za-z0-9])", re.IGNORECASE)


def parse_repo(text: str) -> str:
    """Return ``owner/name`` from what a person typed (``acme/shop``, or its github.com URL).

    Raises:
        UserError: not a repository name; the message shows one.
    """
    cleaned = text.strip().strip("<>").removeprefix("https://github.com/").removesuffix(".git").strip("/")
    if not _REPO_RE.fullmatch(cleaned):
        raise UserError("Name the repository as owner/name: `/maestro github connect acme/shop`.")
    return cleaned


def parse_issue_ref(text: str) -> tuple[str, int]:
    """Return ``(owner/name, number)`` from ``owner/name#12``.

    Raises:
        UserError: not an issue reference; the message shows one.
    """
    match = _ISSUE_REF_RE.fullmatch(text.strip())
    if not match:
        raise UserError("Name the issue or pull request as owner/name#12: `/task link T-3 acme/shop#12`.")
    return match.group(1), int(match.group(2))


def task_keys(*texts: str | None) -> list[str]:
    """Return the task keys (``T-3``) named in the texts (a PR's title, branch, body), first seen first.

    A key is ``T-`` and digits standing alone: ``maestro/T-3-reset`` and ``Fixes t-3`` name T-3,
    ``AT-3``, ``T-30`` and ``T-3x`` do not name T-3.
    """
    keys: list[str] = []
    for text in texts:
        for match in _TASK_KEY_RE.finditer(text or ""):
            key = f"T-{int(match.group(1))}"
            if key not in keys:
                keys.append(key)
    return keys


PullAction = Literal["start", "review", "done", "reopen", "note"]


@dataclass(frozen=True)
class PullEvent:
    """What a pull request delivery means for the tasks it names.

    Attributes:
        action: ``start`` (opened: IN_PROGRESS), ``review`` (ready for review: REVIEW), ``done``
            (merged: COMPLETED with evidence), ``reopen`` (closed unmerged: back to IN_PROGRESS),
            ``note`` (a note only: changes requested).
        number: the pull request's number.
        reference: ``#45``, the evidence's reference.
        actor: the GitHub login who did it.
        keys: the task keys the pull request names.
        note: the compact line for the task's thread (raw text; escape before posting).
    """

    action: PullAction
    number: int
    reference: str
    actor: str
    keys: tuple[str, ...]
    note: str


def pull_event(event: str, payload: dict[str, Any]) -> PullEvent | None:
    """Return what a ``pull_request`` or ``pull_request_review`` delivery means, or None to ignore it.

    Payload shapes are GitHub's webhook payloads (docs.github.com/webhooks, "Webhook events and
    payloads"): ``action``, ``pull_request`` {number, title, body, head.ref, merged, merged_by,
    user}, ``review`` {state, user}, ``sender``.
    """
    pull = payload.get("pull_request")
    if not isinstance(pull, dict) or not isinstance(pull.get("number"), int):
        return None
    number = pull["number"]
    head = pull.get("head") if isinstance(pull.get("head"), dict) else {}
    keys = tuple(task_keys(pull.get("title"), head.get("ref"), pull.get("body")))
    if not keys:
        return None
    sender = (payload.get("sender") or {}).get("login") or "someone"
    action = payload.get("action")
    ref = f"#{number}"
    if event == "pull_request" and action == "opened":
        author = (pull.get("user") or {}).get("login") or sender
        return PullEvent("start", number, ref, author, keys, f"PR {ref} opened by @{author}")
    if event == "pull_request" and action == "ready_for_review":
        return PullEvent("review", number, ref, sender, keys, f"PR {ref} is ready for review (@{sender})")
    if event == "pull_request" and action == "closed" and pull.get("merged"):
        merger = (pull.get("merged_by") or {}).get("login") or sender
        return PullEvent("done", number, ref, merger, keys, f"PR {ref} merged by @{merger}")
    if event == "pull_request" and action == "closed":
        return PullEvent("reopen", number, ref, sender, keys, f"PR {ref} closed without merging by @{sender}")
    review = payload.get("review")
    if event == "pull_request_review" and action == "submitted" and isinstance(review, dict):
        if review.get("state") == "changes_requested":
            reviewer = (review.get("user") or {}).get("login") or sender
            return PullEvent(
                "note", number, ref, reviewer, keys, f"Changes requested on PR {ref} by @{reviewer}"
            )
    return None
