"""/risk: the risk register (seed 001) — add, list, show, update and close risks.

The listener parses, writes the small change itself (idempotent per ``trigger_id``, so Slack's
retry changes nothing twice) and acks an ephemeral confirmation; the in-channel note (a new risk,
a risk turned RED, a closed risk) is posted by :func:`jobs.risks.announce_risk`. Reads answer in
the ack, ephemerally.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field
from slack_bolt import Ack, App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.deps import Deps
from bot.observe import logged
from bot.parsing import MAX_COMMAND_TEXT, normalize, parse_user, request_id, split_flags
from jobs.queues import DEFAULT, enqueue, job_id_for, requester_meta
from jobs.risks import announce_risk
from maestro.errors import UserError
from maestro.models import AGENT_ROLES
from maestro.risk_cards import (
    build_risk_blocks,
    build_risk_help_blocks,
    build_risk_list_blocks,
    describe_risk_event,
    rag_label,
    risk_fallback_text,
)
from maestro.risk_store import RiskStore
from maestro.risks import Impact, Probability, Risk, RiskCategory, RiskStatus, risk_key
from maestro.text import escape

MAX_RISK_TEXT = 1000
"""Longest risk description or mitigation, in characters (the model's own limit)."""

ADD_FLAGS = ("category", "probability", "impact", "owner", "mitigation")
"""Options of ``/risk add``."""

UPDATE_FLAGS = (*ADD_FLAGS, "description")
"""Options of ``/risk update``."""

RISK_USAGE = {
    "add": "/risk add Payment provider outage --category dependency --probability low --impact high",
    "show": "/risk show RISK-7",
    "update": "/risk update RISK-7 --probability high --impact critical",
    "close": "/risk close RISK-7 --as mitigated",
    "list": "/risk list [all]",
}
"""One example per ``/risk`` sub-command, as shown in errors."""

CLOSED_STATUSES = (RiskStatus.MITIGATED, RiskStatus.ACCEPTED, RiskStatus.CLOSED)
"""What ``/risk close … --as`` accepts."""

_KEY_RE = re.compile(r"^(?:RISK-?)?([0-9]{1,4})$", re.IGNORECASE)
_NO_OWNER = ("none", "nobody", "-")

RiskVerb = Literal["add", "list", "show", "update", "close", "help"]
"""The sub-commands of ``/risk``."""


class RiskCommand(BaseModel):
    """One ``/risk`` command, parsed and validated.

    Attributes:
        verb: the sub-command.
        key: ``RISK-007`` for show, update and close.
        fields: for add and update: the :class:`~maestro.risks.Risk` fields given (enum values
            as strings; ``owner`` a user id, a role id or None to unassign).
        everything: ``/risk list all``.
        status: for close: the status the risk ends in.
        error: for help after a mistyped sub-command: what was wrong (escaped mrkdwn).
    """

    verb: RiskVerb
    key: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    everything: bool = False
    status: RiskStatus = RiskStatus.CLOSED
    error: str | None = None


def parse_risk_key(word: str, usage: str) -> str:
    """Return ``RISK-007`` from ``RISK-7``, ``risk-007``, ``risk7`` or ``7``.

    Raises:
        UserError: not a risk key; the message shows ``usage``.
    """
    match = _KEY_RE.match(word.strip().rstrip(".,:"))
    if not match:
        raise UserError(f"`{escape(word)}` isn't a risk key like `RISK-7`. Try `{usage}`.")
    return risk_key(int(match.group(1)))


def _choice(enum: type, noun: str, word: str) -> str:
    value = word.strip().lower()
    allowed = [member.value for member in enum]
    if value not in allowed:
        raise UserError(f"`{escape(word)}` isn't {noun}. Use one of: {', '.join(allowed)}.")
    return value


def parse_owner(word: str, *, allow_none: bool = False) -> str | None:
    """Return a risk owner: a Slack user id from a mention ``<@U123|name>``, or an agent role id.

    Raises:
        UserError: a plain ``@name``, or neither a mention nor an agent role.
    """
    word = word.strip()
    if allow_none and word.lower() in _NO_OWNER:
        return None
    if word.startswith("<@"):
        return parse_user(word, "--owner @bob")
    role = word.lower().removeprefix("@")
    if role in AGENT_ROLES:
        return role
    if word.startswith("@"):
        return parse_user(word, "--owner @bob")  # says to pick the person from the @ list
    raise UserError(
        f"`{escape(word)}` can't own a risk. Name a person (`--owner @bob`) or an agent: "
        f"{', '.join(AGENT_ROLES)}."
    )


def _text_field(name: str, value: str, usage: str) -> str:
    if not value:
        raise UserError(f"`--{name}` needs a value: `{usage}`.")
    if len(value) > MAX_RISK_TEXT:
        raise UserError(f"A risk's {name} is at most {MAX_RISK_TEXT:,} characters; yours has {len(value):,}.")
    return value


def _fields(flags: dict[str, str], usage: str, *, allow_no_owner: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "category" in flags:
        fields["category"] = _choice(RiskCategory, "a category", flags["category"])
    if "probability" in flags:
        fields["probability"] = _choice(Probability, "a probability", flags["probability"])
    if "impact" in flags:
        fields["impact"] = _choice(Impact, "an impact", flags["impact"])
    if "owner" in flags:
        fields["owner"] = parse_owner(flags["owner"], allow_none=allow_no_owner)
    for name in ("mitigation", "description"):
        if name in flags:
            fields[name] = _text_field(name, flags[name], usage)
    return fields


def _keyed(verb: str, rest: str, allowed: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    usage = RISK_USAGE[verb]
    head, flags = split_flags(rest, allowed)
    words = head.split()
    if not words:
        raise UserError(f"Which risk? `{usage}`.")
    if len(words) > 1:
        raise UserError(f"`/risk {verb}` takes a risk key, then options: `{usage}`.")
    return parse_risk_key(words[0], usage), flags


def parse_risk_command(text: str) -> RiskCommand:
    """Parse the text of a ``/risk`` command.

    Args:
        text: what followed ``/risk``, as Slack sent it (mentions as ``<@U123|name>``).

    Returns:
        The command; ``verb="help"`` for empty text, ``help``, or an unknown sub-command (with
        ``error`` saying so).

    Raises:
        UserError: malformed input (a missing description, an unknown category, probability,
            impact or status — the message lists the allowed values —, a bad key or owner).
    """
    if len(text) > MAX_COMMAND_TEXT:
        raise UserError(f"That command is {len(text):,} characters long; the limit is {MAX_COMMAND_TEXT:,}.")
    text = normalize(text)
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb in ("", "help", "?"):
        return RiskCommand(verb="help")
    if verb in ("add", "new"):
        description, flags = split_flags(rest, ADD_FLAGS)
        if not description:
            raise UserError(f"Say what could go wrong: `{RISK_USAGE['add']}`.")
        fields = _fields(flags, RISK_USAGE["add"], allow_no_owner=False)
        fields["description"] = _text_field("description", description, RISK_USAGE["add"])
        return RiskCommand(verb="add", fields=fields)
    if verb in ("list", "ls"):
        word = rest.strip().lower()
        if word not in ("", "open", "all"):
            raise UserError(f"I can't list `{escape(rest)}`. Try `{RISK_USAGE['list']}`.")
        return RiskCommand(verb="list", everything=word == "all")
    if verb == "show":
        key, _ = _keyed("show", rest, ())
        return RiskCommand(verb="show", key=key)
    if verb in ("update", "edit", "set"):
        key, flags = _keyed("update", rest, UPDATE_FLAGS)
        fields = _fields(flags, RISK_USAGE["update"], allow_no_owner=True)
        if not fields:
            options = ", ".join(f"`--{flag}`" for flag in UPDATE_FLAGS)
            raise UserError(f"Say what to change: {options}. E.g. `{RISK_USAGE['update']}`.")
        return RiskCommand(verb="update", key=key, fields=fields)
    if verb == "close":
        key, flags = _keyed("close", rest, ("as",))
        status = RiskStatus.CLOSED
        if "as" in flags:
            allowed = [s.value for s in CLOSED_STATUSES]
            word = flags["as"].strip().lower()
            if word not in allowed:
                raise UserError(
                    f"`{escape(flags['as'])}` isn't how a risk ends. Use one of: {', '.join(allowed)}."
                )
            status = RiskStatus(word)
        return RiskCommand(verb="close", key=key, status=status)
    return RiskCommand(verb="help", error=f"`/risk {escape(verb)}` isn't a command.")


def register(app: App) -> None:
    """Register the ``/risk`` listener."""
    app.command("/risk")(logged(handle_risk_command))


def handle_risk_command(
    ack: Ack, command: dict, context: BoltContext, request: BoltRequest, client: WebClient
) -> None:
    """Handle ``/risk …`` and ``/maestro risk …``: answer a read, or write the change and enqueue its note."""
    try:
        cmd = parse_risk_command(command.get("text", ""))
    except UserError as error:
        context["log"].update(command="risk", outcome="refused")
        ack(text=f":warning: {error.message}")
        return
    context["log"].update(command=f"risk {cmd.verb}", task_key=cmd.key)
    if cmd.verb == "help":
        blocks = build_risk_help_blocks(cmd.error)
        ack(text="How to use /risk", blocks=blocks)
        return
    deps: Deps = context["deps"]
    store = RiskStore(deps.redis, context.team_id)
    channel_id, user_id = command["channel_id"], command["user_id"]
    source = f"risk-{request_id(command, request)}"
    try:
        if cmd.verb == "list":
            title = "All risks" if cmd.everything else "Open risks"
            risks = store.list(channel_id, open_only=not cmd.everything)
            ack(text=title, blocks=build_risk_list_blocks(risks, title=title))
            return
        if cmd.verb == "show":
            risk = store.get(channel_id, cmd.key or "")
            history = [describe_risk_event(e) for e in store.events(channel_id, risk.key)]
            ack(text=risk_fallback_text(risk), blocks=build_risk_blocks(risk, history))
            return
        if cmd.verb == "add":
            risk = store.add(channel_id, **cmd.fields, actor=user_id, source=source)
            answer = f"Recorded *{risk.key}* ({rag_label(risk.rag)}). I'm telling the channel."
        elif cmd.verb == "update":
            risk = store.update(channel_id, cmd.key or "", actor=user_id, source=source, **cmd.fields)
            answer = f"*{risk.key}* is updated: {_summary(risk)}."
        else:
            risk = store.close(channel_id, cmd.key or "", status=cmd.status, actor=user_id, source=source)
            answer = f"*{risk.key}* is {risk.status.value}; it's off the open register."
    except UserError as error:
        context["log"]["outcome"] = "refused"
        ack(text=f":warning: {error.message}")
        return
    context["log"]["task_key"] = risk.key
    job = enqueue(
        deps.redis,
        announce_risk,
        context.team_id,
        channel_id,
        risk.key,
        risk.version,
        source,
        command.get("response_url"),
        queue=DEFAULT,
        job_id=job_id_for("risk", context.team_id, source),  # a retry re-enqueues the same job
        meta=requester_meta(context.team_id, channel_id, user_id, command.get("response_url")),
    )
    context["log"]["job_id"] = job.id
    ack(text=answer)


def _summary(risk: Risk) -> str:
    return (
        f"{rag_label(risk.rag)} · probability {risk.probability.value} · impact {risk.impact.value} · "
        f"status {risk.status.value}"
    )
