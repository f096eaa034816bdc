"""Escalations: decisions only a human may make, decided exactly once, by the right people.

Seed 004's escalation format (Issue, Workflow Stage, Options with trade-offs, Recommendation,
Blocking) and seed 001's escalation triggers. Keys (``{t}`` = ``maestro:<team_id>``):

- ``{t}:escalation:<id>`` → EscalationRecord JSON; ``{t}:escalations:<channel>`` → sorted set of
  open escalation ids by creation time; ``{t}:approvers:<channel>`` → set of user ids;
  ``{t}:escalation-source:<source>`` → the escalation a request or job raised.

``{t}:escalation-decision:<id>`` holds the decision, written with ``SET NX``: the first valid
press wins, atomically, whatever number of web threads or processes race for it; the record is
then updated by the winner alone (and reads merge the decision in, should it crash first).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from redis import Redis, WatchError

from maestro.errors import NotFound, UserError
from maestro.models import Priority, new_id, utcnow
from maestro.plans import EscalationOption

YES_NO: tuple[EscalationOption, ...] = (
    EscalationOption(label="Approve", tradeoff="Go ahead as proposed."),
    EscalationOption(label="Reject", tradeoff="Stop; the work goes back to its author."),
)
"""The options of an escalation that asks only yes or no."""

EscalationStatus = Literal["open", "decided"]

DEFAULT_REMINDER_HOURS = 4
"""Working hours an escalation waits before its deciders get a direct message (and again after)."""

DEFAULT_BLOCKED_DAYS = 2
"""Days a task may stay BLOCKED before the clock escalates it (critical after twice that)."""

PRIORITY_STEPS = (Priority.LOW, Priority.MEDIUM, Priority.HIGH, Priority.CRITICAL)
"""Each reminder raises an escalation's priority one step, up to critical (seed 001)."""


def raised(priority: Priority) -> Priority:
    """Return the next priority up (critical stays critical)."""
    index = PRIORITY_STEPS.index(priority)
    return PRIORITY_STEPS[min(index + 1, len(PRIORITY_STEPS) - 1)]


class Decision(BaseModel):
    """Who decided, which option (its index and label), when (UTC), and why if they said."""

    by: str
    option: int
    label: str
    at: datetime
    note: str = ""


class EscalationRecord(BaseModel):
    """An escalation as stored (seed 004's fields, plus who may decide and the decision).

    Attributes:
        options: the choices; a yes/no escalation has :data:`YES_NO`.
        recommended: index of the recommended option, if any.
        blocking: task keys that wait for the decision.
        raised_by: a Slack user id, ``agent:<role>`` or ``system`` (a trigger).
        deciders: user ids allowed to decide (the approvers when it was raised).
        thread_ts: where the question and the outcome are posted (the task's or plan's thread).
    """

    id: str = Field(default_factory=new_id)
    team_id: str
    channel_id: str
    issue: str
    workflow_stage: str = ""
    options: list[EscalationOption]
    recommended: int | None = None
    recommendation: str = ""
    blocking: list[str] = Field(default_factory=list)
    priority: Priority = Priority.HIGH
    raised_by: str
    requester: str | None = None
    deciders: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    status: EscalationStatus = "open"
    decision: Decision | None = None
    message_ts: str | None = None
    thread_ts: str | None = None
    reminders: int = 0
    last_reminded_at: datetime | None = None

    @property
    def yes_no(self) -> bool:
        """True when the options are Approve and Reject."""
        return [o.label for o in self.options] == [o.label for o in YES_NO]


class EscalationStore:
    """Escalations and approvers of one Slack team."""

    def __init__(self, redis: Redis, team_id: str):
        self.redis = redis
        self.team_id = team_id
        self._t = f"maestro:{team_id}"

    def _key(self, escalation_id: str) -> str:
        return f"{self._t}:escalation:{escalation_id}"

    def _open(self, channel_id: str) -> str:
        return f"{self._t}:escalations:{channel_id}"

    # -- approvers ----------------------------------------------------------------------------
    def approvers(self, channel_id: str) -> list[str]:
        """Return the project's approvers (Slack user ids), sorted."""
        return sorted(
            m.decode() if isinstance(m, bytes) else m
            for m in self.redis.smembers(f"{self._t}:approvers:{channel_id}")
        )

    def add_approver(self, channel_id: str, user_id: str) -> None:
        """Let a person decide this project's escalations."""
        self.redis.sadd(f"{self._t}:approvers:{channel_id}", user_id)

    def remove_approver(self, channel_id: str, user_id: str) -> bool:
        """Stop a person deciding; return False when they weren't an approver."""
        return bool(self.redis.srem(f"{self._t}:approvers:{channel_id}", user_id))

    # -- per-project thresholds ---------------------------------------------------------------
    def thresholds(self, channel_id: str) -> tuple[float, float]:
        """Return ``(blocked days, reminder working hours)`` of the project."""
        raw = self.redis.hgetall(f"{self._t}:escalation-settings:{channel_id}")
        values = {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}
        return values.get("blocked_days", DEFAULT_BLOCKED_DAYS), values.get(
            "reminder_hours", DEFAULT_REMINDER_HOURS
        )

    def set_threshold(self, channel_id: str, name: str, value: float) -> None:
        """Set ``blocked_days`` or ``reminder_hours`` for the project."""
        assert name in ("blocked_days", "reminder_hours")
        self.redis.hset(f"{self._t}:escalation-settings:{channel_id}", name, value)

    def note_reminder(self, escalation_id: str, now: datetime, priority: Priority) -> EscalationRecord | None:
        """Record a reminder (count, time, raised priority) while the escalation is still open.

        Returns:
            The updated escalation, or None when it was decided meanwhile (nothing is written).
        """
        decision_key = f"{self._t}:escalation-decision:{escalation_id}"

        def remind(record: EscalationRecord) -> EscalationRecord | None:
            if record.decision is not None or self.redis.exists(decision_key):
                return None
            update = {"reminders": record.reminders + 1, "last_reminded_at": now, "priority": priority}
            return record.model_copy(update=update)

        return self._update(escalation_id, remind)

    # -- escalations --------------------------------------------------------------------------
    def raise_escalation(self, record: EscalationRecord, *, source: str) -> tuple[EscalationRecord, bool]:
        """Store a new escalation, once per ``source``; return it and whether this call raised it."""
        marker = f"{self._t}:escalation-source:{source}"
        if not self.redis.set(marker, record.id, nx=True, ex=31 * 24 * 3600):
            existing = self.get(self.redis.get(marker).decode())
            return existing, False
        with self.redis.pipeline() as pipe:
            pipe.set(self._key(record.id), record.model_dump_json())
            pipe.zadd(self._open(record.channel_id), {record.id: record.created_at.timestamp()})
            pipe.execute()
        return record, True

    def _update(self, escalation_id: str, change) -> EscalationRecord | None:
        """Apply ``change(record) -> record | None`` under WATCH; ``None`` writes nothing.

        Concurrent writers (a decision, a reminder, the message ts) never drop each other's fields.
        """
        key = self._key(escalation_id)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if not raw:
                        return None
                    updated = change(EscalationRecord.model_validate_json(raw))
                    if updated is None:
                        return None
                    pipe.multi()
                    pipe.set(key, updated.model_dump_json())
                    pipe.execute()
                    return updated
                except WatchError:
                    continue

    def raised_for(self, source: str) -> EscalationRecord | None:
        """Return the escalation a request, job or trigger fact raised, or None."""
        raw = self.redis.get(f"{self._t}:escalation-source:{source}")
        return self.get(raw.decode() if isinstance(raw, bytes) else raw) if raw else None

    def claim_once(self, name: str) -> bool:
        """True the first time ``name`` is claimed (31 days)."""
        return bool(self.redis.set(f"{self._t}:escalation-once:{name}", "1", nx=True, ex=31 * 24 * 3600))

    def get(self, escalation_id: str) -> EscalationRecord:
        """Return an escalation of this team.

        Raises:
            NotFound: no such escalation in this team (a malformed or another team's id included).
        """
        raw = self.redis.get(self._key(escalation_id)) if escalation_id.isalnum() else None
        if not raw:
            raise NotFound("I can't find that escalation. `/escalate list` shows the open ones.")
        record = EscalationRecord.model_validate_json(raw)
        decided = self.redis.get(f"{self._t}:escalation-decision:{escalation_id}")
        if decided and record.decision is None:
            record = record.model_copy(
                update={"status": "decided", "decision": Decision.model_validate_json(decided)}
            )
        return record

    def open_escalations(self, channel_id: str) -> list[EscalationRecord]:
        """Return the channel's undecided escalations, oldest first."""
        ids = self.redis.zrange(self._open(channel_id), 0, -1)
        raws = (
            self.redis.mget([self._key(i.decode() if isinstance(i, bytes) else i) for i in ids])
            if ids
            else []
        )
        return [EscalationRecord.model_validate_json(raw) for raw in raws if raw]

    def set_message(self, escalation_id: str, message_ts: str) -> None:
        """Record the ``ts`` of the escalation's message."""
        self._update(escalation_id, lambda r: r.model_copy(update={"message_ts": message_ts}))

    def decide(
        self, escalation_id: str, *, by: str, option: int, note: str = "", now: datetime | None = None
    ) -> tuple[EscalationRecord, bool]:
        """Record a decision unless one was made: the first valid call wins, atomically.

        Returns:
            ``(record, won)``: the escalation after the call, and whether this call decided it.

        Raises:
            NotFound: no such escalation in this team.
            UserError: the option index is out of range.
        """
        record = self.get(escalation_id)
        if not 0 <= option < len(record.options):
            raise UserError("That isn't one of this escalation's options.")
        decision = Decision(
            by=by, option=option, label=record.options[option].label, at=now or utcnow(), note=note
        )
        won = self.redis.set(
            f"{self._t}:escalation-decision:{escalation_id}", decision.model_dump_json(), nx=True
        )
        if not won:
            return self.get(escalation_id), False
        decided = self._update(
            escalation_id, lambda r: r.model_copy(update={"status": "decided", "decision": decision})
        )
        assert decided is not None
        audit = {"at": decision.at.isoformat(), "by": by, "action": "decided", "option": decision.label}
        with self.redis.pipeline() as pipe:
            pipe.zrem(self._open(record.channel_id), escalation_id)
            pipe.rpush(f"{self._t}:escalation-audit:{escalation_id}", json.dumps(audit))
            pipe.execute()
        return decided, True


def may_decide(record: EscalationRecord, user_id: str, *, is_admin: bool) -> bool:
    """True when this person may decide: one of its deciders, or a workspace admin."""
    return is_admin or user_id in record.deciders


def deciders_for(approvers: list[str], *, requester: str | None) -> list[str]:
    """Who may decide a new escalation: the project's approvers, else its requester (admins always may)."""
    if approvers:
        return list(approvers)
    return [requester] if requester and requester[:1] in ("U", "W") else []
