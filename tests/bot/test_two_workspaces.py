"""Two workspaces install Maestro through the sandbox's OAuth flow and get two isolated boards."""

from __future__ import annotations

import http.client
import json
import re
import threading
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
import waitress

from bot.app import create_app
from bot.web import build_wsgi_app
from jobs.commands import run_task_command
from jobs.queues import HIGH, enqueue
from jobs.standup_clock import tick
from maestro.cards import ACTION_START
from maestro.commands import TaskCommand
from maestro.escalation_cards import ACTION_DECIDE
from maestro.escalations import EscalationStore
from maestro.models import TaskStatus
from maestro.settings import SANDBOX_BOT_TOKEN
from maestro.sprint_store import SprintStore
from maestro.standup_store import StandupStore
from maestro.store import NewTask, TaskStore
from sandbox import SlackSender, Workspace
from tests.bot.test_metrics import scrape
from tests.bot.test_task_flow import queued

ALPHA, BETA, CHANNEL = "T0SANDBOX", "T0BETA", "C0PROJECT"


def _get(url: str, cookie: str | None = None) -> http.client.HTTPResponse:
    """One GET, redirects not followed (the test is the browser)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def install(web_url: str, team_id: str) -> str:
    """Click "Add to Slack" on Maestro's install page, allow in ``team_id``, come back; return the page."""
    page = _get(f"{web_url}/slack/install")
    assert page.status == 200
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    authorize = re.search(r'href="([^"]+/oauth/v2/authorize[^"]+)"', page.body.decode()).group(1)
    allowed = _get(authorize.replace("&amp;", "&") + f"&team={team_id}")
    assert allowed.status == 302
    back = _get(allowed.getheader("Location"), cookie=cookie)
    assert back.status == 200, back.body
    return back.body.decode()


@pytest.fixture
def beta(sandbox) -> Workspace:
    return sandbox.add_workspace(
        Workspace(team_id=BETA, team_name="Beta", domain="beta", bot_token="xoxb-beta-before-install")
    )


@pytest.fixture
def runtime(oauth_runtime):
    """The jobs' runtime (``run_jobs`` runs with it): OAuth mode's."""
    return oauth_runtime


@pytest.fixture
def oauth_app(oauth_settings, redis, sandbox, beta, runtime):
    settings = oauth_settings
    server = waitress.create_server(
        build_wsgi_app(create_app(settings, redis=redis), redis), host="127.0.0.1", port=0, threads=8
    )
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    sandbox.oauth.redirect_url = f"{url}/slack/oauth_redirect"
    yield url
    server.close()


def berlin_project(redis, team: str) -> None:
    TaskStore(redis, team).ensure_project(CHANNEL)
    StandupStore(redis, team).update_schedule(
        CHANNEL, lambda s: s.model_copy(update={"timezone": "Europe/Berlin", "prompt_lead_minutes": 0})
    )


@pytest.fixture
def both_installed(oauth_app, sandbox, beta) -> tuple[str, SlackSender, SlackSender]:
    """Alpha and Beta installed through the OAuth flow; the app's URL and a sender from each."""
    install(oauth_app, ALPHA)
    install(oauth_app, BETA)
    return (
        oauth_app,
        SlackSender(oauth_app, server=sandbox),
        SlackSender(oauth_app, server=sandbox, workspace=beta),
    )


def card(workspace: Workspace, key: str) -> dict:
    return next(m for m in workspace.messages(CHANNEL) if m.get("blocks") and m["text"].startswith(f"{key}"))


def test_two_installs_give_two_isolated_boards(oauth_app, runtime, sandbox, beta, redis, run_jobs):
    web_url = oauth_app
    alpha = sandbox.workspace
    assert "Thank you!" in install(web_url, ALPHA) and "Thank you!" in install(web_url, BETA)
    tokens = {team: runtime.teams.store.find_team_bot(team).bot_token for team in (ALPHA, BETA)}
    assert tokens[ALPHA] != tokens[BETA] and SANDBOX_BOT_TOKEN not in tokens.values()
    assert sandbox.workspace_of(tokens[BETA]) is beta

    to_alpha = SlackSender(web_url, server=sandbox)
    to_beta = SlackSender(web_url, server=sandbox, workspace=beta)
    # a command: each board gets its own T-1, posted in its own workspace with its own token
    to_alpha.command("/task", "new Alpha's secret launch plan")
    to_beta.command("/task", "new Beta's onboarding")
    assert run_jobs() == 0
    assert [t.title for t in TaskStore(redis, ALPHA).list_tasks(CHANNEL)] == ["Alpha's secret launch plan"]
    assert [t.title for t in TaskStore(redis, BETA).list_tasks(CHANNEL)] == ["Beta's onboarding"]
    assert "Alpha" not in json.dumps(beta.messages(CHANNEL)) and "Beta" not in json.dumps(
        alpha.messages(CHANNEL)
    )
    assert [c["method"] for c in beta.calls("chat.postMessage")]  # Beta's token reached Beta

    # a button: Beta's Start on "T-1" moves Beta's T-1 only (the value is a key, read in Beta's board)
    to_beta.press(card(beta, "T-1"), ACTION_START, channel_id=CHANNEL)
    assert run_jobs() == 0
    assert TaskStore(redis, BETA).get(CHANNEL, "T-1").status is TaskStatus.IN_PROGRESS
    assert TaskStore(redis, ALPHA).get(CHANNEL, "T-1").status is TaskStatus.ASSIGNED

    # an event: a mention in Beta is answered in Beta, from Beta's board
    to_beta.mention("what is on the board?")
    assert sandbox.workspace.wait_for(lambda: queued(redis) > 0)
    assert run_jobs() == 0
    answers = [m for m in beta.messages(CHANNEL) if m.get("thread_ts")] + [
        r for m in beta.messages(CHANNEL) for r in beta.thread(CHANNEL, m["ts"])[1:]
    ]
    assert answers and "Alpha" not in json.dumps(answers)
    assert not any(m.get("thread_ts") for m in alpha.messages(CHANNEL) if m.get("user") == "UMAESTRO")

    # a job: a job for Beta changes Beta's board and posts in Beta only
    command = TaskCommand.model_validate({"verb": "new", "title": "Made by a job"})
    enqueue(
        redis,
        run_task_command,
        BETA,
        CHANNEL,
        "U0ALICE",
        command.model_dump(mode="json"),
        "job-1",
        queue=HIGH,
    )
    assert run_jobs() == 0
    assert [t.key for t in TaskStore(redis, BETA).list_tasks(CHANNEL)] == ["T-1", "T-2"]
    assert [t.key for t in TaskStore(redis, ALPHA).list_tasks(CHANNEL)] == ["T-1"]
    assert card(beta, "T-2") and not [m for m in alpha.messages(CHANNEL) if m["text"].startswith("T-2")]
    text = scrape(web_url)  # the run shows in /metrics
    assert all(f'maestro_requests_total{{surface="{s}"}}' in text for s in ("command", "action", "event"))


def test_an_uninstalled_team_gets_nothing_more_and_the_other_goes_on(
    both_installed, runtime, sandbox, beta, redis, run_jobs
):
    web_url, to_alpha, to_beta = both_installed
    to_alpha.command("/task", "new Alpha task")
    to_beta.command("/task", "new Beta task")
    assert run_jobs() == 0

    sandbox.uninstall(ALPHA)  # Slack revokes the tokens and sends app_uninstalled
    assert to_alpha.event({"type": "app_uninstalled"}, record=False).status == 200
    assert sandbox.workspace.wait_for(lambda: not runtime.installed(ALPHA)) and runtime.installed(BETA)
    assert [t.title for t in TaskStore(redis, ALPHA).list_tasks(CHANNEL)] == ["Alpha task"]  # kept

    before = len(sandbox.workspace.messages(CHANNEL))
    to_alpha.command("/task", "new After the uninstall")
    to_beta.command("/task", "new Beta goes on")
    assert run_jobs() == 0
    assert len(sandbox.workspace.messages(CHANNEL)) == before
    assert [t.title for t in TaskStore(redis, ALPHA).list_tasks(CHANNEL)] == ["Alpha task"]
    assert [t.title for t in TaskStore(redis, BETA).list_tasks(CHANNEL)] == ["Beta task", "Beta goes on"]


def test_a_rotating_token_is_refreshed_before_it_expires_and_saved(oauth_app, runtime, sandbox, beta):
    web_url = oauth_app
    sandbox.oauth.token_rotation = True
    install(web_url, BETA)
    store = runtime.teams.store
    first = store.find_team_bot(BETA)
    assert first.bot_token.startswith("xoxe.xoxb-") and first.bot_refresh_token.startswith("xoxe-1-")
    assert runtime.for_team(BETA).slack.token == first.bot_token  # 12 hours left: not refreshed

    first.bot_token_expires_at = int(first.installed_at) + 60  # a minute left
    store.save_bot(first)
    client = runtime.for_team(BETA).slack
    refreshed = store.find_team_bot(BETA)
    assert client.token == refreshed.bot_token != first.bot_token
    assert refreshed.bot_token_expires_at > first.bot_token_expires_at
    assert client.auth_test()["team_id"] == BETA  # the new token works in Beta


def test_an_uninstalled_team_gets_no_standup_and_the_other_does(oauth_app, runtime, sandbox, beta, redis):
    web_url = oauth_app
    install(web_url, ALPHA)
    install(web_url, BETA)
    for team in (ALPHA, BETA):
        berlin_project(redis, team)
        store = TaskStore(redis, team)
        store.create_task(CHANNEL, NewTask(title=f"{team} work"), actor="U0ALICE", source="new-1")
        SprintStore(redis, team).start(
            CHANNEL, "Sprint", days=14, actor="U0ALICE", today=date(2026, 11, 19), source="sprint"
        )
        SprintStore(redis, team).add_tasks(CHANNEL, ["T-1"], actor="U0ALICE", source="add")
    sandbox.uninstall(ALPHA)
    SlackSender(web_url, server=sandbox).event({"type": "app_uninstalled"}, record=False)
    assert sandbox.workspace.wait_for(lambda: not runtime.installed(ALPHA))

    fired = tick(runtime, datetime(2026, 11, 24, 8, 31, tzinfo=UTC)).enqueued  # 09:31 in Berlin, a Tuesday
    assert [c for c in fired if c.startswith(f"standup:{BETA}:")]
    assert not [c for c in fired if f":{ALPHA}:" in c or c.startswith(f"standup:{ALPHA}")]


def test_an_escalation_is_decided_only_from_its_own_workspace(
    both_installed, runtime, sandbox, beta, redis, run_jobs
):
    web_url, to_alpha, to_beta = both_installed
    to_alpha.command("/escalate", 'Which provider? --option "Stripe: fastest" --option "Adyen: cheaper"')
    assert run_jobs() == 0
    (record,) = EscalationStore(redis, ALPHA).open_escalations(CHANNEL)
    message = next(m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Escalation"))
    assert not [m for m in beta.messages(CHANNEL) if m["text"].startswith("Escalation")]

    # Beta's admin presses a copy of Alpha's button (same channel id, Alpha's escalation id)
    to_beta.press(message, f"{ACTION_DECIDE}:0", channel_id=CHANNEL, user_id="U0ALICE")
    refused = beta.wait_for(beta.response_posts)
    assert "can't find that escalation" in json.dumps(refused)
    assert run_jobs() == 0
    assert EscalationStore(redis, ALPHA).get(record.id).decision is None
    assert EscalationStore(redis, BETA).open_escalations(CHANNEL) == []
    assert "/escalate list" not in json.dumps(sandbox.workspace.response_posts())  # Alpha was told nothing
