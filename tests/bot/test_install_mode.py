"""MAESTRO_INSTALL_MODE: single-workspace mode stays single even when Bolt's OAuth variables are set."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request

import pytest
import waitress

from bot.app import create_app
from bot.web import build_wsgi_app
from maestro.settings import build_settings
from sandbox import SlackSender
from tests.bot.test_task_flow import card_of


@pytest.fixture
def bolt_oauth_environment(monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")


def test_single_mode_ignores_bolt_oauth_variables(bolt_oauth_environment, redis, sandbox, tmp_path, caplog):
    settings = build_settings(redis_url=None, slack_api_url=sandbox.api_url, maestro_data_dir=tmp_path)
    assert settings.maestro_install_mode == "single" and settings.slack_client_id == "111.222"
    app = create_app(settings, redis=redis)
    assert app.oauth_flow is None and app.installation_store is None
    assert app.client.token == settings.bot_token
    assert os.environ["SLACK_CLIENT_ID"] == "111.222"  # given back once Bolt is built
    assert "ignored with MAESTRO_INSTALL_MODE=single" in caplog.text


def test_single_mode_serves_no_install_page_and_answers_with_the_bot_token(
    bolt_oauth_environment, redis, sandbox, settings, runtime, run_jobs
):
    server = waitress.create_server(
        build_wsgi_app(create_app(settings, redis=redis), redis), host="127.0.0.1", port=0, threads=4
    )
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{url}/slack/install", timeout=5)  # noqa: S310 - loopback
        assert refused.value.code == 404
        sent = SlackSender(url, server=sandbox).command("/task", "new Check the install mode")
        assert sent.status == 200
        assert run_jobs() == 0
        assert card_of(sandbox, "T-1")["text"].startswith("T-1")
    finally:
        server.close()


def test_single_mode_acks_an_uninstall_and_logs_the_fix(sender, caplog):
    sent = sender.event({"type": "app_uninstalled"}, record=False)
    assert sent.status == 200
    assert "SLACK_BOT_TOKEN no longer works" in caplog.text
