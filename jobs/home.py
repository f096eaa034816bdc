"""The App Home tab: publish a person's board, and refresh it when something of theirs changes.

Only people who have opened the Home tab at least once are refreshed (``views.publish`` for
someone who never looks would spend Tier 4 calls for nothing). Refreshes are coalesced: while one
is queued for a person, another request for them enqueues nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis import Redis

from jobs.observe import job_log
from jobs.queues import DEFAULT, enqueue, job_id_for
from jobs.runtime import Runtime, get_runtime
from jobs.standups import cache_zones
from maestro.escalations import EscalationStore
from maestro.home import HomeBoard, build_home_board, involved_channels, summarize_sprint
from maestro.home_cards import build_home_view
from maestro.models import utcnow
from maestro.report_data import read_status_report
from maestro.risk_store import RiskStore
from maestro.sprint_store import SprintStore
from maestro.standup_store import StandupStore
from maestro.store import TaskStore

logger = logging.getLogger(__name__)

DEFAULT_HOME_COALESCE = 30
"""Seconds a queued Home refresh absorbs further requests for the same person."""


def viewers_key(team_id: str) -> str:
    """Return the key of the set of people who opened the team's Home tab."""
    return f"maestro:{team_id}:home-viewers"


def _pending_key(team_id: str, user_id: str) -> str:
    return f"maestro:{team_id}:home-pending:{user_id}"


def request_home(redis: Redis, team_id: str, user_id: str) -> bool:
    """Enqueue a publish of ``user_id``'s Home tab unless one is already queued; True when enqueued."""
    if not redis.set(_pending_key(team_id, user_id), "1", nx=True, ex=DEFAULT_HOME_COALESCE):
        return False
    enqueue(
        redis,
        publish_home,
        team_id,
        user_id,
        queue=DEFAULT,
        job_id=job_id_for("home", team_id, user_id, str(utcnow().timestamp())),
    )
    return True


def home_opened(redis: Redis, team_id: str, user_id: str) -> bool:
    """Remember that ``user_id`` looks at the Home tab, and enqueue its publish (coalesced)."""
    redis.sadd(viewers_key(team_id), user_id)
    return request_home(redis, team_id, user_id)


def refresh_homes(redis: Redis, team_id: str, users: Iterable[str]) -> int:
    """Enqueue a Home refresh for each of ``users`` who has opened the Home tab; return how many.

    One ``SMISMEMBER`` round trip, then one claim per viewer.
    """
    users = sorted({u for u in users if u and u[:1] in ("U", "W")})
    if not users:
        return 0
    seen = redis.smismember(viewers_key(team_id), users)
    return sum(request_home(redis, team_id, u) for u, is_viewer in zip(users, seen, strict=True) if is_viewer)


def read_home_board(runtime: Runtime, team_id: str, user_id: str) -> HomeBoard:
    """Read the team's open records and return ``user_id``'s board.

    Reads each of the team's projects: its open tasks (2 round trips), open escalations and open
    risks; then, for each project the person has a part in that runs a sprint, its status report
    (the whole board, a fixed number of round trips), so the Home tab's RAG is the report's. The
    cost grows with the number of projects.

    The person's Slack time zone comes from the cache the standups keep (``users.info``, asked
    again only when it is missing or about to expire), so the Home tab's times read in it.
    """
    tasks, escalations = TaskStore(runtime.redis, team_id), EscalationStore(runtime.redis, team_id)
    sprints, risks = SprintStore(runtime.redis, team_id), RiskStore(runtime.redis, team_id)
    now = utcnow()
    open_tasks, open_escalations, open_risks, summaries = [], [], [], []
    for team, channel in TaskStore.all_projects(runtime.redis):
        if team == team_id:
            open_tasks += tasks.list_tasks(channel, open_only=True)
            open_escalations += escalations.open_escalations(channel)
            open_risks += risks.list(channel, open_only=True)
    for channel in sorted(involved_channels(user_id, open_tasks, open_escalations, open_risks)):
        if sprints.current(channel) is not None:
            report = read_status_report(runtime.redis, team_id, channel, now=now)
            summaries.append(summarize_sprint(report, report.generated))
    zones = StandupStore(runtime.redis, team_id)
    if zones.stale_zones([user_id]):
        cache_zones(runtime, zones, [user_id])
    zone = zones.zones([user_id]).get(user_id)
    return build_home_board(
        user_id,
        open_tasks=open_tasks,
        escalations=open_escalations,
        sprints=summaries,
        risks=open_risks,
        now=now,
        viewer_zone=zone.key if zone else None,
    )


def publish_home(team_id: str, user_id: str) -> int:
    """Publish ``user_id``'s Home tab (``views.publish``); return the number of blocks."""
    runtime = get_runtime(team_id)
    with job_log("publish_home", team=team_id, user=user_id) as log:
        runtime.redis.delete(_pending_key(team_id, user_id))  # changes from now on queue a new refresh
        view = build_home_view(read_home_board(runtime, team_id, user_id))
        runtime.slack.views_publish(user_id=user_id, view=view)
        log["blocks"] = len(view["blocks"])
        return len(view["blocks"])
