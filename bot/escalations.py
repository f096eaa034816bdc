"""Escalation listeners: ``/escalate``, ``/maestro approvers``, the option buttons, "Ask a question".

A button's value is never trusted: the escalation is looked up by id within the team the request
came from and must belong to the channel the press came from. The decision is recorded here,
atomically (first press wins), and the job shows it and resumes the work.
"""

from __future__ import annotations

import re

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.deps import Deps
from bot.observe import logged
from bot.parsing import normalize, parse_key, parse_user
from jobs.escalations import apply_decision, raise_escalation
from jobs.queues import HIGH, enqueue, job_id_for, model_job_timeout, requester_meta
from jobs.slack import is_admin
from jobs.threads import answer_in_thread
from maestro.errors import UserError
from maestro.escalation_cards import (
    ACTION_ASK,
    ACTION_DECIDE,
    ASK_INPUT,
    REJECT_INPUT,
    VIEW_ASK,
    VIEW_REJECT,
    build_escalation_list_blocks,
    build_question_modal,
    build_reject_modal,
)
from maestro.escalations import YES_NO, EscalationRecord, EscalationStore, may_decide
from maestro.models import utcnow
from maestro.plans import EscalationOption
from maestro.text import escape

ESCALATE_USAGE = (
    '/escalate Which payment provider? --option "Stripe: fastest" --option "Adyen: cheaper" --blocks T-3'
)
THRESHOLD_USAGE = "`/maestro escalations blocked-days 2` or `/maestro escalations reminder-hours 4`"
MAX_ISSUE_LENGTH = 1000
"""Longest escalation issue, in characters."""

_OPTION_RE = re.compile(r'--option\s+(?:"([^"]*)"|(\S+))', re.IGNORECASE)
_BLOCKS_RE = re.compile(r"--blocks?\s+([T0-9,\s-]+)", re.IGNORECASE)


def register(app: App) -> None:
    """Register the escalation listeners."""
    app.command("/escalate")(logged(handle_escalate_command))
    app.action(re.compile(rf"^{ACTION_DECIDE}:\d+$"))(logged(handle_decide_button))
    app.action(ACTION_ASK)(logged(handle_ask_button))
    app.view(VIEW_ASK)(logged(handle_question_submission))
    app.view(VIEW_REJECT)(logged(handle_reject_submission))


def parse_escalation(text: str) -> dict:
    """Parse ``/escalate`` text into ``issue``, ``options`` (yes/no when none) and ``blocking`` keys.

    Raises:
        UserError: no issue, too long, an option without a label, or a bad task key.
    """
    text = normalize(text)
    options = []
    for quoted, bare in _OPTION_RE.findall(text):
        raw = (quoted or bare).strip()
        label, _, tradeoff = raw.partition(":")
        if not label.strip():
            raise UserError(
                f'Each option needs a label: `--option "Stripe: fastest to ship"`. Try `{ESCALATE_USAGE}`.'
            )
        options.append(EscalationOption(label=label.strip()[:80], tradeoff=tradeoff.strip()[:300] or "—"))
    blocking = []
    for group in _BLOCKS_RE.findall(text):
        blocking += [parse_key(word, ESCALATE_USAGE) for word in re.split(r"[,\s]+", group) if word]
    issue = _BLOCKS_RE.sub("", _OPTION_RE.sub("", text)).strip()
    if not issue:
        raise UserError(f"Say what needs deciding: `{ESCALATE_USAGE}`.")
    if len(issue) > MAX_ISSUE_LENGTH:
        raise UserError(
            f"An escalation's issue is at most {MAX_ISSUE_LENGTH:,} characters; yours has {len(issue):,}."
        )
    if len(options) == 1 or len(options) > 5:
        raise UserError("Give two to five `--option`s, or none for Approve / Reject.")
    return {
        "issue": issue,
        "options": [o.model_dump() for o in (options or list(YES_NO))],
        "blocking": list(dict.fromkeys(blocking)),
    }


def handle_escalate_command(ack: Ack, command: dict, context: BoltContext) -> None:
    """Raise an escalation, or list the open ones (``/escalate list``)."""
    deps: Deps = context["deps"]
    text = command.get("text", "").strip()
    channel_id = command["channel_id"]
    context["log"].update(command="escalate")
    if text.lower() in ("list", "ls"):
        records = EscalationStore(deps.redis, context.team_id).open_escalations(channel_id)
        ack(text="Open escalations", blocks=build_escalation_list_blocks(records, utcnow().timestamp()))
        return
    try:
        if not text or text.lower() == "help":
            raise UserError(f"Escalate a decision to a person: `{ESCALATE_USAGE}` · `/escalate list`")
        payload = parse_escalation(text)
        store = deps.store(context.team_id)
        for key in payload["blocking"]:
            store.get(channel_id, key)
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    source = f"esc-{command.get('trigger_id', '')}"
    if deps.store(context.team_id).first_seen("escalate", source):
        job = enqueue(
            deps.redis,
            raise_escalation,
            context.team_id,
            channel_id,
            command["user_id"],
            payload,
            source,
            queue=HIGH,
            job_id=job_id_for("escalate", context.team_id, source),
            meta=requester_meta(context.team_id, channel_id, command["user_id"], command.get("response_url")),
        )
        context["log"]["job_id"] = job.id
    ack(text=":rotating_light: Escalation raised; it will appear in this channel for the deciders.")


def may_manage(deps: Deps, team_id: str, channel_id: str, user_id: str, client: WebClient) -> bool:
    """Who may change approvers and thresholds.

    An admin, a current approver, or — while there are no approvers — whoever started the board.
    """
    approvers = EscalationStore(deps.redis, team_id).approvers(channel_id)
    if user_id in approvers:
        return True
    project = deps.store(team_id).project(channel_id)
    if not approvers and project is not None and project.created_by == user_id:
        return True
    return is_admin(client, user_id)  # the one Web API call, only when Redis can't say


def handle_approvers(
    ack: Ack, context: BoltContext, channel_id: str, text: str, user_id: str, client: WebClient
) -> None:
    """Answer ``/maestro approvers add|remove|list @person`` (changes: admins and approvers only)."""
    deps: Deps = context["deps"]
    store = EscalationStore(deps.redis, context.team_id)
    verb, _, rest = normalize(text).partition(" ")
    verb = verb.lower() or "list"
    try:
        if verb in ("add", "remove") and not may_manage(deps, context.team_id, channel_id, user_id, client):
            raise UserError(
                "Only an approver or a workspace admin can change who decides. Nothing was changed."
            )
        if verb in ("add", "remove"):
            user = parse_user(rest, "/maestro approvers add @alice")
            if verb == "add":
                store.add_approver(channel_id, user)
            elif not store.remove_approver(channel_id, user):
                raise UserError(f"<@{user}> isn't an approver here.")
        elif verb != "list":
            raise UserError(
                "Try `/maestro approvers add @alice`, `/maestro approvers remove @alice` "
                "or `/maestro approvers list`."
            )
    except UserError as error:
        ack(text=f":warning: {error.message}")
        return
    approvers = store.approvers(channel_id)
    if approvers:
        ack(text="Approvers here: " + ", ".join(f"<@{u}>" for u in approvers) + " (and workspace admins).")
    else:
        ack(
            text="No approvers set: an escalation's requester and workspace admins decide. "
            "Add one: `/maestro approvers add @alice`."
        )


def handle_thresholds(
    ack: Ack, context: BoltContext, channel_id: str, text: str, user_id: str, client: WebClient
) -> None:
    """Answer ``/maestro escalations [blocked-days N | reminder-hours N]`` (changes: approvers, admins)."""
    deps: Deps = context["deps"]
    store = EscalationStore(deps.redis, context.team_id)
    name, _, value = normalize(text).partition(" ")
    if name and not may_manage(deps, context.team_id, channel_id, user_id, client):
        ack(text=":warning: Only an approver or a workspace admin can change this. Nothing was changed.")
        return
    settings = {
        "blocked-days": ("blocked_days", 0.5, 60.0),
        "reminder-hours": ("reminder_hours", 1.0, 200.0),
    }
    if name:
        if name.lower() not in settings:
            ack(text=f":warning: Try {THRESHOLD_USAGE}.")
            return
        field, low, high = settings[name.lower()]
        try:
            number = float(value)
        except ValueError:
            number = -1
        if not low <= number <= high:
            ack(text=f":warning: `{escape(name)}` takes a number from {low:g} to {high:g}.")
            return
        store.set_threshold(channel_id, field, number)
    blocked_days, reminder_hours = store.thresholds(channel_id)
    ack(
        text=f"Here a task blocked for {blocked_days:g} days is escalated "
        f"(critical after {2 * blocked_days:g}), "
        f"and deciders are reminded after {reminder_hours:g} working hours."
    )


def handle_decide_button(
    ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Record a decision if this person may decide and nobody decided first; enqueue its effects."""
    ack()
    deps: Deps = context["deps"]
    store = EscalationStore(deps.redis, context.team_id)
    action = body["actions"][0]
    channel_id = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
    user_id = body["user"]["id"]
    context["log"].update(action=ACTION_DECIDE)
    escalation_id, _, index = str(action.get("value", "")).partition(":")
    try:
        record = store.get(escalation_id)
        if record.channel_id != channel_id or not index.isdigit():
            raise UserError("I can't find that escalation. `/escalate list` shows the open ones.")
        if record.decision is None and not may_decide(record, user_id, is_admin=is_admin(client, user_id)):
            raise UserError(_only_deciders(record))
        if record.decision is None and record.yes_no and int(index) == 1:
            client.views_open(trigger_id=body["trigger_id"], view=build_reject_modal(record.id))
            context["log"]["outcome"] = "asked why"
            return
        record, won = store.decide(escalation_id, by=user_id, option=int(index))
    except UserError as error:
        context["log"]["outcome"] = "refused"
        respond(text=f":warning: {error.message}", replace_original=False)
        return
    if not won:
        context["log"]["outcome"] = "already decided"
        respond(text=_already_decided(record), replace_original=False)
        return
    _enqueue_decision(context, channel_id, escalation_id, user_id, body.get("response_url"))


def _only_deciders(record: EscalationRecord) -> str:
    who = ", ".join(f"<@{u}>" for u in record.deciders) or "a workspace admin"
    return f"Only {who} (or a workspace admin) can decide this. Nothing was changed."


def _already_decided(record: EscalationRecord) -> str:
    decision = record.decision
    assert decision is not None
    when = f"{decision.at:%Y-%m-%d %H:%M} UTC"
    return f"Already decided by <@{decision.by}> at {when}: *{escape(decision.label)}*."


def _enqueue_decision(
    context: BoltContext, channel_id: str, escalation_id: str, user_id: str, response_url: str | None
) -> None:
    deps: Deps = context["deps"]
    job = enqueue(
        deps.redis,
        apply_decision,
        context.team_id,
        channel_id,
        escalation_id,
        queue=HIGH,
        job_id=job_id_for("decision", context.team_id, escalation_id),
        meta=requester_meta(context.team_id, channel_id, user_id, response_url),
    )
    context["log"]["job_id"] = job.id


def handle_reject_submission(
    ack: Ack, body: dict, view: dict, context: BoltContext, client: WebClient
) -> None:
    """Reject a yes/no escalation with the reason typed in the modal (authorised again here)."""
    deps: Deps = context["deps"]
    store = EscalationStore(deps.redis, context.team_id)
    reason = (view["state"]["values"].get(REJECT_INPUT, {}).get(REJECT_INPUT, {}).get("value") or "").strip()
    user_id = body["user"]["id"]
    try:
        if not reason:
            raise UserError("Say why, so its author knows what to change.")
        record = store.get(view.get("private_metadata") or "")
        if record.decision is None and not may_decide(record, user_id, is_admin=is_admin(client, user_id)):
            raise UserError(_only_deciders(record))
        record, won = store.decide(record.id, by=user_id, option=1, note=reason[:500])
        if not won:
            raise UserError(_already_decided(record))
    except UserError as error:
        ack(response_action="errors", errors={REJECT_INPUT: error.message[:150]})
        return
    ack()
    context["log"].update(action=VIEW_REJECT)
    _enqueue_decision(context, record.channel_id, record.id, user_id, None)


def handle_ask_button(ack: Ack, body: dict, context: BoltContext, client: WebClient) -> None:
    """Open the question modal for an escalation."""
    ack()
    context["log"].update(action=ACTION_ASK)
    escalation_id = str(body["actions"][0].get("value", ""))
    client.views_open(trigger_id=body["trigger_id"], view=build_question_modal(escalation_id))


def handle_question_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Post the question in the escalation's thread; the agent it concerns answers there."""
    deps: Deps = context["deps"]
    question = (view["state"]["values"].get(ASK_INPUT, {}).get(ASK_INPUT, {}).get("value") or "").strip()
    if not question:
        ack(response_action="errors", errors={ASK_INPUT: "Type your question."})
        return
    try:
        record = EscalationStore(deps.redis, context.team_id).get(view.get("private_metadata") or "")
    except UserError as error:
        ack(response_action="errors", errors={ASK_INPUT: error.message[:150]})
        return
    ack()
    context["log"].update(action=VIEW_ASK)
    if not record.message_ts:
        return
    user_id = body["user"]["id"]
    event_id = f"ask-{view.get('id')}"
    if not deps.store(context.team_id).first_seen("event", event_id):
        return
    enqueue(
        deps.redis,
        answer_in_thread,
        context.team_id,
        record.channel_id,
        user_id,
        record.message_ts,
        question[:1000],
        event_id,
        "",
        True,
        queue=HIGH,
        timeout=model_job_timeout(deps.settings),
        job_id=job_id_for("answer", context.team_id, event_id),
        meta=requester_meta(context.team_id, record.channel_id, user_id),
    )
