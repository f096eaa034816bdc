"""The risk register: a risk's fields and seed 001's RAG rule (pure; no I/O).

Source: seed 001, "Risk Register" — Risk ID ``RISK-NNN``, category, description, probability,
impact, RAG, mitigation, owner, status.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field

from maestro.models import new_id, utcnow


class RiskCategory(StrEnum):
    """What kind of risk it is (seed 001)."""

    SCHEDULE = "schedule"
    TECHNICAL = "technical"
    DEPENDENCY = "dependency"
    RESOURCE = "resource"
    SECURITY = "security"


class Probability(StrEnum):
    """How likely the risk is to happen (seed 001)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Impact(StrEnum):
    """How bad it is if it happens (seed 001)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class RiskStatus(StrEnum):
    """Where the risk stands (seed 001). Only ``open`` risks show in standups and reports."""

    OPEN = "open"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class Rag(StrEnum):
    """Red/Amber/Green, worst first in :data:`RAG_ORDER`."""

    RED = "RED"
    AMBER = "AMBER"
    GREEN = "GREEN"


RAG_ORDER: dict[Rag, int] = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2}
"""Sort order, worst first."""

RAG_EMOJI: dict[Rag, str] = {
    Rag.RED: ":red_circle:",
    Rag.AMBER: ":large_orange_circle:",
    Rag.GREEN: ":large_green_circle:",
}
"""How a RAG rating is shown in Slack (with the word beside it, never colour alone)."""


def risk_rag(probability: Probability, impact: Impact) -> Rag:
    """Return a risk's RAG by seed 001's rule: "Red = high/high or critical; Amber = medium; Green = low".

    Read as: RED when the impact is critical, or probability and impact are both high; GREEN when
    both are low; AMBER otherwise (anything medium, and low/high or high/low — seed 001's own
    RISK-003 is low/high and AMBER).
    """
    if impact is Impact.CRITICAL or (probability is Probability.HIGH and impact is Impact.HIGH):
        return Rag.RED
    if probability is Probability.LOW and impact is Impact.LOW:
        return Rag.GREEN
    return Rag.AMBER


def worst(rags: list[Rag]) -> Rag:
    """Return the worst rating of ``rags`` (GREEN for none)."""
    return min(rags, key=RAG_ORDER.__getitem__, default=Rag.GREEN)


class Risk(BaseModel):
    """One entry of a project's risk register (seed 001).

    Attributes:
        key: ``RISK-NNN`` per project (three digits at least), from an atomic counter.
        owner: who mitigates it: a Slack user id (``U…``) or an agent role id; None when unowned.
        rag: derived from probability and impact by :func:`risk_rag`, never set by hand.
        version: incremented on every change.
    """

    id: str = Field(default_factory=new_id)
    key: str
    team_id: str
    channel_id: str
    description: str = Field(min_length=1, max_length=1000)
    category: RiskCategory = RiskCategory.TECHNICAL
    probability: Probability = Probability.MEDIUM
    impact: Impact = Impact.MEDIUM
    mitigation: str = Field(default="", max_length=1000)
    owner: str | None = None
    status: RiskStatus = RiskStatus.OPEN
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    version: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def rag(self) -> Rag:
        """RED/AMBER/GREEN by seed 001's rule (:func:`risk_rag`)."""
        return risk_rag(self.probability, self.impact)

    @property
    def is_open(self) -> bool:
        """True while the risk's status is ``open``."""
        return self.status is RiskStatus.OPEN

    @property
    def number(self) -> int:
        """The numeric part of the key (``RISK-007`` → 7)."""
        return int(self.key.split("-", 1)[1])


def risk_key(number: int) -> str:
    """Return the key of risk ``number``: ``RISK-007``."""
    return f"RISK-{number:03d}"
