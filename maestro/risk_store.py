"""The risk register's repository over Redis (seed 001, "Risk Register").

A project (Slack channel) keeps its own register; keys are ``RISK-NNN`` from an atomic counter
per project. Every change is written with its audit event in one MULTI/EXEC under WATCH, and is
idempotent per ``source`` (the Slack request or job that asked for it): a retry changes nothing.

Key layout (``{p}`` = ``maestro:<team_id>:project:<channel_id>``):

- ``{p}:risk-seq`` → last risk number (``INCR``).
- ``{p}:risk:<KEY>`` → Risk JSON (``KEY`` like ``RISK-007``).
- ``{p}:risk:<KEY>:events`` → list of :class:`RiskEvent` JSON, oldest first (the audit trail).
- ``{p}:risks`` → sorted set of every risk key, scored by number.
- ``{p}:risks:open`` → sorted set of the open risks' keys, scored by creation time (UTC epoch
  seconds), so :meth:`RiskStore.opened_since` is one ``ZRANGEBYSCORE``.
- ``{p}:risk-source:<source>`` → the key of the risk a request or job changed (31 days).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from redis import WatchError

from maestro.errors import NotFound, UserError
from maestro.keys import TeamScoped, text
from maestro.models import AGENT_ROLES, utcnow
from maestro.risks import RAG_ORDER, Impact, Probability, Risk, RiskCategory, RiskStatus, risk_key
from maestro.text import escape

DEFAULT_RISK_SOURCE_TTL = 31 * 24 * 3600
"""Seconds the risk a request or job changed is remembered, so a re-run changes nothing."""

MAX_RISKS_PER_PROJECT = 9_999
"""A project's register refuses new risks past this many (keys stay ``RISK-NNNN`` at most)."""

EDITABLE_FIELDS: frozenset[str] = frozenset(
    {"description", "category", "probability", "impact", "mitigation", "owner", "status"}
)
"""Fields :meth:`RiskStore.update` may change (``rag`` follows probability and impact)."""

RiskAction = Literal["created", "updated", "closed", "reopened"]
"""What an audit event records."""


class RiskEvent(BaseModel):
    """One change of a risk, for its audit trail.

    Attributes:
        at: when (UTC).
        actor: a Slack user id, ``agent:<role>`` or ``system``.
        action: ``created``, ``updated``, ``closed`` (any status but open) or ``reopened``.
        version: the risk's version after the change.
        source: the Slack request or job that caused it, if known.
        changes: field → ``[before, after]`` as JSON values; ``rag`` is included when it moved.
    """

    at: datetime
    actor: str
    action: RiskAction
    version: int
    source: str | None = None
    changes: dict[str, list[Any]] = Field(default_factory=dict)


_KEY_RE = re.compile(r"\s*RISK-?0*(\d{1,6})\s*", re.IGNORECASE)


def normal_key(key: str) -> str:
    """Return a risk key in its stored form: ``risk-7``, ``RISK7`` → ``RISK-007`` (others upper-cased)."""
    match = _KEY_RE.fullmatch(key)
    return risk_key(int(match.group(1))) if match else key.strip().upper()


def register_order(risk: Risk) -> tuple[int, int, int]:
    """Sort key of the register: open first, then RAG worst first, then key number."""
    return (0 if risk.is_open else 1, RAG_ORDER[risk.rag], risk.number)


class RiskStore(TeamScoped):
    """The risk registers of one Slack team.

    Args:
        redis: a client with ``decode_responses=False`` or ``True`` (both work).
        team_id: the Slack team id (``T…``) every key is prefixed with.
    """

    # -- keys ---------------------------------------------------------------------------------

    def _risk(self, channel_id: str, key: str) -> str:
        return f"{self._p(channel_id)}:risk:{key}"

    def _events(self, channel_id: str, key: str) -> str:
        return f"{self._p(channel_id)}:risk:{key}:events"

    def _source(self, channel_id: str, source: str) -> str:
        return f"{self._p(channel_id)}:risk-source:{source}"

    # -- reading ------------------------------------------------------------------------------
    def get(self, channel_id: str, key: str) -> Risk:
        """Return risk ``key`` (``RISK-007``; any case, ``RISK-7`` too) of the channel's register.

        Raises:
            NotFound: no such risk here; the message says how to list them.
        """
        key = normal_key(key)
        raw = self.redis.get(self._risk(channel_id, key)) if key.startswith("RISK-") else None
        if not raw:
            raise NotFound(f"There's no {escape(key) or 'such risk'} here. `/risk list` shows the register.")
        return Risk.model_validate_json(raw)

    def list(self, channel_id: str, *, open_only: bool = True) -> list[Risk]:
        """Return the channel's risks: RAG worst first, then key (open before closed ones).

        Two round trips (``ZRANGE`` + ``MGET``) whatever the register's size.

        Args:
            channel_id: the project.
            open_only: only risks whose status is ``open`` (the default); else every risk.
        """
        index = f"{self._p(channel_id)}:{'risks:open' if open_only else 'risks'}"
        return sorted(self._read(channel_id, self.redis.zrange(index, 0, -1)), key=register_order)

    def opened_since(self, channel_id: str, since: datetime) -> list[Risk]:
        """Return the open risks created after ``since`` (aware, any zone), oldest first.

        What a standup shows as "new risks". Two round trips (``ZRANGEBYSCORE`` + ``MGET``).
        """
        keys = self.redis.zrangebyscore(f"{self._p(channel_id)}:risks:open", f"({since.timestamp()}", "+inf")
        return [r for r in self._read(channel_id, keys) if r.created_at > since]

    def events(self, channel_id: str, key: str) -> list[RiskEvent]:
        """Return the audit trail of risk ``key``, oldest first (empty for an unknown key)."""
        raws = self.redis.lrange(self._events(channel_id, normal_key(key)), 0, -1)
        return [RiskEvent.model_validate_json(raw) for raw in raws]

    def _read(self, channel_id: str, keys: list) -> list[Risk]:
        if not keys:
            return []
        raws = self.redis.mget([self._risk(channel_id, text(k)) for k in keys])
        return [Risk.model_validate_json(raw) for raw in raws if raw]

    # -- writing ------------------------------------------------------------------------------
    def add(
        self,
        channel_id: str,
        *,
        description: str,
        category: RiskCategory | str = RiskCategory.TECHNICAL,
        probability: Probability | str = Probability.MEDIUM,
        impact: Impact | str = Impact.MEDIUM,
        mitigation: str = "",
        owner: str | None = None,
        actor: str,
        source: str,
    ) -> Risk:
        """Add a risk to the channel's register under the next ``RISK-NNN``, with its ``created`` event.

        Args:
            channel_id: the project.
            description: what could go wrong (1–1,000 characters).
            category: seed 001's category (member or its value).
            probability: ``low|medium|high`` (member or value).
            impact: ``low|medium|high|critical`` (member or value).
            mitigation: the action that reduces it (≤ 1,000 characters).
            owner: a Slack user id (``U…``) or an agent role id of :data:`maestro.models.AGENT_ROLES`;
                None when unowned.
            actor: who added it (Slack user id, ``agent:<role>`` or ``system``).
            source: the request or job adding it (e.g. ``risk-<trigger_id>``); a second call with
                the same source returns the first call's risk and writes nothing.

        Returns:
            The risk as stored (version 1, status open).

        Raises:
            UserError: a field is invalid (empty or too long text, an unknown value, an owner that
                is neither a user id nor an agent role), or the register is full. Nothing is written.
        """
        now = utcnow()
        draft = _validated(
            {
                "key": risk_key(0),
                "team_id": self.team_id,
                "channel_id": channel_id,
                "description": description,
                "category": category,
                "probability": probability,
                "impact": impact,
                "mitigation": mitigation,
                "owner": owner,
                "created_by": actor,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        p, source_key = self._p(channel_id), self._source(channel_id, source)
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(source_key)
                    prior = pipe.get(source_key)
                    if prior:
                        return self.get(channel_id, text(prior))
                    number = int(pipe.incr(f"{p}:risk-seq"))
                    if number > MAX_RISKS_PER_PROJECT:
                        raise UserError(
                            f"This channel's risk register is full ({MAX_RISKS_PER_PROJECT:,} risks). "
                            "Close old ones with `/risk close RISK-001`."
                        )
                    risk = draft.model_copy(update={"key": risk_key(number)})
                    event = RiskEvent(at=now, actor=actor, action="created", version=1, source=source)
                    pipe.multi()
                    pipe.set(self._risk(channel_id, risk.key), risk.model_dump_json())
                    pipe.zadd(f"{p}:risks", {risk.key: number})
                    pipe.zadd(f"{p}:risks:open", {risk.key: now.timestamp()})
                    pipe.rpush(self._events(channel_id, risk.key), event.model_dump_json())
                    pipe.set(source_key, risk.key, ex=DEFAULT_RISK_SOURCE_TTL)
                    pipe.execute()
                    return risk
                except WatchError:
                    continue

    def update(
        self, channel_id: str, key: str, *, actor: str, source: str | None = None, **fields: Any
    ) -> Risk:
        """Change fields of risk ``key``; its version goes up by one and an audit event is kept.

        Args:
            channel_id: the project.
            key: ``RISK-007`` (any case; ``RISK-7`` too).
            actor: who changed it (Slack user id, ``agent:<role>`` or ``system``).
            source: the request or job changing it; a second call with the same source changes
                nothing (a Slack retry can't undo a later change). None: not deduplicated.
            **fields: new values of :data:`EDITABLE_FIELDS` (enum members or their values; ``owner``
                None to unassign). A status other than ``open`` closes the risk, ``open`` reopens it.

        Returns:
            The risk after the change (unchanged, with no event written, when every value given
            already was the risk's).

        Raises:
            NotFound: no such risk here.
            UserError: a value is invalid; nothing is written.
            TypeError: a field that can't be edited (``key``, ``rag``, ``version`` …).
        """
        unknown = set(fields) - EDITABLE_FIELDS
        if unknown:
            raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
        key = normal_key(key)
        risk_key_ = self._risk(channel_id, key)
        source_key = self._source(channel_id, source) if source else None
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(risk_key_, *([source_key] if source_key else []))
                    if source_key and pipe.get(source_key):
                        return self.get(channel_id, key)
                    raw = pipe.get(risk_key_)
                    if not raw:
                        self.get(channel_id, key)  # raises NotFound with the usual message
                    before = Risk.model_validate_json(raw)
                    after = _validated({**before.model_dump(), **fields})
                    changes = _changes(before, after)
                    if not changes:
                        if source_key:  # so a late retry of this request can't undo a later change
                            self.redis.set(source_key, key, ex=DEFAULT_RISK_SOURCE_TTL)
                        return before
                    now = utcnow()
                    after = after.model_copy(
                        update={
                            "version": before.version + 1,
                            "updated_at": now,
                            "closed_at": None if after.is_open else (before.closed_at or now),
                        }
                    )
                    action: RiskAction = "updated"
                    if before.is_open and not after.is_open:
                        action = "closed"
                    elif after.is_open and not before.is_open:
                        action = "reopened"
                    event = RiskEvent(
                        at=now,
                        actor=actor,
                        action=action,
                        version=after.version,
                        source=source,
                        changes=changes,
                    )
                    open_index = f"{self._p(channel_id)}:risks:open"
                    pipe.multi()
                    pipe.set(risk_key_, after.model_dump_json())
                    pipe.rpush(self._events(channel_id, key), event.model_dump_json())
                    if action == "closed":
                        pipe.zrem(open_index, key)
                    elif action == "reopened":
                        pipe.zadd(open_index, {key: after.created_at.timestamp()})
                    if source_key:
                        pipe.set(source_key, key, ex=DEFAULT_RISK_SOURCE_TTL)
                    pipe.execute()
                    return after
                except WatchError:
                    continue

    def close(
        self,
        channel_id: str,
        key: str,
        *,
        status: RiskStatus = RiskStatus.CLOSED,
        actor: str,
        source: str | None = None,
    ) -> Risk:
        """Take risk ``key`` off the open register as ``mitigated``, ``accepted`` or ``closed``.

        Closing a risk that already has that status changes nothing.

        Returns:
            The risk after the change.

        Raises:
            NotFound: no such risk here.
            UserError: ``status`` is ``open`` (that is a reopen, through :meth:`update`).
        """
        if RiskStatus(status) is RiskStatus.OPEN:
            raise UserError("A risk is closed as `mitigated`, `accepted` or `closed`.")
        return self.update(channel_id, key, actor=actor, source=source, status=RiskStatus(status))


_OWNER_RE = re.compile(r"[UW][A-Z0-9]{1,20}")

_FIELD_NAMES = {
    "category": ("a category", RiskCategory),
    "probability": ("a probability", Probability),
    "impact": ("an impact", Impact),
    "status": ("a status", RiskStatus),
}


def _validated(values: dict[str, Any]) -> Risk:
    """Return a Risk of ``values``, or raise UserError saying which field is wrong and what fits."""
    owner = values.get("owner")
    if owner is not None and not (_OWNER_RE.fullmatch(owner) or owner in AGENT_ROLES):
        raise UserError(
            f"`{escape(str(owner))}` can't own a risk: name a person (@alice) or an agent "
            f"({', '.join(AGENT_ROLES)})."
        )
    try:
        return Risk.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        if field in _FIELD_NAMES:
            noun, enum = _FIELD_NAMES[field]
            given = escape(str(values.get(field)))
            allowed = ", ".join(member.value for member in enum)
            raise UserError(f"`{given}` isn't {noun}. Use one of: {allowed}.") from None
        if field == "description" and first["type"] == "string_too_short":
            raise UserError("Say what could go wrong: `/risk add Payment provider outage`.") from None
        if field in ("description", "mitigation") and first["type"] == "string_too_long":
            length = len(str(values.get(field)))
            raise UserError(f"A risk's {field} is at most 1,000 characters; yours has {length:,}.") from None
        raise UserError(f"That risk isn't valid: {escape(first['msg'])} ({escape(field)}).") from None


def _changes(before: Risk, after: Risk) -> dict[str, list[Any]]:
    """Field → ``[before, after]`` (JSON values) of what differs; ``rag`` too when it moved."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    names = [*sorted(EDITABLE_FIELDS), "rag"]
    return {name: [old[name], new[name]] for name in names if old[name] != new[name]}
