"""``/maestro github connect owner/repo|status|disconnect``: the project's linked repository.

The token and webhook secret come from the environment (``MAESTRO_GITHUB_TOKEN``,
``MAESTRO_GITHUB_WEBHOOK_SECRET``); no reply ever shows them. Replies are ephemeral (the ack).
"""

from __future__ import annotations

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.deps import Deps
from bot.escalations import may_manage
from maestro.errors import UserError
from maestro.github_links import parse_issue_ref, parse_repo
from maestro.github_store import GitHubStore
from maestro.text import escape

USAGE = "Try `/maestro github connect acme/shop`, `/maestro github status` or `/maestro github disconnect`."


def missing_settings(deps: Deps) -> list[str]:
    """Return the names of the GitHub variables not set (what ``connect`` needs)."""
    settings = deps.settings
    missing = []
    if settings.maestro_github_token is None:
        missing.append("MAESTRO_GITHUB_TOKEN")
    if settings.maestro_github_webhook_secret is None:
        missing.append("MAESTRO_GITHUB_WEBHOOK_SECRET")
    return missing


def handle_github_command(
    ack: Ack, context: BoltContext, channel_id: str, text: str, user_id: str, client: WebClient
) -> None:
    """Answer ``/maestro github …`` in the ack (changes: approvers and admins, as for approvers)."""
    deps: Deps = context["deps"]
    store = GitHubStore(deps.redis, context.team_id)
    verb, _, rest = text.strip().partition(" ")
    verb = verb.lower() or "status"
    try:
        if verb not in ("connect", "disconnect", "status"):
            raise UserError(USAGE)
        if verb != "status" and not may_manage(deps, context.team_id, channel_id, user_id, client):
            raise UserError(
                "Only an approver or a workspace admin can change the linked repository. Nothing was changed."
            )
        if verb == "connect":
            repo = parse_repo(rest)
            missing = missing_settings(deps)
            if missing:
                raise UserError(
                    f"Set {' and '.join(missing)} in Maestro's environment first, "
                    "then connect again. Nothing was changed."
                )
            before = store.connect(channel_id, repo)
            replaced = f" (instead of {escape(before)})" if before else ""
            ack(
                text=f":link: This board is linked to *{escape(repo)}*{replaced}. Pull requests naming a "
                "task (`T-3` in the title, branch or body) now move it; point the repository's webhook at "
                "`/github/events` (events: pull requests, reviews, issues)."
            )
            return
        if verb == "disconnect":
            before = store.disconnect(channel_id)
            ack(
                text=f"Unlinked *{escape(before)}*. Pull requests no longer move tasks here."
                if before
                else "This board isn't linked to a repository."
            )
            return
    except UserError as error:
        ack(text=f":warning: {error.message}")
        return
    repo = store.repository(channel_id)
    if repo is None:
        ack(text="This board isn't linked to a repository. `/maestro github connect acme/shop` links one.")
        return
    missing = missing_settings(deps)
    warn = f" :warning: {' and '.join(missing)} not set, so nothing arrives." if missing else ""
    ack(text=f"This board is linked to *{escape(repo)}*.{warn}")


def handle_task_link(ack: Ack, context: BoltContext, channel_id: str, text: str) -> None:
    """Answer ``/task link T-3 owner/repo#12``: link a task to an issue or pull request (ephemeral)."""
    deps: Deps = context["deps"]
    words = text.split()
    try:
        if len(words) != 2:
            raise UserError("Try `/task link T-3 acme/shop#12`.")
        task = deps.store(context.team_id).get(channel_id, words[0])
        repo, number = parse_issue_ref(words[1])
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    ref = f"{repo}#{number}"
    new = GitHubStore(deps.redis, context.team_id).link(channel_id, task.key, ref)
    linked = GitHubStore(deps.redis, context.team_id).repository(channel_id)
    hint = (
        ""
        if linked and linked.lower() == repo.lower()
        else (
            f" This board isn't connected to {escape(repo)}, so its events won't arrive: "
            f"`/maestro github connect {escape(repo)}`."
        )
    )
    ack(
        text=(
            f":link: {task.key} is linked to {escape(ref)}."
            if new
            else f"{task.key} was already linked to {escape(ref)}."
        )
        + hint
    )
