from pathlib import Path

import pytest

from maestro.settings import (
    DEFAULT_SANDBOX_API_URL,
    SANDBOX_BOT_TOKEN,
    ConfigError,
    build_settings,
)

SECRET = "8f742231b10e8888abcd99eeefff85a5"
"""A signing secret of Slack's shape (32 hexadecimal characters)."""


def test_no_credentials_means_sandbox_mode():
    settings = build_settings()
    assert settings.sandbox_mode and not settings.socket_mode
    assert settings.bot_token == SANDBOX_BOT_TOKEN and settings.api_url == DEFAULT_SANDBOX_API_URL
    assert settings.port == 3000 and settings.maestro_data_dir == Path(".maestro")


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("MAESTRO_LOG_LEVEL", "debug")
    settings = build_settings()
    assert not settings.sandbox_mode and settings.port == 8080 and settings.maestro_log_level == "DEBUG"
    assert settings.api_url == "https://slack.com/api/"
    assert "xoxb-123" not in repr(settings)  # tokens are SecretStr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, "SLACK_APP_TOKEN": "xoxb-2"},
            "SLACK_APP_TOKEN",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
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


@pytest.mark.parametrize(
    ("env", "said"),
    [
        (
            {"SLACK_BOT_TOKEN": '"xoxb-1"'},
            "SLACK_BOT_TOKEN: has quotes around it; set the value without them",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1 \n"}, "SLACK_BOT_TOKEN: has spaces or a line break in it"),
        (
            {"SLACK_BOT_TOKEN": "xapp-1"},
            "SLACK_BOT_TOKEN: is the app-level token (SLACK_APP_TOKEN), not a bot token",
        ),
        ({"SLACK_SIGNING_SECRET": "xoxb-1"}, "SLACK_SIGNING_SECRET: is the bot token (SLACK_BOT_TOKEN)"),
        ({"SLACK_SIGNING_SECRET": "a1b2c3d4e5f6g7h8i9j0k1l2"}, "Signing Secret, 32 hexadecimal characters"),
        (
            {"SLACK_APP_TOKEN": "xoxb-2"},
            "SLACK_APP_TOKEN: is the bot token (SLACK_BOT_TOKEN), not an app-level",
        ),
        (
            {"ANTHROPIC_API_KEY": "my-key"},
            "ANTHROPIC_API_KEY: must be an Anthropic API key, which starts with sk-ant-",
        ),
        ({"ANTHROPIC_API_KEY": "'sk-ant-1'"}, "ANTHROPIC_API_KEY: has quotes around it"),
    ],
)
def test_a_secret_of_the_wrong_shape_says_what_is_wrong_and_where_to_get_it(monkeypatch, env, said):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, **env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        build_settings()
    message = str(error.value)
    assert said in message and "\n" not in message
    assert "api.slack.com/apps" in message or "console.anthropic.com" in message
    assert env.get("ANTHROPIC_API_KEY", "sk-ant-") == "sk-ant-" or "my-key" not in message  # no secret echoed


def test_well_formed_secrets_are_accepted(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET.upper())
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-x")
    assert build_settings().claude_enabled


FERNET_KEY = "a" * 43 + "="  # 32 bytes, url-safe base64


def _oauth_environment(monkeypatch, **overrides):
    env = {
        "MAESTRO_INSTALL_MODE": "oauth",
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": SECRET,
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
