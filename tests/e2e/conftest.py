"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.harness import Processes


@pytest.fixture
def processes(tmp_path: Path):
    def make(**env: str) -> Processes:
        full = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "REDIS_", "MAESTRO_", "ANTHROPIC_"))
        }
        full.update(env)
        made.append(Processes(full, tmp_path))
        return made[-1]

    made: list[Processes] = []
    yield make
    for group in made:
        group.stop()
