"""Standup jobs: post a standup, send a prompt DM, put a late note in the thread, refresh who takes part.

The clock only enqueues these (one claim per project and local date, per person and date); each
job is idempotent on its own too: every post goes through :func:`jobs.posting.post_once` with a
claim, so a re-run posts nothing twice.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from rq import get_current_job
from slack_sdk.errors import SlackApiError

from jobs.observe import job_log
from jobs.posting import post_once
from jobs.replies import tell_requester
from jobs.runtime import Runtime, get_runtime
from jobs.slack import SetupError, log_setup_error
from maestro.errors import UserError
from maestro.models import new_id, utcnow
from maestro.standup_cards import (
    build_note_message,
    build_prompt_message,
    build_standup_messages,
    note_saved_text,
)
from maestro.standup_report import build_standup
from maestro.standup_store import StandupStore
from maestro.standups import Standup, away_on, is_standup_day
from maestro.store import TaskStore

logger = logging.getLogger(__name__)

MAX_ZONE_LOOKUPS = 50
"""``users.info`` calls one refresh makes at most (Tier 4: about 100 a minute per workspace)."""


def standup_claim(channel_id: str, day: date) -> str:
    """Return the post claim of a project's scheduled standup on a local date."""
    return f"standup:{channel_id}:{day.isoformat()}"


def post_standup(
    team_id: str,
    channel_id: str,
    local_date_iso: str,
    *,
    reason: str = "scheduled",
    requester: str | None = None,
    response_url: str | None = None,
    now_iso: str | None = None,
) -> str | None:
    """Post the standup of a local date in the project's channel (more of it in its thread).

    Args:
        team_id: the Slack team.
        channel_id: the project.
        local_date_iso: the project's local date, ``YYYY-MM-DD``.
        reason: ``"scheduled"`` (the clock: posted once per project and date, and only on a
            standup day) or ``"request"`` (``/standup``: a post of its own, every time).
        requester: who asked (``/standup``); told ephemerally when the bot can't post.
        response_url: the command's ``response_url`` (works where the bot isn't a member).
        now_iso: the instant to compute it at (ISO 8601; tests); now when None.

    Returns:
        The ``ts`` of the standup's first message; None when skipped or refused.
    """
    runtime = get_runtime(team_id)
    day = date.fromisoformat(local_date_iso)
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    with job_log("post_standup", team=team_id, channel=channel_id, command=f"standup {reason}") as log:
        tasks, standups = TaskStore(runtime.redis, team_id), StandupStore(runtime.redis, team_id)
        scheduled = reason == "scheduled"
        if scheduled:
            if not is_standup_day(standups.schedule(channel_id), day):
                log["outcome"] = "skipped"  # skipped, a holiday or turned off after the clock fired
                return None
            claim = standup_claim(channel_id, day)
        else:
            job = get_current_job()
            claim = f"standup-request:{channel_id}:{job.id if job else new_id()}"
        standup = build_standup(runtime.redis, team_id, channel_id, day, now=now)
        if scheduled and standup.is_empty:
            log["outcome"] = "nothing to report"  # an empty or finished board gets no daily post
            return None
        messages = build_standup_messages(standup)
        try:
            ts = post_once(runtime, tasks, claim, channel=channel_id, **messages[0])
        except UserError as refused:
            log["outcome"] = "refused"
            if requester:
                tell_requester(
                    runtime,
                    text=f":warning: {refused.message}",
                    channel_id=channel_id,
                    user_id=requester,
                    response_url=response_url,
                )
            else:
                logger.warning(
                    "standup not posted: the bot is not in the channel", extra={"channel": channel_id}
                )
            return None
        if ts is None:
            log["outcome"] = "pending"  # another run is posting it right now
            return None
        for number, message in enumerate(messages[1:], start=2):
            post_once(runtime, tasks, f"{claim}:{number}", channel=channel_id, thread_ts=ts, **message)
        if scheduled:
            standups.record_standup(channel_id, day, ts, now)
            standups.set_assignees(channel_id, _assignees(standup))
        log["outcome"] = f"{len(messages)} message(s)"
        return ts


def _assignees(standup: Standup) -> set[str]:
    return {
        g.assignee.id
        for g in standup.groups
        if g.assignee and g.assignee.kind == "user" and (g.in_progress or g.review or g.blocked or g.to_do)
    }


def send_standup_prompt(team_id: str, channel_id: str, user_id: str, local_date_iso: str) -> str | None:
    """Ask one person for their standup note in a DM (once per person, project and date).

    Nothing is sent when the day is no longer a standup day, its standup was already posted (a
    prompt job that ran late), the person is away, left the standup, or already wrote their note.

    Returns:
        The ``ts`` of the DM, or None when none was sent.
    """
    runtime = get_runtime(team_id)
    day = date.fromisoformat(local_date_iso)
    with job_log("send_standup_prompt", team=team_id, channel=channel_id, user=user_id) as log:
        standups = StandupStore(runtime.redis, team_id)
        schedule = standups.schedule(channel_id)
        note = standups.note(channel_id, user_id, day)
        if (
            not is_standup_day(schedule, day)
            or standups.standup_ts(channel_id, day)
            or away_on(standups.absences([user_id]).get(user_id, []), day)
            or user_id in standups.left(channel_id)
            or (note is not None and not note.empty)
        ):
            log["outcome"] = "skipped"
            return None
        tasks = TaskStore(runtime.redis, team_id)
        claim = f"prompt:{channel_id}:{user_id}:{day.isoformat()}"
        done = tasks.posted_ts(claim)
        if done:
            return done
        try:
            im = runtime.slack.conversations_open(users=user_id)["channel"]["id"]
        except SlackApiError as error:
            if error.response.get("error") not in ("user_not_found", "user_disabled", "cannot_dm_bot"):
                raise  # rate limits and outages: RQ retries
            log["outcome"] = "no DM"
            logger.warning("no standup prompt: can't DM the person", extra={"user": user_id})
            return None
        message = build_prompt_message(channel_id, day, f"{schedule.at:%H:%M} {schedule.timezone}")
        ts = post_once(runtime, tasks, claim, channel=im, **message)
        if ts:
            standups.record_prompt(im, ts, channel_id=channel_id, day=day, user_id=user_id)
        return ts


def post_note_update(
    team_id: str,
    channel_id: str,
    user_id: str,
    local_date_iso: str,
    stamp: str,
    dm_channel: str | None = None,
    dm_thread_ts: str | None = None,
) -> str | None:
    """Add a saved note to the day's standup thread once it's posted; confirm in the prompt's DM thread.

    Args:
        team_id: the Slack team.
        channel_id: the project.
        user_id: whose note.
        local_date_iso: the note's date.
        stamp: the note version (its ``updated_at`` as epoch seconds): each version is posted once.
        dm_channel: the DM the note was written in (a reply to the prompt), if it was.
        dm_thread_ts: the prompt's ``ts`` in that DM.

    Returns:
        The ``ts`` of the thread reply, or None when the standup isn't posted yet.
    """
    runtime = get_runtime(team_id)
    day = date.fromisoformat(local_date_iso)
    with job_log("post_note_update", team=team_id, channel=channel_id, user=user_id):
        standups, tasks = StandupStore(runtime.redis, team_id), TaskStore(runtime.redis, team_id)
        note = standups.note(channel_id, user_id, day)
        if note is None or note.empty:
            return None
        standup_ts = standups.standup_ts(channel_id, day)
        ts = None
        if standup_ts:
            claim = f"standup-note:{channel_id}:{user_id}:{day.isoformat()}:{stamp}"
            try:
                ts = post_once(
                    runtime,
                    tasks,
                    claim,
                    channel=channel_id,
                    thread_ts=standup_ts,
                    **build_note_message(note, late=True),
                )
            except UserError:
                logger.warning(
                    "late note not posted: the bot is not in the channel", extra={"channel": channel_id}
                )
        if dm_channel and dm_thread_ts:
            post_once(
                runtime,
                tasks,
                f"standup-note-saved:{dm_channel}:{dm_thread_ts}:{stamp}",
                channel=dm_channel,
                thread_ts=dm_thread_ts,
                text=note_saved_text(note, posted=bool(standup_ts)),
            )
        return ts


def refresh_participants(team_id: str, channel_id: str) -> int:
    """Snapshot who is assigned open tasks and cache everyone's Slack timezone (``users.info``).

    Looks up those whose cached timezone is missing or expires within
    :data:`~maestro.standup_store.DEFAULT_ZONE_REFRESH` (at most :data:`MAX_ZONE_LOOKUPS`).
    Someone Slack gives no ``tz`` is cached as having none (the project's zone is used); when
    ``users.info`` fails, the last known zone is kept (or "none" cached), so the clock doesn't ask
    again every hour.

    Returns:
        How many people were looked up.
    """
    runtime = get_runtime(team_id)
    with job_log("refresh_participants", team=team_id, channel=channel_id) as log:
        tasks = TaskStore(runtime.redis, team_id).list_tasks(channel_id, open_only=True)
        standups = StandupStore(runtime.redis, team_id)
        standups.set_assignees(
            channel_id, {t.assignee.id for t in tasks if t.assignee and t.assignee.kind == "user"}
        )
        people = standups.participants(channel_id, now=utcnow())
        stale = standups.stale_zones(people)
        looked_up = cache_zones(runtime, standups, stale[:MAX_ZONE_LOOKUPS])
        log["outcome"] = f"{looked_up} zone(s)"
        return looked_up


def cache_zones(runtime: Runtime, standups: StandupStore, users: list[str]) -> int:
    """Look up these people's Slack time zones (``users.info``) and cache them; return how many were asked.

    A failed lookup keeps the last known zone (or caches "none"), so nobody is asked again at once.
    The standup prompts and the Home tab share this cache.
    """
    count = 0
    for user in users:
        try:
            info = runtime.slack.users_info(user=user)["user"]
        except SetupError as error:  # users:read missing, or a bad token: logged once, with the fix
            log_setup_error(error, runtime.redis)
            standups.keep_zone(user)
        except SlackApiError as error:
            logger.warning(
                "users.info failed (%s); the last known timezone is kept, else the project's is used",
                error.response.get("error"),
                extra={"user": user},
            )
            standups.keep_zone(user)
        else:
            standups.set_zone(user, info.get("tz"))
        count += 1
    return count
