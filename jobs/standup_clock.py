"""The projects' clock: each minute, find what is due at each project's local time and enqueue it once.

A tick reads every project's schedule and participants in a constant number of round trips
(:meth:`~maestro.standup_store.StandupStore.project_views`), computes with APScheduler's triggers
(:mod:`maestro.standups`) what fell due in ``(watermark, now]``, and for each due thing takes a
claim with ``SET NX`` before enqueueing its job (the job id is derived from the claim):

- ``standup:<team>:<channel>:<local date>`` → :func:`jobs.standups.post_standup`;
- ``prompt:<team>:<channel>:<user>:<local date>`` → :func:`jobs.standups.send_standup_prompt`;
- ``weekly-review:<team>:<channel>:<ISO week>`` → ``jobs.reports.post_status_report`` (Mondays
  at the standup time, while standups are on);
- ``sprint-end:<team>:<channel>:<sprint id>`` → ``jobs.reports.post_sprint_report`` (the active
  sprint's last day, at the standup time).

So any number of clock processes, and a clock restarted within the grace, enqueue each exactly
once. A fire found more than :data:`DEFAULT_STANDUP_GRACE` late (the clock was down) enqueues
nothing and is logged once, as a warning naming the project and the missed time. The clock only
enqueues; workers post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis

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

WATERMARK_KEY = "maestro:clock:projects:watermark"
"""Redis key: epoch seconds up to which the projects' fires were handled (shared by all clocks)."""

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


@dataclass
class TickResult:
    """What one tick did: claims it enqueued, fires it found too late, claims others had taken."""

    enqueued: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    taken: list[str] = field(default_factory=list)


def project_dues(view: ProjectView, start: datetime, end: datetime, *, now: datetime) -> list[Due]:
    """Return what fell due in one project in ``(start, end]``: standups, prompts, weekly reviews.

    Sprint ends are added by :func:`tick` (they need the sprint). Pure apart from the view.
    """
    schedule, team, channel = view.schedule, view.team_id, view.channel_id
    dues: list[Due] = []
    for fire in daily_fires(schedule, start, end):
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
    if not view.has_assignees or any(view.zones.get(u) is None for u in view.participants):
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
        if sprint is not None and fire.day == sprint.end
    ]


def _window(redis: Redis, now: datetime, grace: float) -> datetime:
    raw = redis.get(WATERMARK_KEY)
    if raw is None:
        return now - timedelta(seconds=grace)  # first tick ever: nothing older can still be posted
    watermark = datetime.fromtimestamp(float(raw), UTC)
    return max(watermark, now - timedelta(seconds=DEFAULT_LOOKBACK))


def tick(
    runtime: Runtime,
    now: datetime | None = None,
    *,
    grace: float = DEFAULT_STANDUP_GRACE,
    enqueue_job: Callable[..., Any] = enqueue,
) -> TickResult:
    """Enqueue, exactly once across clocks, everything that fell due since the last tick.

    Args:
        runtime: the clock's runtime (Redis).
        now: the tick's instant (aware; a test clock passes one); the current time when None.
        grace: seconds a fire may be late and still be enqueued.
        enqueue_job: how to enqueue (:func:`jobs.queues.enqueue`).

    Returns:
        The claims enqueued, missed (logged) and already taken by another clock.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    redis = runtime.redis
    start = _window(redis, now, grace)
    views = StandupStore.project_views(redis, TaskStore.all_projects(redis), now=now)
    dues: list[Due] = []
    for view in views:
        dues += project_dues(view, start, now, now=now)
        dues += _sprint_ends(redis, view, start, now)
    result = TickResult()
    late = {d.claim for d in dues if not d.late_ok and (now - d.at).total_seconds() > grace}
    with redis.pipeline(transaction=False) as pipe:
        for due in dues:  # one claim decides a fire: enqueued, or missed (then never enqueued later)
            value = f"missed at {now.isoformat()}" if due.claim in late else f"enqueued at {now.isoformat()}"
            pipe.set(f"maestro:clock:claim:{due.claim}", value, nx=True, ex=DEFAULT_CLAIM_TTL)
        won = pipe.execute() if dues else []
    for due, first in zip(dues, won, strict=True):
        if not first:
            result.taken.append(due.claim)
        elif due.claim in late:
            result.missed.append(due.claim)
            logger.warning(
                "missed %s of project %s at %s (%s late): the clock was down; nothing was posted",
                due.job.rsplit(".", 1)[-1],
                due.channel_id,
                due.at.isoformat(),
                now - due.at,
                extra={"team": due.team_id, "channel": due.channel_id, "claim": due.claim},
            )
        else:
            _enqueue(redis, due, enqueue_job)
            result.enqueued.append(due.claim)
    redis.eval(_ADVANCE, 1, WATERMARK_KEY, f"{now.timestamp():.6f}")
    return result


def _enqueue(redis: Redis, due: Due, enqueue_job: Callable[..., Any]) -> None:
    try:
        enqueue_job(
            redis,
            due.job,
            *due.args,
            queue=due.queue,
            job_id=job_id_for(due.claim),
            meta={"team_id": due.team_id, "channel_id": due.channel_id},
            **due.kwargs,
        )
    except BaseException:
        redis.delete(f"maestro:clock:claim:{due.claim}")  # the next tick tries again, within the grace
        raise
    logger.info("enqueued %s", due.claim, extra={"team": due.team_id, "channel": due.channel_id})
