"""OAuth mode's fixtures (a module overrides ``runtime`` with ``oauth_runtime`` to run its jobs in it)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from jobs.runtime import build_runtime, set_runtime
from maestro.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, build_settings


@pytest.fixture
def oauth_settings(redis_url, sandbox, tmp_path):
    """OAuth-mode settings on the sandbox (its client id and secret) and the test Redis."""
    return build_settings(
        redis_url=redis_url,
        slack_api_url=sandbox.api_url,
        maestro_data_dir=tmp_path / "data",
        maestro_install_mode="oauth",
        slack_client_id=SANDBOX_CLIENT_ID,
        slack_client_secret=SANDBOX_CLIENT_SECRET,
        slack_signing_secret=sandbox.workspace.signing_secret,
        maestro_encryption_key=Fernet.generate_key().decode(),
    )


@pytest.fixture
def oauth_runtime(oauth_settings, redis):
    """The OAuth-mode runtime of jobs, installed for the test."""
    runtime = build_runtime(oauth_settings, redis)
    set_runtime(runtime)
    yield runtime
    set_runtime(None)
