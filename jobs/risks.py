"""Jobs of the risk register: tell the channel about a new risk, one that turned RED, one closed.

The listener writes the change (small and idempotent per Slack request); this job reads the
change's audit event and posts what the channel should see, once (``post_once``, one claim per
risk version). Changes that matter to nobody else (a new mitigation, an AMBER → GREEN) post nothing.
"""

from __future__ import annotations

from jobs.home import refresh_homes
from jobs.observe import job_log
from jobs.posting import post_once
from jobs.replies import tell_requester
from jobs.runtime import get_runtime
from maestro.errors import UserError
from maestro.models import actor_label
from maestro.risk_cards import build_risk_blocks, rag_label
from maestro.risk_store import RiskEvent, RiskStore
from maestro.risks import Rag, Risk
from maestro.store import TaskStore
from maestro.text import escape, truncate


def risk_note(risk: Risk, event: RiskEvent) -> str | None:
    """Return the channel note an audit event calls for (mrkdwn), or None when it calls for none.

    - ``created``: ``New risk *RISK-004* (:red_circle: RED) added by <@U123>``
    - RAG moved to RED: ``:rotating_light: *RISK-004* turned :red_circle: RED (was AMBER) — by <@U123>``
    - closed: ``:white_check_mark: *RISK-004* closed as mitigated by <@U123>: <description>``
    """
    by = actor_label(event.actor)
    if event.action == "created":
        return f"New risk *{risk.key}* ({rag_label(risk.rag)}) added by {by}"
    if event.action == "closed":
        status = event.changes.get("status", ["", risk.status.value])[1]
        return (
            f":white_check_mark: *{risk.key}* closed as {escape(str(status))} by {by}: "
            f"{escape(truncate(risk.description, 200))}"
        )
    rag = event.changes.get("rag")
    if rag and rag[1] == Rag.RED.value:
        return (
            f":rotating_light: *{risk.key}* turned {rag_label(Rag.RED)} (was {escape(str(rag[0]))}) — by {by}"
        )
    return None


def announce_risk(
    team_id: str, channel_id: str, key: str, version: int, source: str, response_url: str | None = None
) -> str:
    """Post in the channel what version ``version`` of risk ``key`` means, if anything, once.

    Args:
        team_id: the Slack team.
        channel_id: the project's channel.
        key: the risk's key (``RISK-004``).
        version: the risk version the change produced.
        source: the Slack request that made the change; a version made by another request (a
            retry that changed nothing) is not announced by this job.
        response_url: where to tell the requester when the bot can't post in the channel.

    Returns:
        What happened: ``posted``, ``nothing to announce`` or ``not in channel``.
    """
    runtime = get_runtime(team_id)
    with job_log("announce_risk", team=team_id, channel=channel_id, task_key=key) as log:
        risks, tasks = RiskStore(runtime.redis, team_id), TaskStore(runtime.redis, team_id)
        event = next((e for e in risks.events(channel_id, key) if e.version == version), None)
        risk = risks.get(channel_id, key)
        refresh_homes(runtime.redis, team_id, {risk.owner or "", risk.created_by})
        note = risk_note(risk, event) if event and event.source == source else None
        if note is None:
            log["outcome"] = "nothing to announce"
            return log["outcome"]
        assert event is not None
        if event.action == "created":
            tasks.ensure_project(
                channel_id, created_by=event.actor if event.actor[:1] in ("U", "W") else None
            )
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": note}}]
        if event.action != "closed":
            blocks += build_risk_blocks(risk)
        try:
            post_once(
                runtime,
                tasks,
                f"risk:{risk.id}:v{version}",
                channel=channel_id,
                text=_fallback(risk, event),
                blocks=blocks,
            )
        except UserError as refused:
            claim = f"reply:{source}"
            if tasks.claim_post(claim):
                tell_requester(
                    runtime,
                    text=f":warning: {risk.key} is recorded, but {refused.message}",
                    channel_id=channel_id,
                    user_id=event.actor,
                    response_url=response_url,
                )
                tasks.confirm_post(claim, "sent")
            log["outcome"] = "not in channel"
            return log["outcome"]
        log["outcome"] = "posted"
        return log["outcome"]


def _fallback(risk: Risk, event: RiskEvent) -> str:
    """The notification text of a note: ``New risk RISK-004 (RED): Payment provider outage``."""
    description = escape(truncate(risk.description, 200))
    if event.action == "created":
        return f"New risk {risk.key} ({risk.rag.value}): {description}"
    if event.action == "closed":
        return f"{risk.key} closed as {risk.status.value}: {description}"
    return f"{risk.key} turned RED: {description}"
