from pathlib import Path

import pytest

from maestro.settings import (
    DEFAULT_SANDBOX_API_URL,
    SANDBOX_BOT_TOKEN,
    ConfigError,
    build_settings,
)


def test_no_credentials_means_sandbox_mode():
    settings = build_settings()
    assert settings.sandbox_mode and not settings.socket_mode
    assert settings.bot_token == SANDBOX_BOT_TOKEN and settings.api_url == DEFAULT_SANDBOX_API_URL
    assert settings.port == 3000 and settings.maestro_data_dir == Path(".maestro")


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("MAESTRO_LOG_LEVEL", "debug")
    settings = build_settings()
    assert not settings.sandbox_mode and settings.port == 8080 and settings.maestro_log_level == "DEBUG"
    assert settings.api_url == "https://slack.com/api/"
    assert "xoxb-123" not in repr(settings)  # tokens are SecretStr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "xoxb-2"},
            "SLACK_APP_TOKEN",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "web"}, "PORT"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"MAESTRO_LOG_FORMAT": "xml"}, "MAESTRO_LOG_FORMAT"),
        ({"MAESTRO_INBOX_GRACE": "-1"}, "MAESTRO_INBOX_GRACE"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, env, named):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        build_settings()
    assert named in str(error.value)


def test_socket_mode_needs_no_signing_secret(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert build_settings().socket_mode
