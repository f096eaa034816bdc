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


FERNET_KEY = "a" * 43 + "="  # 32 bytes, url-safe base64


def _oauth_environment(monkeypatch, **overrides):
    env = {
        "MAESTRO_INSTALL_MODE": "oauth",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "shh",
        "MAESTRO_ENCRYPTION_KEY": FERNET_KEY,
    }
    env.update(overrides)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_oauth_mode_is_chosen_explicitly(monkeypatch):
    _oauth_environment(monkeypatch)
    settings = build_settings()
    assert settings.oauth_mode and not settings.sandbox_mode
    assert settings.api_url == "https://slack.com/api/" and settings.maestro_uninstall_data == "keep"
    assert FERNET_KEY not in repr(settings)


def test_client_credentials_alone_keep_single_mode(monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", "111.222")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "client-secret")
    settings = build_settings()
    assert not settings.oauth_mode and settings.sandbox_mode


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"MAESTRO_ENCRYPTION_KEY": None}, "MAESTRO_ENCRYPTION_KEY"),
        ({"MAESTRO_ENCRYPTION_KEY": "not-a-fernet-key"}, "MAESTRO_ENCRYPTION_KEY"),
        ({"SLACK_CLIENT_SECRET": None}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_SIGNING_SECRET": None}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_BOT_TOKEN"),
        ({"MAESTRO_INSTALL_MODE": "multi"}, "MAESTRO_INSTALL_MODE"),
        ({"MAESTRO_UNINSTALL_DATA": "archive"}, "MAESTRO_UNINSTALL_DATA"),
    ],
)
def test_oauth_mode_misconfiguration_names_the_variable(monkeypatch, overrides, named):
    _oauth_environment(monkeypatch, **overrides)
    with pytest.raises(ConfigError) as error:
        build_settings()
    assert named in str(error.value)


def test_a_bad_encryption_key_stops_the_process_with_status_2(monkeypatch, capsys):
    from maestro.settings import load_settings

    _oauth_environment(monkeypatch, MAESTRO_ENCRYPTION_KEY="short")
    with pytest.raises(SystemExit) as stopped:
        load_settings()
    assert stopped.value.code == 2
    assert "MAESTRO_ENCRYPTION_KEY" in capsys.readouterr().err
