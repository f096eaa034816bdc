"""The projects' clock: each minute, find what is due at each project's local time and enqueue it once.

A tick reads every project's schedule and participants in a constant number of round trips
(:meth:`~maestro.standup_store.StandupStore.project_views`), computes (:mod:`maestro.standups`:
one instant per local date, so one-minute windows find each fire exactly once, daylight saving
days included) what fell due in ``(watermark, now]``, and for each due thing takes a claim with
``SET NX`` before enqueueing its job (the job id is derived from the claim):

- ``standup:<team>:<channel>:<local date>`` → :func:`jobs.standups.post_standup`;
- ``prompt:<team>:<channel>:<user>:<local date>`` → :func:`jobs.standups.send_standup_prompt`;
- ``weekly-review:<team>:<channel>:<ISO week>`` → ``jobs.reports.post_status_report`` (Mondays
  at the standup time, while standups are on);
- ``sprint-end:<team>:<channel>:<sprint id>`` → ``jobs.reports.post_sprint_report`` (the active
  sprint's last day, at the standup time).

A claim is taken *pending* (with the job it owes, in :data:`PENDING_KEY`, in the same script) and
becomes *enqueued* once its job is. Any clock's tick re-enqueues a claim still pending
:data:`DEFAULT_PENDING_RETRY` seconds later (an enqueue that failed, a clock killed mid-tick), with
the same job id and RQ's ``unique`` enqueue, so a job that exists is never enqueued twice. So any
number of clock processes, and a clock restarted within the grace, enqueue each exactly once. A
fire found more than :data:`DEFAULT_STANDUP_GRACE` late (the clock was down) enqueues nothing and
is logged once, as a warning naming the project and the missed time. A project whose records can't
be read is logged (with its team and channel) and skipped; the others go on. The clock only
enqueues; workers post.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from rq.exceptions import DuplicateJobError
from rq.job import Job

from jobs.queues import DEFAULT, LOW, enqueue, job_id_for
from jobs.runtime import Runtime
from maestro.sprint_store import SprintStore
from maestro.standup_store import ProjectView, StandupStore
from maestro.standups import daily_fires, is_standup_day, prompt_fires
from maestro.store import TaskStore

logger = logging.getLogger("maestro.clock")

DEFAULT_STANDUP_GRACE = 15 * 60
"""Seconds after its time a standup (or prompt, or report) may still be enqueued: a clock restarted
within it catches up; later, the fire is skipped and logged."""

DEFAULT_LOOKBACK = 2 * 24 * 3600
"""Seconds back a tick looks at most, however long the clock was down (only for logging misses)."""

DEFAULT_CLAIM_TTL = 8 * 24 * 3600
"""Seconds a fire's claim is kept (longer than any window a tick looks back over)."""

DEFAULT_PENDING_RETRY = 30
"""Seconds a claim may stay pending (taken, its job not known to be enqueued) before a tick
re-enqueues its job: its enqueue failed, or its clock died between the two."""

WATERMARK_KEY = "maestro:clock:projects:watermark"
"""Redis key: epoch seconds up to which the projects' fires were handled (shared by all clocks)."""

MANUAL_WATERMARK_KEY = "maestro:clock:projects:watermark:manual"
"""Redis key: the watermark of ``maestro clock --once --now …`` ticks, apart from the real clocks'
(a tick at a made-up time must not make them skip what falls due before it)."""

PENDING_KEY = "maestro:clock:pending"
"""Redis hash: claim → JSON of the :class:`Due` it owes, while its job is not known to be enqueued."""

_CLAIM = """
-- KEYS[1]: the pending hash; KEYS[2..]: claim keys
-- ARGV[1]: TTL; then per claim: value, claim name, pending JSON ('' = not pending)
local won = {}
for i = 2, #KEYS do
  local value, name, pending = ARGV[3 * i - 4], ARGV[3 * i - 3], ARGV[3 * i - 2]
  if redis.call('SET', KEYS[i], value, 'NX', 'EX', ARGV[1]) then
    if pending ~= '' then redis.call('HSET', KEYS[1], name, pending) end
    won[i - 1] = 1
  else
    won[i - 1] = 0
  end
end
return won
"""

_ADVANCE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"""


@dataclass(frozen=True)
class Due:
    """Something a project's clock owes: its claim, when it was due, and the job that does it."""

    claim: str
    at: datetime
    team_id: str
    channel_id: str
    job: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    queue: str = DEFAULT
    late_ok: bool = False

    def to_json(self, claimed: datetime) -> str:
        """Return the JSON kept in :data:`PENDING_KEY` while the job isn't known to be enqueued."""
        return json.dumps({**asdict(self), "at": self.at.isoformat(), "claimed": claimed.timestamp()})

    @classmethod
    def from_json(cls, raw: bytes | str) -> tuple[Due, datetime]:
        """Return the Due and when it was claimed from :meth:`to_json`'s JSON."""
        data = json.loads(raw)
        claimed = datetime.fromtimestamp(data.pop("claimed"), UTC)
        data["at"], data["args"] = datetime.fromisoformat(data["at"]), tuple(data["args"])
        return cls(**data), claimed


@dataclass
class TickResult:
    """What one tick did: claims it enqueued, fires it found too late, claims others had taken.

    ``failed``: claims whose enqueue raised (logged; they stay pending and a later tick retries).
    """

    enqueued: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def project_dues(view: ProjectView, start: datetime, end: datetime, *, now: datetime) -> list[Due]:
    """Return what fell due in one project in ``(start, end]``: standups, prompts, weekly reviews.

    Sprint ends are added by :func:`tick` (they need the sprint). Pure apart from the view.
    """
    schedule, team, channel = view.schedule, view.team_id, view.channel_id
    dues: list[Due] = []
    for fire in daily_fires(schedule, start, end):  # at most one or two in a minute's window
        if is_standup_day(schedule, fire.day):
            dues.append(
                Due(
                    f"standup:{team}:{channel}:{fire.day.isoformat()}",
                    fire.at,
                    team,
                    channel,
                    "jobs.standups.post_standup",
                    (team, channel, fire.day.isoformat()),
                )
            )
        if schedule.enabled and fire.day.weekday() == 0:
            year, week, _ = fire.day.isocalendar()
            claim = f"weekly-review:{team}:{channel}:{year}-W{week:02d}"
            dues.append(
                Due(
                    claim,
                    fire.at,
                    team,
                    channel,
                    "jobs.reports.post_status_report",
                    (team, channel),
                    {"reason": "weekly", "claim": f"weekly-review:{channel}:{year}-W{week:02d}"},
                    LOW,
                )
            )
    for user in sorted(view.participants):
        zone = view.zones.get(user) or schedule.zone
        for fire in prompt_fires(schedule, zone, start, end, view.absences.get(user, [])):
            dues.append(
                Due(
                    f"prompt:{team}:{channel}:{user}:{fire.day.isoformat()}",
                    fire.at,
                    team,
                    channel,
                    "jobs.standups.send_standup_prompt",
                    (team, channel, user, fire.day.isoformat()),
                )
            )
    if not view.has_assignees or view.stale_zones:
        hour = now.strftime("%Y%m%d%H")
        dues.append(
            Due(
                f"participants:{team}:{channel}:{hour}",
                now,
                team,
                channel,
                "jobs.standups.refresh_participants",
                (team, channel),
                queue=LOW,
                late_ok=True,
            )
        )
    return dues


def _sprint_ends(redis: Redis, view: ProjectView, start: datetime, end: datetime) -> list[Due]:
    fires = daily_fires(view.schedule, start, end)
    if not fires:
        return []
    sprint = SprintStore(redis, view.team_id).current(view.channel_id)
    if sprint is None:
        return []
    team, channel = view.team_id, view.channel_id
    return [
        Due(
            f"sprint-end:{team}:{channel}:{sprint.id}",
            fire.at,
            team,
            channel,
            "jobs.reports.post_sprint_report",
            (team, channel, sprint.id),
            queue=LOW,
        )
        for fire in fires
        if fire.day == sprint.end
    ]


def _window(redis: Redis, now: datetime, grace: float, watermark_key: str) -> datetime:
    raw = redis.get(watermark_key)
    if raw is None:
        return now - timedelta(seconds=grace)  # first tick ever: nothing older can still be posted
    watermark = datetime.fromtimestamp(float(raw), UTC)
    return max(watermark, now - timedelta(seconds=DEFAULT_LOOKBACK))


def _claim_key(claim: str) -> str:
    return f"maestro:clock:claim:{claim}"


def tick(
    runtime: Runtime,
    now: datetime | None = None,
    *,
    grace: float = DEFAULT_STANDUP_GRACE,
    enqueue_job: Callable[..., Any] = enqueue,
    watermark_key: str = WATERMARK_KEY,
) -> TickResult:
    """Enqueue, exactly once across clocks, everything that fell due since the last tick.

    Args:
        runtime: the clock's runtime (Redis).
        now: the tick's instant (aware; a test clock passes one); the current time when None.
        grace: seconds a fire may be late and still be enqueued.
        enqueue_job: how to enqueue (:func:`jobs.queues.enqueue`).
        watermark_key: where the window's start is kept: :data:`WATERMARK_KEY` (shared by the
            real clocks) or :data:`MANUAL_WATERMARK_KEY` (``maestro clock --once --now``).

    Returns:
        The claims enqueued, missed (logged), already taken by another clock, and whose enqueue
        failed (logged; retried by a later tick).
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    redis = runtime.redis
    start = _window(redis, now, grace, watermark_key)
    projects = [p for p in TaskStore.all_projects(redis) if runtime.installed(p[0])]  # uninstalled: no posts
    views = StandupStore.project_views(redis, projects, now=now)
    dues: list[Due] = []
    for view in views:
        try:
            if view.error is not None:
                raise view.error
            dues += project_dues(view, start, now, now=now) + _sprint_ends(redis, view, start, now)
        except Exception:
            logger.exception(
                "project %s skipped this tick: its standup records can't be read",
                view.channel_id,
                extra={"team": view.team_id, "channel": view.channel_id},
            )
    result = TickResult()
    late = {d.claim for d in dues if _late(d, now, grace)}
    won = _take_claims(redis, dues, late, now)
    owed: list[Due] = []
    for due, first in zip(dues, won, strict=True):
        if not first:
            result.taken.append(due.claim)
        elif due.claim in late:
            result.missed.append(due.claim)
            _log_miss(due, now)
        else:
            owed.append(due)
    owed += _stale_pending(redis, now, grace, result)
    settled = []
    for due in owed:
        try:
            if _enqueue(redis, due, enqueue_job):
                result.enqueued.append(due.claim)
        except Exception:
            result.failed.append(due.claim)
            logger.exception(
                "enqueueing %s failed; a later tick retries it",
                due.claim,
                extra={"team": due.team_id, "channel": due.channel_id, "claim": due.claim},
            )
            continue
        settled.append(due.claim)
    _settle(redis, settled, f"enqueued at {now.isoformat()}")
    redis.eval(_ADVANCE, 1, watermark_key, f"{now.timestamp():.6f}")
    return result


def _late(due: Due, now: datetime, grace: float) -> bool:
    return not due.late_ok and (now - due.at).total_seconds() > grace


def _take_claims(redis: Redis, dues: list[Due], late: set[str], now: datetime) -> list[int]:
    """Take each due's claim (``SET NX``) in one script: pending with its job, or missed; 1 = won."""
    if not dues:
        return []
    argv: list[Any] = [DEFAULT_CLAIM_TTL]
    for due in dues:  # one claim decides a fire: enqueued, or missed (then never enqueued later)
        if due.claim in late:
            argv += [f"missed at {now.isoformat()}", due.claim, ""]
        else:
            argv += [f"pending since {now.isoformat()}", due.claim, due.to_json(now)]
    keys = [PENDING_KEY, *(_claim_key(d.claim) for d in dues)]
    return [int(w) for w in redis.eval(_CLAIM, len(keys), *keys, *argv)]


def _stale_pending(redis: Redis, now: datetime, grace: float, result: TickResult) -> list[Due]:
    """Return the pending claims to enqueue again; settle those past the grace (done, or missed)."""
    pending = redis.hgetall(PENDING_KEY)
    owed, done, missed = [], [], []
    for name, raw in pending.items():
        try:
            due, claimed = Due.from_json(raw)
        except (ValueError, TypeError, KeyError):
            logger.exception("dropped an unreadable pending claim %r", name)
            redis.hdel(PENDING_KEY, name)
            continue
        if (now - claimed).total_seconds() < DEFAULT_PENDING_RETRY:
            continue  # its clock is enqueueing it right now
        if not _late(due, now, grace):
            owed.append(due)
        elif Job.exists(job_id_for(due.claim), connection=redis):
            done.append(due.claim)
        else:
            missed.append(due.claim)
            result.missed.append(due.claim)
            _log_miss(due, now)
    _settle(redis, done, f"enqueued by {now.isoformat()}")
    _settle(redis, missed, f"missed at {now.isoformat()}")
    return owed


def _settle(redis: Redis, claims: list[str], value: str) -> None:
    """Mark claims ``value`` (keeping their TTL) and no longer pending, in one round trip."""
    if not claims:
        return
    with redis.pipeline(transaction=False) as pipe:
        for claim in claims:
            pipe.set(_claim_key(claim), value, xx=True, keepttl=True)
        pipe.hdel(PENDING_KEY, *claims)
        pipe.execute()


def _log_miss(due: Due, now: datetime) -> None:
    logger.warning(
        "missed %s of project %s at %s (%s late): the clock was down; nothing was posted",
        due.job.rsplit(".", 1)[-1],
        due.channel_id,
        due.at.isoformat(),
        now - due.at,
        extra={"team": due.team_id, "channel": due.channel_id, "claim": due.claim},
    )


def _enqueue(redis: Redis, due: Due, enqueue_job: Callable[..., Any]) -> bool:
    """Enqueue the due's job unless a job with its id exists (RQ's atomic ``unique``); True when enqueued."""
    try:
        enqueue_job(
            redis,
            due.job,
            *due.args,
            queue=due.queue,
            job_id=job_id_for(due.claim),
            meta={"team_id": due.team_id, "channel_id": due.channel_id},
            unique=True,
            **due.kwargs,
        )
    except DuplicateJobError:
        return False  # enqueued before (by a clock that died before marking it, or another clock)
    logger.info("enqueued %s", due.claim, extra={"team": due.team_id, "channel": due.channel_id})
    return True
