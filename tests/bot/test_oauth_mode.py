"""OAuth mode: Bolt's install flow on our Redis stores; tokens from installations; uninstalls."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import waitress
import yaml
from slack_sdk.oauth.installation_store import Installation

from bot.app import create_app
from bot.oauth import BOT_SCOPES, NOT_INSTALLED_TEXT
from bot.web import build_wsgi_app
from jobs.slack import NotInstalledError
from maestro.installations import RedisInstallationStore
from maestro.settings import SANDBOX_CLIENT_ID
from maestro.store import TaskStore
from sandbox import SlackSender
from tests.bot.test_task_flow import card_of

TEAM = "T0SANDBOX"
INSTALLED_TOKEN = "xoxb-T0SANDBOX-installed"


@pytest.fixture
def runtime(oauth_runtime):
    """The jobs' runtime (``run_jobs`` runs with it): OAuth mode's."""
    return oauth_runtime


@pytest.fixture
def oauth_web(oauth_settings, redis, runtime):
    server = waitress.create_server(
        build_wsgi_app(create_app(oauth_settings, redis=redis), redis), host="127.0.0.1", port=0, threads=4
    )
    threading.Thread(target=server.run, daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()


def install_sandbox_team(runtime, sandbox) -> None:
    """Install in the sandbox's workspace with a token of its own (the single-mode token revoked)."""
    sandbox.uninstall(TEAM)
    sandbox.give_token(sandbox.workspace, INSTALLED_TOKEN)
    runtime.teams.store.save(
        Installation(
            app_id="A0MAESTRO",
            team_id=TEAM,
            bot_token=INSTALLED_TOKEN,
            bot_id="BMAESTRO",
            bot_user_id="UMAESTRO",
            bot_scopes=",".join(BOT_SCOPES),
            user_id="U0ALICE",
        )
    )


def test_the_scopes_asked_for_are_the_manifest_s():
    manifest = yaml.safe_load((Path(__file__).parents[2] / "manifest.yml").read_text())
    assert list(BOT_SCOPES) == manifest["oauth_config"]["scopes"]["bot"]


def test_install_page_links_to_slack_s_authorize_page_with_a_state(oauth_web, sandbox):
    with urllib.request.urlopen(f"{oauth_web}/slack/install", timeout=5) as page:  # noqa: S310 - loopback
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"]
    assert f"{sandbox.url}/oauth/v2/authorize?state=" in html
    assert f"client_id={SANDBOX_CLIENT_ID}" in html and "scope=app_mentions:read,channels:history" in html
    assert cookie.startswith("slack-app-oauth-state=")


def test_a_command_runs_with_the_team_s_stored_token(oauth_web, runtime, sandbox, run_jobs):
    install_sandbox_team(runtime, sandbox)
    sent = SlackSender(oauth_web, server=sandbox).command("/task", "new Read the installation")
    assert sent.status == 200 and sent.body == ""
    assert run_jobs() == 0
    assert card_of(sandbox, "T-1")["text"].startswith("T-1")


def test_a_team_without_installation_is_told_to_install_and_nothing_runs(oauth_web, sandbox, redis):
    sent = SlackSender(oauth_web, server=sandbox).command("/task", "new Nobody installed me")
    assert sent.status == 200
    told = [e["text"] for e in sandbox.workspace.ephemerals(user="U0ALICE")]
    assert told == [NOT_INSTALLED_TEXT]
    assert TaskStore(redis, TEAM).list_tasks("C0PROJECT") == []


def test_jobs_take_each_team_s_token_from_the_store(runtime, sandbox):
    with pytest.raises(RuntimeError, match="no team chosen"):
        runtime.slack.auth_test()
    with pytest.raises(NotInstalledError):
        runtime.for_team(TEAM)
    install_sandbox_team(runtime, sandbox)
    assert runtime.for_team(TEAM).slack.auth_test()["team_id"] == TEAM
    assert runtime.installed(TEAM) and not runtime.installed("T0OTHER")


@pytest.mark.parametrize("data", ["keep", "delete"])
def test_app_uninstalled_deletes_the_installation_and_the_data_as_configured(
    data, oauth_settings, redis, runtime, sandbox, run_jobs
):
    settings = oauth_settings.model_copy(update={"maestro_uninstall_data": data})
    server = waitress.create_server(
        build_wsgi_app(create_app(settings, redis=redis), redis), host="127.0.0.1", port=0, threads=4
    )
    threading.Thread(target=server.run, daemon=True).start()
    sender = SlackSender(f"http://127.0.0.1:{server.effective_port}", server=sandbox)
    try:
        install_sandbox_team(runtime, sandbox)
        sender.command("/task", "new Before the uninstall")
        assert run_jobs() == 0
        sent = sender.event({"type": "app_uninstalled"}, record=False)
        assert sent.status == 200
        store = RedisInstallationStore(redis, settings.maestro_encryption_key.get_secret_value())
        assert sandbox.workspace.wait_for(lambda: store.find_bot(enterprise_id=None, team_id=TEAM) is None)
        assert not runtime.installed(TEAM)
        if data == "delete":
            assert sandbox.workspace.wait_for(lambda: not TaskStore(redis, TEAM).list_tasks("C0PROJECT"))
        tasks = TaskStore(redis, TEAM).list_tasks("C0PROJECT")
        assert len(tasks) == (1 if data == "keep" else 0)
    finally:
        server.close()
