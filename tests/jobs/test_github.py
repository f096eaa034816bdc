"""GitHub: signed deliveries to ``POST /github/events`` move the tasks a pull request names.

Through the Slack sandbox, the GitHub emulator (sandbox/github.py), the real Redis and the web app.
"""

from __future__ import annotations

import json
import threading

import pytest
from githubkit import GitHub
from githubkit.exception import RequestFailed
from rq import Queue

from bot.app import create_app
from bot.web import build_wsgi_app
from jobs.queues import QUEUE_NAMES
from maestro.errors import UserError
from maestro.github_links import parse_issue_ref, parse_repo, task_keys
from maestro.models import TaskStatus
from maestro.settings import build_settings
from maestro.store import TaskStore
from sandbox.github import SANDBOX_GITHUB_TOKEN, SANDBOX_WEBHOOK_SECRET, GitHubEmulator

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"
REPO = "acme/shop"


@pytest.fixture
def github():
    with GitHubEmulator(REPO) as emulator:
        yield emulator


@pytest.fixture
def settings(redis_url, sandbox, tmp_path, github):
    return build_settings(
        redis_url=redis_url,
        slack_api_url=sandbox.api_url,
        maestro_data_dir=tmp_path / "data",
        maestro_github_token=SANDBOX_GITHUB_TOKEN,
        maestro_github_webhook_secret=SANDBOX_WEBHOOK_SECRET,
        maestro_github_api_url=github.api_url,
    )


@pytest.fixture
def web_url(settings, redis, runtime, github):
    import waitress

    app = build_wsgi_app(create_app(settings, redis=redis), redis, github_secret=SANDBOX_WEBHOOK_SECRET)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    github.hook_url = f"{url}/github/events"
    yield url
    server.close()


def said(sent) -> str:
    return json.loads(sent.body)["text"] if sent.body.startswith("{") else sent.body


def queued(redis) -> int:
    return sum(Queue(name, connection=redis).count for name in QUEUE_NAMES)


def thread_texts(sandbox, task) -> list[str]:
    return [m["text"] for m in sandbox.workspace.thread(CHANNEL, task.thread_root)[1:]]


def card_text(sandbox, task) -> str:
    card = next(m for m in sandbox.workspace.messages(CHANNEL) if m["ts"] == task.message_ts)
    return str(card.get("blocks")) + card.get("text", "")


@pytest.fixture
def connected(sender, run_jobs, redis):
    assert "linked to *acme/shop*" in said(sender.command("/maestro", f"github connect {REPO}"))
    sender.command("/task", "new Build the password reset endpoint --owner <@U0ALICE>")
    sender.command("/task", "new Write the runbook --owner <@U0BOB>")
    run_jobs()
    return TaskStore(redis, TEAM)


def test_a_pull_request_naming_a_task_opened_then_merged_completes_it_with_evidence(
    connected, github, sandbox, run_jobs
):
    number, opened = github.open_pull_request("Password reset endpoint", head="alice/T-1-reset", user="alice")
    assert opened.status == 202
    run_jobs()
    task = connected.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.IN_PROGRESS
    merged = github.merge(number, user="carol")
    assert merged.status == 202
    run_jobs()
    task = connected.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.COMPLETED
    assert task.completion.kind == "pull_request"
    assert task.completion.reference == f"#{number}"
    assert task.completion.by == "github:carol"
    assert f"Merged in #{number}" in card_text(sandbox, task)
    notes = thread_texts(sandbox, task)
    assert sum(f"PR #{number} opened by @alice" in n for n in notes) == 1
    assert sum(f"PR #{number} merged by @carol" in n for n in notes) == 1
    assert connected.get(CHANNEL, "T-2").status is TaskStatus.ASSIGNED  # not named: untouched


def test_ready_for_review_changes_requested_and_closing_unmerged(connected, github, sandbox, run_jobs):
    number, _ = github.open_pull_request("WIP", head="feature", body="Part of T-2", draft=True, user="bob")
    github.ready_for_review(number, user="bob")
    run_jobs()
    task = connected.get(CHANNEL, "T-2")
    assert task.status is TaskStatus.REVIEW and task.waits_for_person
    github.submit_review(number, "changes_requested", user="carol")
    run_jobs()
    assert connected.get(CHANNEL, "T-2").status is TaskStatus.REVIEW
    github.close_pull_request(number, user="bob")
    run_jobs()
    task = connected.get(CHANNEL, "T-2")
    assert task.status is TaskStatus.IN_PROGRESS
    assert task.completion is None
    notes = thread_texts(sandbox, task)
    assert any(f"Changes requested on PR #{number} by @carol" in n for n in notes)
    assert any(f"PR #{number} closed without merging by @bob" in n for n in notes)


def test_a_replayed_delivery_changes_nothing(connected, github, sandbox, redis, run_jobs):
    number, opened = github.open_pull_request("Reset (T-1)", head="reset", user="alice")
    run_jobs()
    merged = github.merge(number)
    run_jobs()
    task = connected.get(CHANNEL, "T-1")
    events, notes = len(connected.events(task.id)), thread_texts(sandbox, task)
    assert github.redeliver(merged) == 200
    assert github.redeliver(opened) == 200
    assert queued(redis) == 0
    run_jobs()
    assert len(connected.events(task.id)) == events
    assert thread_texts(sandbox, task) == notes


def test_a_forged_or_missing_signature_is_refused_and_nothing_is_enqueued(connected, github, redis, run_jobs):
    payload = {
        "action": "opened",
        "pull_request": {"number": 9, "title": "T-1"},
        "repository": {"full_name": REPO},
    }
    forged = github.deliver("pull_request", payload, secret="not-the-secret")
    assert forged.status == 401
    hook, github.hook_url = github.hook_url, None
    unsigned = github.deliver("pull_request", payload)  # recorded, not sent
    github.hook_url = hook
    del unsigned.headers["X-Hub-Signature-256"]
    assert github.redeliver(unsigned) == 401
    assert queued(redis) == 0
    run_jobs()
    assert connected.get(CHANNEL, "T-1").status is TaskStatus.ASSIGNED


def test_a_repository_not_linked_moves_nothing(sender, github, redis, run_jobs):
    sender.command("/task", "new Build it --owner <@U0ALICE>")
    run_jobs()
    github.open_pull_request("T-1", head="T-1", user="alice")
    run_jobs()
    assert TaskStore(redis, TEAM).get(CHANNEL, "T-1").status is TaskStatus.ASSIGNED


def test_github_status_disconnect_and_bad_names(sender):
    assert "isn't linked" in said(sender.command("/maestro", "github status"))
    assert "owner/name" in said(sender.command("/maestro", "github connect not a repo"))
    sender.command("/maestro", f"github connect {REPO}")
    status = said(sender.command("/maestro", "github status"))
    assert "acme/shop" in status and SANDBOX_GITHUB_TOKEN not in status
    assert "Unlinked" in said(sender.command("/maestro", "github disconnect"))


def test_the_emulator_is_strict_and_githubkit_reads_it(github):
    number = github.create_issue("Password reset", "- [ ] one email")
    gh = GitHub(SANDBOX_GITHUB_TOKEN, base_url=github.api_url)
    issue = gh.rest.issues.get("acme", "shop", number).json()
    assert issue["title"] == "Password reset"
    gh.rest.issues.create_comment("acme", "shop", number, body="Linked to T-1")
    assert [c["body"] for c in gh.rest.issues.list_comments("acme", "shop", number).json()] == [
        "Linked to T-1"
    ]
    github.repo.files["src/app.py"] = "print('hi')\n"
    listing = gh.rest.repos.get_content("acme", "shop", "src").json()
    assert [e["name"] for e in listing] == ["app.py"]
    with pytest.raises(RequestFailed) as refused:
        wrong = GitHub("github_pat_wrong", base_url=github.api_url)
        wrong.rest.issues.get("acme", "shop", number)
    assert refused.value.response.status_code == 401
    with pytest.raises(RequestFailed) as missing:
        gh.rest.issues.get("acme", "other", number)
    assert missing.value.response.status_code == 404


def test_task_keys_and_names():
    assert task_keys("Fix t-3 and T-12", "maestro/T-3-reset", "AT-4, T-30x") == ["T-3", "T-12"]
    assert task_keys("T-30") == ["T-30"]
    assert parse_repo("https://github.com/acme/shop.git") == "acme/shop"
    assert parse_issue_ref("acme/shop#12") == ("acme/shop", 12)
    with pytest.raises(UserError):
        parse_repo("acme shop")


def test_task_link_links_a_task_to_an_issue_and_refuses_bad_input(connected, sender, redis):
    from maestro.github_store import GitHubStore

    assert "T-1 is linked to acme/shop#12" in said(sender.command("/task", "link T-1 acme/shop#12"))
    assert "already linked" in said(sender.command("/task", "link T-1 acme/shop#12"))
    assert "There's no task T-9" in said(sender.command("/task", "link T-9 acme/shop#12"))
    assert "owner/name#12" in said(sender.command("/task", "link T-2 shop#12"))
    assert "isn't connected to other/repo" in said(sender.command("/task", "link T-2 other/repo#3"))
    assert GitHubStore(redis, TEAM).links(CHANNEL, "T-1") == ["acme/shop#12"]


def test_a_missed_delivery_is_caught_by_reconciliation_once(connected, github, sandbox, run_jobs):
    from jobs.github import reconcile_github

    number, _ = github.open_pull_request("Reset", head="T-1-reset", user="alice")
    run_jobs()
    hook, github.hook_url = github.hook_url, None  # GitHub failed to deliver the merge, and won't retry
    github.merge(number, user="carol")
    github.hook_url = hook
    run_jobs()
    assert connected.get(CHANNEL, "T-1").status is TaskStatus.IN_PROGRESS
    calls = len(github.requests)
    assert reconcile_github() == 1
    assert len(github.requests) - calls == 1  # one API call for the one linked repository
    task = connected.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.COMPLETED
    assert task.completion.kind == "pull_request" and task.completion.reference == f"#{number}"
    assert reconcile_github() == 0
    notes = thread_texts(sandbox, task)
    assert sum("found by the reconciliation pass" in n for n in notes) == 1


def test_reconciliation_starts_a_task_whose_opened_delivery_was_missed(connected, github, run_jobs):
    from jobs.github import reconcile_github

    hook, github.hook_url = github.hook_url, None
    github.open_pull_request("Runbook for T-2", head="docs", user="bob")
    github.hook_url = hook
    assert reconcile_github() == 1
    run_jobs()
    assert connected.get(CHANNEL, "T-2").status is TaskStatus.IN_PROGRESS


def test_agents_read_a_file_and_a_directory_of_the_linked_repository(connected, github, redis, monkeypatch):
    from agents.tools import READ_TOOLS, ToolContext

    monkeypatch.setenv("MAESTRO_GITHUB_TOKEN", SANDBOX_GITHUB_TOKEN)
    monkeypatch.setenv("MAESTRO_GITHUB_API_URL", github.api_url)
    github.repo.files.update({"README.md": "# Shop\n", "src/reset.py": "def reset():\n    return 1\n"})
    tools = {t.name: t for t in READ_TOOLS}
    assert [t.name for t in READ_TOOLS][-2:] == ["read_repo_file", "list_repo_directory"]
    ctx = ToolContext(redis=redis, team_id=TEAM, channel_id=CHANNEL)
    text, error = tools["read_repo_file"].run({"path": "src/reset.py"}, ctx)
    assert not error and json.loads(text)["text"] == "def reset():\n    return 1\n"
    text, error = tools["list_repo_directory"].run({}, ctx)
    assert not error and [(e["name"], e["type"]) for e in json.loads(text)["entries"]] == [
        ("README.md", "file"),
        ("src", "dir"),
    ]
    text, error = tools["read_repo_file"].run({"path": "nope.py"}, ctx)
    assert error and "acme/shop has no 'nope.py'" in text
    text, error = tools["read_repo_file"].run({"path": "src"}, ctx)
    assert error and "is a directory" in text
    other = ToolContext(redis=redis, team_id=TEAM, channel_id="C0OTHER")
    text, error = tools["list_repo_directory"].run({}, other)
    assert error and "isn't linked" in text
    monkeypatch.setenv("MAESTRO_GITHUB_TOKEN", "github_pat_revoked")
    text, error = tools["read_repo_file"].run({"path": "README.md"}, ctx)
    assert error and "401" in text and "revoked" not in text


def test_a_linked_issue_closed_proposes_the_task_done_and_changes_nothing(
    connected, github, sandbox, sender, run_jobs
):
    number = github.create_issue("Password reset", "- [ ] one email")
    sender.command("/task", f"link T-1 {REPO}#{number}")
    delivery = github.close_issue(number, user="carol")
    assert delivery.status == 202
    run_jobs()
    task = connected.get(CHANNEL, "T-1")
    assert task.status is TaskStatus.ASSIGNED
    notes = thread_texts(sandbox, task)
    assert (
        sum(f"Issue {REPO}#{number} was closed by @carol" in n and "/task done T-1" in n for n in notes) == 1
    )
    assert not any("was closed" in n for n in thread_texts(sandbox, connected.get(CHANNEL, "T-2")))
