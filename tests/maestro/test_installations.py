"""The Redis installation and OAuth state stores (slack_sdk's interfaces), tokens encrypted at rest."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from maestro.installations import RedisInstallationStore, RedisOAuthStateStore
from maestro.store import PROJECTS_KEY
from maestro.team_data import delete_team_data

KEY = Fernet.generate_key()


def installation(
    team: str | None = "T1", *, user: str = "U1", token: str = "xoxb-1", **extra
) -> Installation:
    return Installation(
        app_id="A1",
        enterprise_id=extra.pop("enterprise_id", None),
        team_id=team,
        bot_token=token,
        bot_id="B1",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        user_id=user,
        **extra,
    )


def test_saved_installations_are_found_by_team_and_user(redis):
    store = RedisInstallationStore(redis, KEY)
    store.save(installation("T1", user="U1", token="xoxb-one"))
    store.save(installation("T2", user="U2", token="xoxb-two"))
    assert store.find_bot(enterprise_id=None, team_id="T1").bot_token == "xoxb-one"
    assert store.find_bot(enterprise_id=None, team_id="T2").bot_token == "xoxb-two"
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U1").user_id == "U1"
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U2") is None
    assert store.find_bot(enterprise_id=None, team_id="T3") is None
    assert store.find_bot(enterprise_id=None, team_id="T1").bot_scopes == ["chat:write", "commands"]


def test_tokens_are_encrypted_at_rest_and_need_the_key(redis):
    RedisInstallationStore(redis, KEY).save(
        installation(token="xoxb-secret-token", bot_refresh_token="xoxe-1-refresh")
    )
    for key in redis.keys("maestro:install:*"):
        raw = redis.get(key)
        assert b"xoxb-secret-token" not in raw and b"xoxe-1-refresh" not in raw
    other = RedisInstallationStore(redis, Fernet.generate_key())
    assert other.find_bot(enterprise_id=None, team_id="T1") is None  # a wrong key reads nothing


def test_org_wide_install_serves_every_team_of_its_enterprise(redis):
    store = RedisInstallationStore(redis, KEY)
    store.save(installation(None, enterprise_id="E1", is_enterprise_install=True, token="xoxb-org"))
    assert (
        store.find_bot(enterprise_id="E1", team_id="T7", is_enterprise_install=True).bot_token == "xoxb-org"
    )
    assert store.find_team_bot("T7") is None  # not seen yet: its org is unknown
    store.remember_team("T7", "E1", True)
    assert store.find_team_bot("T7").bot_token == "xoxb-org"


def test_a_rotated_bot_token_wins_over_the_installation_copy(redis):
    store = RedisInstallationStore(redis, KEY)
    store.save(installation(token="xoxb-old", bot_refresh_token="xoxe-1", bot_token_expires_in=60))
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    bot.bot_token = "xoxb-new"
    store.save_bot(bot)
    assert store.find_installation(enterprise_id=None, team_id="T1").bot_token == "xoxb-new"


def test_delete_all_removes_one_team_only(redis):
    store = RedisInstallationStore(redis, KEY)
    store.save(installation("T1", user="U1"))
    store.save(installation("T1", user="U9"))
    store.save(installation("T2", user="U2"))
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    assert store.find_installation(enterprise_id=None, team_id="T1") is None
    assert store.find_installation(enterprise_id=None, team_id="T1", user_id="U9") is None
    assert store.find_bot(enterprise_id=None, team_id="T2") is not None
    store.delete_installation(enterprise_id=None, team_id="T2", user_id="U2")
    assert store.find_installation(enterprise_id=None, team_id="T2", user_id="U2") is None
    assert store.find_bot(enterprise_id=None, team_id="T2") is not None


def test_oauth_state_is_consumed_once(redis):
    states = RedisOAuthStateStore(redis, expiration_seconds=60)
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False
    assert states.consume("never-issued") is False
    assert 0 < redis.ttl(f"maestro:oauth-state:{states.issue()}") <= 60


def test_deleting_a_team_s_data_leaves_other_teams_alone(redis):
    redis.set("maestro:T1:project:C1", "{}")
    redis.set("maestro:T1:project:C1:keys", "x")
    redis.set("maestro:T10:project:C1", "{}")  # a team whose id starts with the other's
    redis.sadd(PROJECTS_KEY, "T1:C1", "T10:C1")
    assert delete_team_data(redis, "T1") == 2
    assert redis.exists("maestro:T10:project:C1") and not redis.exists("maestro:T1:project:C1")
    assert redis.smembers(PROJECTS_KEY) == {b"T10:C1"}
    with pytest.raises(ValueError):
        delete_team_data(redis, "*")
