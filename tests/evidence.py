"""Completion evidence for tests that complete tasks directly through the store."""

from __future__ import annotations

from maestro.models import CompletionEvidence


def approved_by(user_id: str) -> CompletionEvidence:
    """A person's approval: what a Done by ``user_id`` records."""
    return CompletionEvidence(kind="approval", by=user_id)
