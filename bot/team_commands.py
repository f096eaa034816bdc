"""Listeners of the AI team: ``/orchestrate``, a plan's buttons, ``/agents``, usage and budget.

``/orchestrate`` has a modal for long requests; it posts a draft plan whose *Create tasks*,
*Re-plan as…* and *Edit* are handled here (the edit modal is opened and checked here, within
Slack's 3 seconds; the changes are jobs). ``/maestro usage`` and ``/maestro budget`` are
answered here too.

``/orchestrate`` persists nothing itself: it dedupes, enqueues the Master's job and acks. Roster
and budget changes are single small Redis writes, done here and confirmed in the ack with what
changed; once the project has approvers only they and workspace admins may make them
(:func:`bot.sprint_commands.check_may_change`).
"""

from __future__ import annotations

import json
import re

from pydantic import ValidationError
from slack_bolt import Ack, App, BoltContext, BoltRequest, Respond
from slack_sdk import WebClient

from agents.roster import (
    Agent,
    AgentOverride,
    RosterChange,
    explain_invalid,
    find_agent,
    load_overrides_yaml,
    roster_changes,
    roster_for,
)
from agents.staffing import after_disabling
from bot.deps import Deps
from bot.observe import logged
from bot.parsing import normalize, request_id, split_flags, unquote
from bot.sprint_commands import check_may_change
from jobs.approvals import plan_refusal
from jobs.queues import HIGH, enqueue, job_id_for, model_job_timeout, requester_meta
from jobs.team import (
    apply_plan_edit,
    create_plan_tasks,
    plan_request,
    post_batch_cards,
    replan_request,
    start_plan,
)
from maestro.errors import UserError
from maestro.models import utcnow
from maestro.plan_store import PlanRecord, PlanStore
from maestro.plans import ISSUE_TYPES, PlanEdit, PlanEditError, edit_plan
from maestro.team_cards import (
    ACTION_CREATE_TASKS,
    ACTION_EDIT_PLAN,
    ACTION_POST_CARDS,
    ACTION_REPLAN,
    ACTION_START_PLAN,
    EDIT_DROP,
    EDIT_ROLE,
    EDIT_TITLE,
    ORCHESTRATE_INPUT,
    VIEW_EDIT_PLAN,
    VIEW_ORCHESTRATE,
    build_orchestrate_modal,
    build_plan_edit_modal,
    build_roster_blocks,
    build_usage_blocks,
)
from maestro.team_store import TeamStore
from maestro.text import escape
from maestro.usage import UsageStore

MAX_REQUEST_LENGTH = 6000
"""Longest feature request ``/orchestrate`` takes, in characters."""

MIN_REQUEST_LENGTH = 10
"""Shortest request worth planning."""

AGENTS_USAGE = (
    "`/agents` · `/agents rename backend Bea` · `/agents disable security` · `/agents enable security` · "
    "`/agents tier backend opus` · "
    '`/agents add data-eng --name "Data Engineer" --specialty ETL --based-on backend` · '
    "`/agents load` followed by YAML · `/agents reset`"
)


def register(app: App) -> None:
    """Register the team's listeners."""
    app.command("/orchestrate")(logged(handle_orchestrate_command))
    app.view(VIEW_ORCHESTRATE)(logged(handle_orchestrate_submission))
    app.action(ACTION_START_PLAN)(logged(handle_start_plan_button))
    app.action(ACTION_CREATE_TASKS)(logged(handle_create_tasks_button))
    app.action(ACTION_REPLAN)(logged(handle_replan_select))
    app.action(ACTION_EDIT_PLAN)(logged(handle_edit_plan_button))
    app.view(VIEW_EDIT_PLAN)(logged(handle_edit_plan_submission))
    app.action(ACTION_POST_CARDS)(logged(handle_post_cards_button))
    app.command("/agents")(logged(handle_agents_command))


def _enqueue_plan(
    context: BoltContext,
    *,
    channel_id: str,
    user_id: str,
    request: str,
    source: str,
    response_url: str | None,
) -> bool:
    deps: Deps = context["deps"]
    store = deps.store(context.team_id)
    if not store.first_seen("plan", source):
        context["log"]["outcome"] = "duplicate"
        return False
    try:
        job = enqueue(
            deps.redis,
            plan_request,
            context.team_id,
            channel_id,
            user_id,
            request,
            source,
            response_url,
            queue=HIGH,
            timeout=model_job_timeout(deps.settings),
            job_id=job_id_for("plan", context.team_id, source),
            meta=requester_meta(context.team_id, channel_id, user_id, response_url),
        )
    except BaseException:
        store.forget_seen("plan", source)
        raise
    context["log"]["job_id"] = job.id
    return True


def _check_request(text: str) -> str:
    request = text.strip()
    if len(request) > MAX_REQUEST_LENGTH:
        raise UserError(
            f"A request is at most {MAX_REQUEST_LENGTH:,} characters; yours has {len(request):,}."
        )
    if len(request) < MIN_REQUEST_LENGTH:
        raise UserError(
            "Say a bit more about what to build, e.g. "
            "`/orchestrate Let customers reset their password by email`."
        )
    return request


def handle_orchestrate_command(
    ack: Ack, command: dict, context: BoltContext, client: WebClient, request: BoltRequest
) -> None:
    """Plan a feature request; with no text, open a modal for a long one."""
    context["log"].update(command="orchestrate")
    text = command.get("text", "")
    if not text.strip():
        ack()
        client.views_open(
            trigger_id=command["trigger_id"], view=build_orchestrate_modal(command["channel_id"])
        )
        return
    try:
        feature = _check_request(text)
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    trigger = request_id(command, request)
    _enqueue_plan(
        context,
        channel_id=command["channel_id"],
        user_id=command["user_id"],
        request=feature,
        source=f"plan-{trigger}",
        response_url=command.get("response_url"),
    )
    ack(
        text=":compass: The Master is planning it; a draft plan will appear in this channel. "
        "Nothing goes on the board until someone presses *Create tasks*."
    )


def handle_orchestrate_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Plan the request typed in the ``/orchestrate`` modal."""
    value = view["state"]["values"].get(ORCHESTRATE_INPUT, {}).get(ORCHESTRATE_INPUT, {}).get("value") or ""
    try:
        feature = _check_request(value)
    except UserError as error:
        ack(response_action="errors", errors={ORCHESTRATE_INPUT: error.message[:150]})
        return
    ack()
    context["log"].update(action=VIEW_ORCHESTRATE)
    _enqueue_plan(
        context,
        channel_id=view.get("private_metadata") or "",
        user_id=body["user"]["id"],
        request=feature,
        source=f"plan-view-{view.get('id')}",
        response_url=None,
    )


def handle_start_plan_button(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Start the first batch of a plan (the plan's id is looked up in this team and channel)."""
    ack()
    deps: Deps = context["deps"]
    action = body["actions"][0]
    channel_id = (body.get("channel") or {}).get("id") or body["container"]["channel_id"]
    plan_id = str(action.get("value", ""))
    context["log"].update(action=ACTION_START_PLAN)
    record = (
        PlanStore(deps.store(context.team_id)).get(plan_id)
        if re.fullmatch(r"[0-9a-f]{32}", plan_id)
        else None
    )
    if record is None or record.channel_id != channel_id:
        context["log"]["outcome"] = "refused"
        respond(text=":warning: I can't find that plan in this channel.", replace_original=False)
        return
    source = f"planstart-{plan_id}"
    if not deps.store(context.team_id).first_seen("planstart", source):
        context["log"]["outcome"] = "duplicate"
        return
    job = enqueue(
        deps.redis,
        start_plan,
        context.team_id,
        channel_id,
        body["user"]["id"],
        plan_id,
        source,
        queue=HIGH,
        job_id=job_id_for("planstart", context.team_id, plan_id),
        meta=requester_meta(context.team_id, channel_id, body["user"]["id"]),
    )
    context["log"]["job_id"] = job.id


AGENTS_CHANGES = ("rename", "disable", "enable", "tier", "add", "load", "reset")
"""``/agents`` verbs that change the team (limited to approvers and admins once approvers are set)."""

TIER_RULE = "A tier is `haiku`, `sonnet` or `opus`, e.g. `/agents tier backend opus`."
"""What a bad tier is told."""


def _plan_of(context: BoltContext, body: dict, plan_id: str) -> tuple[str, PlanRecord | None]:
    """The channel a plan button was pressed in, and the plan when it lives there."""
    deps: Deps = context["deps"]
    channel_id = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id", "")
    if not re.fullmatch(r"[0-9a-f]{32}", plan_id):
        return channel_id, None
    record = PlanStore(deps.store(context.team_id)).get(plan_id)
    return channel_id, record if record is not None and record.channel_id == channel_id else None


def _interaction_source(body: dict, action: dict) -> str:
    """A dedupe key for one press: the message, the action and its ``action_ts`` (a retry repeats them)."""
    message_ts = (body.get("container") or {}).get("message_ts", "")
    return f"{message_ts}-{action.get('action_id', '')}-{action.get('action_ts', '')}"


def _enqueue_plan_job(
    context: BoltContext, kind: str, source: str, func, *args, user_id: str, channel_id: str
) -> None:
    deps: Deps = context["deps"]
    store = deps.store(context.team_id)
    if not store.first_seen(kind, source):
        context["log"]["outcome"] = "duplicate"
        return
    try:
        job = enqueue(
            deps.redis,
            func,
            context.team_id,
            channel_id,
            user_id,
            *args,
            queue=HIGH,
            timeout=model_job_timeout(deps.settings),
            job_id=job_id_for(kind, context.team_id, re.sub(r"[^A-Za-z0-9_-]", "_", source)[:120]),
            meta=requester_meta(context.team_id, channel_id, user_id),
        )
    except BaseException:
        store.forget_seen(kind, source)
        raise
    context["log"]["job_id"] = job.id


def handle_create_tasks_button(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Put a draft plan's tasks on the board (the job checks who may and tells them if not)."""
    ack()
    action = body["actions"][0]
    plan_id = str(action.get("value", ""))
    context["log"].update(action=ACTION_CREATE_TASKS)
    channel_id, record = _plan_of(context, body, plan_id)
    if record is None:
        context["log"]["outcome"] = "refused"
        respond(text=":warning: I can't find that plan in this channel.", replace_original=False)
        return
    source = _interaction_source(body, action)
    _enqueue_plan_job(
        context,
        "plancreate",
        source,
        create_plan_tasks,
        plan_id,
        source,
        body.get("response_url"),
        user_id=body["user"]["id"],
        channel_id=channel_id,
    )


def handle_replan_select(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Re-plan a draft as the issue type picked in its *Re-plan as…* select."""
    ack()
    action = body["actions"][0]
    issue_type = str((action.get("selected_option") or {}).get("value") or action.get("value") or "")
    plan_id = str(action.get("block_id", "")).removeprefix("plan_draft:")
    context["log"].update(action=ACTION_REPLAN)
    channel_id, record = _plan_of(context, body, plan_id)
    if record is None or issue_type not in ISSUE_TYPES:
        context["log"]["outcome"] = "refused"
        respond(
            text=":warning: Pick one of the types in the list: "
            + ", ".join(f"`{t}`" for t in ISSUE_TYPES)
            + ".",
            replace_original=False,
        )
        return
    source = _interaction_source(body, action)
    _enqueue_plan_job(
        context,
        "replan",
        source,
        replan_request,
        plan_id,
        issue_type,
        source,
        body.get("response_url"),
        user_id=body["user"]["id"],
        channel_id=channel_id,
    )


def handle_edit_plan_button(
    ack: Ack, body: dict, context: BoltContext, client: WebClient, respond: Respond
) -> None:
    """Open the edit modal of a draft plan, for the people who may change it."""
    ack()
    deps: Deps = context["deps"]
    action = body["actions"][0]
    plan_id = str(action.get("value", ""))
    context["log"].update(action=ACTION_EDIT_PLAN)
    channel_id, record = _plan_of(context, body, plan_id)
    refusal = None
    if record is None or record.plan is None:
        refusal = "I can't find that plan in this channel."
    elif record.status != "draft":
        refusal = "Its tasks are already on the board; change them with `/task` or their cards."
    else:
        refusal = plan_refusal(client, deps.redis, record, body["user"]["id"], "edit this plan")
    if refusal:
        context["log"]["outcome"] = "refused"
        respond(text=f":warning: {refusal}", replace_original=False)
        return
    assert record is not None and record.plan is not None
    client.views_open(
        trigger_id=body["trigger_id"],
        view=build_plan_edit_modal(
            record.plan, plan_id=record.id, channel_id=channel_id, version=record.version
        ),
    )


def read_plan_edit(values: dict) -> PlanEdit:
    """The edit a submitted edit modal asks for (``state.values``), as a :class:`~maestro.plans.PlanEdit`."""
    drop = [o["value"] for o in (values.get(EDIT_DROP, {}).get(EDIT_DROP, {}).get("selected_options") or [])]
    titles, roles = {}, {}
    for block_id, actions in values.items():
        kind, _, ref = block_id.partition(":")
        if kind == "title" and EDIT_TITLE in actions:
            titles[ref] = str(actions[EDIT_TITLE].get("value") or "")
        elif kind == "role" and EDIT_ROLE in actions:
            selected = actions[EDIT_ROLE].get("selected_option") or {}
            if selected.get("value"):
                roles[ref] = str(selected["value"])
    return PlanEdit(drop=drop, titles=titles, roles=roles)


def handle_edit_plan_submission(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
    """Check a submitted edit against the draft (errors shown in the modal), then apply it in a job."""
    deps: Deps = context["deps"]
    context["log"].update(action=VIEW_EDIT_PLAN)
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
        plan_id, channel_id, version = str(meta["p"]), str(meta["c"]), int(meta["v"])
    except (ValueError, KeyError, TypeError):
        ack(response_action="errors", errors={EDIT_DROP: "This form is broken; open Edit again."})
        return
    edit = read_plan_edit(view["state"]["values"])
    record = PlanStore(deps.store(context.team_id)).get(plan_id)
    if record is None or record.plan is None or record.channel_id != channel_id:
        ack(response_action="errors", errors={EDIT_DROP: "I can't find that plan any more."})
        return
    try:
        edit_plan(record.plan, edit)
    except PlanEditError as error:
        block = EDIT_DROP if error.field == "drop" else f"title:{error.field}"
        ack(response_action="errors", errors={block: str(error)[:150]})
        return
    ack()
    source = f"edit-{view.get('id', '')}-{version}"
    _enqueue_plan_job(
        context,
        "planedit",
        source,
        apply_plan_edit,
        plan_id,
        version,
        edit.model_dump(),
        source,
        user_id=body["user"]["id"],
        channel_id=channel_id,
    )


def handle_post_cards_button(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
    """Post the cards of one batch of a plan in its thread."""
    ack()
    action = body["actions"][0]
    plan_id, _, number = str(action.get("value", "")).partition(":")
    context["log"].update(action=ACTION_POST_CARDS)
    channel_id, record = _plan_of(context, body, plan_id)
    if record is None or not number.isdigit():
        context["log"]["outcome"] = "refused"
        respond(text=":warning: I can't find that batch in this channel.", replace_original=False)
        return
    source = _interaction_source(body, action)
    _enqueue_plan_job(
        context,
        "plancards",
        source,
        post_batch_cards,
        plan_id,
        int(number),
        source,
        user_id=body["user"]["id"],
        channel_id=channel_id,
    )


def handle_agents_command(ack: Ack, command: dict, context: BoltContext) -> None:
    """Show the roster, or change it for this channel (rename, disable, enable, tier, add, load, reset)."""
    deps: Deps = context["deps"]
    team = TeamStore(deps.redis, context.team_id)
    channel_id = command["channel_id"]
    text = command.get("text", "").strip()
    verb, _, rest = text.partition(" ") if "\n" not in text.split(" ", 1)[0] else text.partition("\n")
    verb = verb.lower()
    context["log"].update(command=f"agents {verb}".strip())
    overrides = team.roster_overrides(channel_id)
    try:
        if verb in ("", "list", "help"):
            roster = roster_for(overrides)
            ack(text="The team", blocks=build_roster_blocks([a.model_dump() for a in roster]))
            return
        if verb not in AGENTS_CHANGES:
            raise UserError(f"I can't do `/agents {escape(verb)}`. Try: {AGENTS_USAGE}")
        check_may_change(
            context,
            channel_id,
            command["user_id"],
            action="change model tiers" if verb == "tier" else "change the team's agents",
        )
        before = roster_for(overrides)
        new = _agents_change(verb, rest, overrides, before)
        after = roster_for(new)  # validates the whole roster before it is stored
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    changes = roster_changes(before, after)
    if changes:
        team.set_roster_overrides(channel_id, new)
    ack(text=_changed_text(changes, channel_id, after))


def _changed_text(changes: list[RosterChange], channel_id: str, after: list[Agent]) -> str:
    """Say what an ``/agents`` change did in the channel, and how to undo it (mrkdwn, escaped)."""
    where = f"<#{channel_id}>"
    if not changes:
        return f"Nothing changed: the team in {where} is already like that. `/agents` shows it."
    if len(changes) > 1:
        listed = "\n".join(f"• {change.sentence}" for change in changes[:20])
        more = f"\n…and {len(changes) - 20} more." if len(changes) > 20 else ""
        return f"Changed the team in {where}:\n{listed}{more}\n`/agents reset` goes back to the default team."
    change = changes[0]
    undo = f" {change.undo}" if change.undo else ""
    effect = ""
    if change.kind == "disabled":
        effect = " " + after_disabling(change.agent_id, after)
    return f"{change.sentence} in {where}.{effect}{undo}"


def _agents_change(verb: str, rest: str, overrides: list[dict], roster: list[Agent]) -> list[dict]:
    """Return the overrides after one ``/agents`` change (pure; raises UserError on bad input).

    Args:
        verb: one of :data:`AGENTS_CHANGES`.
        rest: the text after the verb.
        overrides: the channel's stored overrides.
        roster: the channel's roster now (``roster_for(overrides)``).
    """
    if verb == "reset":
        return []
    if verb == "load":
        if not rest.strip():
            raise UserError("Paste the YAML after `/agents load`, e.g. `- id: backend` / `  name: Bea`.")
        return [o.model_dump(exclude_none=True) for o in load_overrides_yaml(rest)]
    words = normalize(rest).split(" ", 1)
    agent_id = words[0].lower() if words and words[0] else ""
    arg = unquote(words[1]) if len(words) > 1 else ""
    if not agent_id:
        raise UserError(f"Which agent? {AGENTS_USAGE}")
    if verb == "add":
        existing = next((a for a in roster if a.id == agent_id), None)
        try:
            AgentOverride(id=agent_id)
        except ValidationError as error:
            raise UserError(explain_invalid(error)) from None
        if existing is not None:
            raise UserError(
                f"There's already an agent `{escape(agent_id)}` ({escape(existing.name)}). Pick a new id, "
                f"e.g. `data-eng`, or change this one: `/agents rename {escape(agent_id)} NAME`."
            )
    else:
        find_agent(roster, agent_id)  # an unknown agent is refused by name
    change: dict[str, object] = {"id": agent_id}
    if verb == "rename":
        if not arg:
            raise UserError(f"Say the new name, e.g. `/agents rename {escape(agent_id)} Bea`.")
        change["name"] = arg
    elif verb in ("disable", "enable"):
        if arg:
            raise UserError(
                f"`/agents {verb}` takes only the agent's id, e.g. `/agents {verb} {escape(agent_id)}`."
            )
        change["enabled"] = verb == "enable"
    elif verb == "tier":
        if arg.lower() not in ("haiku", "sonnet", "opus"):
            raise UserError(TIER_RULE)
        change["tier"] = arg.lower()
    else:  # add
        _, flags = split_flags(arg and f"x {arg}", ("name", "specialty", "based-on", "tier"))
        based_on = str(flags.get("based-on") or "").lower()
        if not (flags.get("name") and flags.get("specialty") and any(a.id == based_on for a in roster)):
            raise UserError(
                "A new agent needs a name, a specialty and an agent to start from, e.g. "
                '`/agents add data-eng --name "Data Engineer" --specialty ETL --based-on backend` '
                f"(`--based-on` one of: {', '.join(a.id for a in roster)})."
            )
        change.update(name=flags["name"], specialty=flags["specialty"], based_on=based_on)
        if flags.get("tier"):
            change["tier"] = flags["tier"].lower()
    try:
        AgentOverride.model_validate(change)
    except ValidationError as error:
        raise UserError(explain_invalid(error)) from None
    merged = [o for o in overrides if o.get("id") != agent_id]
    previous = next((o for o in overrides if o.get("id") == agent_id), {})
    merged.append({**previous, **{k: v for k, v in change.items() if v is not None}})
    return merged


def handle_usage(ack: Ack, context: BoltContext, channel_id: str) -> None:
    """Answer ``/maestro usage``: tokens and estimated cost by agent."""
    deps: Deps = context["deps"]
    usage = UsageStore(deps.redis, context.team_id)
    now = utcnow()
    ack(
        text="Claude usage",
        blocks=build_usage_blocks(
            usage.summary(channel_id, now), usage.budget(channel_id), usage.month_tokens(channel_id, now)
        ),
    )


def handle_budget(ack: Ack, context: BoltContext, channel_id: str, text: str) -> None:
    """Answer ``/maestro budget [TOKENS|off]``: show, or (approvers, admins) set, the monthly token budget."""
    deps: Deps = context["deps"]
    usage = UsageStore(deps.redis, context.team_id)
    value = text.strip().lower().replace(",", "").replace("_", "")
    if not value:
        budget = usage.budget(channel_id)
        ack(
            text=f"Monthly token budget: {budget:,}."
            if budget
            else "No monthly token budget. Set one: `/maestro budget 2000000`."
        )
        return
    try:
        check_may_change(context, channel_id, context.user_id or "", action="change the token budget")
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    if value in ("off", "none", "0"):
        usage.set_budget(channel_id, None)
        ack(text="The monthly token budget is off.")
        return
    if not value.isdigit() or not 1_000 <= int(value) <= 10_000_000_000:
        ack(
            text=":warning: A budget is a whole number of tokens per month, "
            "e.g. `/maestro budget 2000000`, or `off`."
        )
        return
    usage.set_budget(channel_id, int(value))
    ack(text=f"Monthly token budget set to {int(value):,} tokens. Past it, agents use the offline brain.")
