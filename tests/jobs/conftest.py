"""Fixtures of the jobs' tests: the Anthropic stub, and settings that turn the Claude brain on for it."""

from __future__ import annotations

import pytest

from maestro.settings import build_settings
from sandbox.anthropic_stub import AnthropicStub
from sandbox.claude_responder import offline_responder


@pytest.fixture
def stub():
    """The Anthropic stub, answering like a diligent model (:func:`offline_responder`)."""
    with AnthropicStub(responder=offline_responder) as server:
        yield server


@pytest.fixture
def claude_settings(redis_url, sandbox, stub, tmp_path):
    """Settings with the Claude brain on, pointed at the stub, with no SDK retries."""
    return build_settings(
        redis_url=redis_url,
        slack_api_url=sandbox.api_url,
        maestro_data_dir=tmp_path,
        anthropic_api_key="sk-ant-test",
        anthropic_base_url=stub.base_url,
        maestro_claude_max_retries=0,
    )


@pytest.fixture
def settings(request, redis_url, sandbox, tmp_path):
    """Claude-enabled settings for tests that ask for ``stub``; the default (offline) ones otherwise."""
    if "stub" in request.fixturenames:
        return request.getfixturevalue("claude_settings")
    return build_settings(redis_url=redis_url, slack_api_url=sandbox.api_url, maestro_data_dir=tmp_path)
