"""Parsing slash-command text into commands (pure functions, no I/O).

Slack sends the text after the command as typed, with mentions escaped as ``<@U123|name>``
(the manifest sets ``should_escape: true``). Phones turn ``--`` into ``—`` and quotes into
curly ones; both are accepted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

from maestro.commands import TaskCommand
from maestro.errors import UserError
from maestro.models import AGENT_ROLES, Assignee, Priority, TaskStatus
from maestro.text import escape

if TYPE_CHECKING:
    from slack_bolt import BoltRequest

MAX_COMMAND_TEXT = 8000
"""Longest command text accepted, in characters (longer fields are refused by their own limits first)."""

MAX_TITLE_LENGTH = 140
"""Longest task title, in characters (the card header holds 150 with the key)."""

MAX_DESCRIPTION_LENGTH = 2000
"""Longest task description, in characters."""

MAX_CRITERIA = 20
"""Most acceptance criteria on one task."""

MAX_DEPENDENCIES = 20
"""Most ``--after`` keys on one task."""

NEW_FLAGS = ("agent", "owner", "priority", "after", "due", "desc", "criteria")
"""Options of ``/task new``."""

_FLAG_RE = re.compile(r"(?:^|\s)--([a-z][a-z-]*)(?=\s|=|$)=?", re.IGNORECASE)
_QUOTED_RE = re.compile(r"""(?:^|(?<=\s))(["'])(.+?)\1(?=\s|$)""", re.DOTALL)
_DASHES_RE = re.compile(r"(?:^|(?<=\s))[\u2014\u2013](?=[a-zA-Z])")
_MENTION_RE = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_KEY_RE = re.compile(r"^(?:T-?)?([0-9]{1,6})$", re.IGNORECASE)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})

TASK_USAGE = {
    "new": "/task new Write the login API --agent backend --priority high --after T-1 --due 2026-12-01",
    "list": "/task list [mine | blocked | review | @person | --agent backend]",
    "show": "/task show T-1",
    "start": "/task start T-1",
    "progress": "/task progress T-1 60",
    "review": "/task review T-1",
    "done": "/task done T-1",
    "reject": "/task reject T-1 what must change",
    "block": "/task block T-1 waiting for the API contract",
    "unblock": "/task unblock T-1",
    "assign": "/task assign T-1 @person   (or --agent backend)",
    "help": "/task help",
}
"""One example per ``/task`` sub-command, as shown in help and errors."""

_LIST_WORDS = {
    "open": ("open", None),
    "all": ("all", None),
    "mine": ("mine", None),
    "blocked": ("blocked", None),
    "assigned": ("status", TaskStatus.ASSIGNED.value),
    "in-progress": ("status", TaskStatus.IN_PROGRESS.value),
    "in_progress": ("status", TaskStatus.IN_PROGRESS.value),
    "progress": ("status", TaskStatus.IN_PROGRESS.value),
    "review": ("status", TaskStatus.REVIEW.value),
    "done": ("status", TaskStatus.COMPLETED.value),
    "completed": ("status", TaskStatus.COMPLETED.value),
}


def normalize(text: str) -> str:
    """Return command text with curly quotes straightened, phone dashes as ``--`` and spaces folded."""
    text = _DASHES_RE.sub("--", text.translate(_QUOTES))
    return " ".join(text.split())


def unquote(value: str) -> str:
    """Return ``value`` stripped, without one pair of surrounding quotes (``"…"`` or ``'…'``)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def split_flags(
    text: str, allowed: tuple[str, ...], *, repeatable: tuple[str, ...] = ()
) -> tuple[str, dict[str, Any]]:
    """Split ``"title words --flag value --other value"`` into the head and a flag → value dict.

    Values run to the next ``--flag``, so titles and values may hold apostrophes and spaces;
    surrounding quotes are removed. A quoted value is one value even when it holds ``--word``:
    ``--goal "ship it --days later"`` gives the goal ``ship it --days later``.

    Args:
        text: the command text after the verb (normalized).
        allowed: the flags this command takes, without ``--``.
        repeatable: the allowed flags that may be given more than once; each maps to the list of
            its values (empty when not given).

    Returns:
        ``(head, flags)``: the text before the first flag, and each flag given → its value
        (a ``str``; a ``list[str]`` for a repeatable flag).

    Raises:
        UserError: an unknown flag, or a repeated one that isn't repeatable (the message lists
            the known ones).
    """
    quoted = [match.span() for match in _QUOTED_RE.finditer(text)]
    matches = [
        match
        for match in _FLAG_RE.finditer(text)
        if not any(start < match.start(1) < end for start, end in quoted)
    ]
    head = text[: matches[0].start()] if matches else text
    flags: dict[str, Any] = {name: [] for name in repeatable}
    for index, match in enumerate(matches):
        name = match.group(1).lower()
        if name not in allowed:
            known = ", ".join(f"`--{flag}`" for flag in allowed)
            raise UserError(f"`--{escape(name)}` isn't an option here. Options: {known}.")
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = unquote(text[match.end() : end])
        if name in repeatable:
            flags[name].append(value)
        elif name in flags:
            raise UserError(f"`--{name}` is given twice; give it once.")
        else:
            flags[name] = value
    return unquote(head), flags


def request_id(command: Mapping[str, Any], request: BoltRequest | None = None) -> str:
    """Return a slash command's dedupe id: Slack's ``trigger_id`` (a retry repeats it).

    For a command without one: who, where, what (a hash of the text) and when it was signed
    (the ``X-Slack-Request-Timestamp`` header, also repeated by a retry).
    """
    if command.get("trigger_id"):
        return str(command["trigger_id"])
    stamp = request.headers.get("x-slack-request-timestamp", [""])[0] if request is not None else ""
    text = hashlib.sha1(str(command.get("text", "")).encode()).hexdigest()[:12]
    return f"{command.get('user_id')}-{command.get('channel_id')}-{text}-{stamp}"


def parse_key(word: str, usage: str) -> str:
    """Return a task key ``T-<n>`` from ``T-3``, ``t3`` or ``3``.

    Raises:
        UserError: not a task key; the message shows ``usage``.
    """
    match = _KEY_RE.match(word.strip().rstrip(".,:"))
    if not match:
        raise UserError(f"`{escape(word)}` isn't a task key like `T-3`. Try `{usage}`.")
    return f"T-{int(match.group(1))}"


def parse_user(word: str, usage: str) -> str:
    """Return the user id of a Slack mention ``<@U123|name>``.

    Raises:
        UserError: a plain ``@name`` or anything else; the message says to pick the person.
    """
    match = _MENTION_RE.match(word.strip())
    if not match:
        raise UserError(
            f"`{escape(word)}` isn't a Slack mention. Pick the person from the @ list so the name "
            f"turns blue, e.g. `{usage}`."
        )
    return match.group(1)


def parse_role(word: str) -> str:
    """Return an agent role id, case-insensitive.

    Raises:
        UserError: not a role of the roster; the message lists them.
    """
    role = word.strip().lower().removeprefix("@")
    if role not in AGENT_ROLES:
        raise UserError(f"`{escape(word)}` isn't an agent. Agents: {', '.join(AGENT_ROLES)}.")
    return role


def parse_priority(word: str) -> Priority:
    """Return a priority from ``critical|high|medium|low`` (case-insensitive).

    Raises:
        UserError: anything else.
    """
    try:
        return Priority(word.strip().lower())
    except ValueError:
        raise UserError(
            f"`{escape(word)}` isn't a priority. Use one of: {', '.join(p.value for p in Priority)}."
        ) from None


def parse_due(word: str) -> date:
    """Return a date from ``YYYY-MM-DD``.

    Raises:
        UserError: another format or an impossible date.
    """
    try:
        return date.fromisoformat(word.strip())
    except ValueError:
        raise UserError(f"`{escape(word)}` isn't a date. Use YYYY-MM-DD, e.g. `--due 2026-12-01`.") from None


def _parse_assignee(flags: dict[str, str], usage: str) -> Assignee | None:
    if "agent" in flags and "owner" in flags:
        raise UserError("Give either `--agent ROLE` or `--owner @person`, not both.")
    if "agent" in flags:
        return Assignee(kind="agent", id=parse_role(flags["agent"]))
    if "owner" in flags:
        return Assignee(kind="user", id=parse_user(flags["owner"], usage))
    return None


def _parse_new(rest: str) -> TaskCommand:
    usage = TASK_USAGE["new"]
    title, flags = split_flags(rest, NEW_FLAGS)
    if not title:
        raise UserError(f"Give the task a title: `{usage}`.")
    if len(title) > MAX_TITLE_LENGTH:
        raise UserError(
            f"A task title is at most {MAX_TITLE_LENGTH} characters; yours has {len(title):,}. "
            "Put the details in `--desc`."
        )
    description = flags.get("desc", "")
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise UserError(
            f"A description is at most {MAX_DESCRIPTION_LENGTH:,} characters; yours has {len(description):,}."
        )
    depends_on: list[str] = []
    if "after" in flags:
        for word in re.split(r"[,\s]+", flags["after"]):
            if word:
                key = parse_key(word, "--after T-1,T-2")
                if key not in depends_on:
                    depends_on.append(key)
        if len(depends_on) > MAX_DEPENDENCIES:
            raise UserError(f"A task can wait for at most {MAX_DEPENDENCIES} others.")
    criteria = [c.strip() for c in re.split(r"[;\n]", flags.get("criteria", "")) if c.strip()]
    if len(criteria) > MAX_CRITERIA:
        raise UserError(f"A task has at most {MAX_CRITERIA} acceptance criteria; separate them with `;`.")
    if any(len(c) > MAX_TITLE_LENGTH * 2 for c in criteria):
        raise UserError(f"Each acceptance criterion is at most {MAX_TITLE_LENGTH * 2} characters.")
    return TaskCommand(
        verb="new",
        title=title,
        description=description,
        assignee=_parse_assignee(flags, "--owner @alice"),
        priority=parse_priority(flags["priority"]) if "priority" in flags else None,
        depends_on=depends_on,
        due=parse_due(flags["due"]) if "due" in flags else None,
        acceptance_criteria=criteria,
    )


def _parse_list(rest: str) -> TaskCommand:
    word, flags = split_flags(rest, ("agent", "owner", "status"))
    if "agent" in flags:
        return TaskCommand(verb="list", list_filter="agent", list_value=parse_role(flags["agent"]))
    if "owner" in flags:
        return TaskCommand(
            verb="list", list_filter="user", list_value=parse_user(flags["owner"], TASK_USAGE["list"])
        )
    if "status" in flags:
        word = flags["status"]
    word = word.strip()
    if not word:
        return TaskCommand(verb="list")
    lowered = word.lower().replace(" ", "-")
    if lowered in _LIST_WORDS:
        list_filter, value = _LIST_WORDS[lowered]
        return TaskCommand(verb="list", list_filter=list_filter, list_value=value)
    if word.startswith("<@"):
        return TaskCommand(verb="list", list_filter="user", list_value=parse_user(word, TASK_USAGE["list"]))
    if lowered in AGENT_ROLES:
        return TaskCommand(verb="list", list_filter="agent", list_value=lowered)
    raise UserError(f"I can't list `{escape(word)}`. Try `{TASK_USAGE['list']}`.")


def _parse_keyed(verb: str, rest: str) -> TaskCommand:
    usage = TASK_USAGE[verb]
    words = rest.split(" ", 1) if rest else []
    if not words:
        raise UserError(f"Which task? `{usage}`.")
    if verb == "progress" and len(words) == 2 and re.fullmatch(r"[0-9]{1,3}%?", words[0]):
        if re.fullmatch(r"T-?[0-9]{1,6}", words[1], re.IGNORECASE):
            words = [words[1], words[0]]  # "/task progress 60 T-3"
    key = parse_key(words[0], usage)
    arg = words[1].strip() if len(words) > 1 else ""
    if verb == "progress":
        match = re.fullmatch(r"([0-9]{1,3})\s*%?", arg)
        if not match or int(match.group(1)) > 100:
            raise UserError(f"Progress is a whole number from 0 to 100: `/task progress {key} 60`.")
        return TaskCommand(verb="progress", key=key, percent=int(match.group(1)))
    if verb == "block":
        reason = unquote(arg.removeprefix(":").strip())
        if not reason:
            raise UserError(f"Say why it's blocked: `/task block {key} waiting for the API contract`.")
        return TaskCommand(verb="block", key=key, reason=reason)
    if verb == "reject":
        reason = unquote(arg.removeprefix(":").strip())
        if not reason:
            raise UserError(f"Say what must change: `/task reject {key} the refund flow needs a test`.")
        return TaskCommand(verb="reject", key=key, reason=reason)
    if verb == "assign":
        if not arg:
            raise UserError(f"Who should take {key}? `/task assign {key} @person` or `--agent backend`.")
        head, flags = split_flags(arg, ("agent", "owner"))
        if head:
            flags.setdefault("owner" if head.startswith("<@") or head.startswith("@") else "agent", head)
        return TaskCommand(
            verb="assign", key=key, assignee=_parse_assignee(flags, f"/task assign {key} @alice")
        )
    if arg:
        raise UserError(f"`/task {verb}` takes only a task key: `{usage}`.")
    return TaskCommand(verb=verb, key=key)  # type: ignore[arg-type]


def parse_task_command(text: str) -> TaskCommand:
    """Parse the text of a ``/task`` command.

    Args:
        text: what followed ``/task``, as Slack sent it.

    Returns:
        The command; ``verb="help"`` for empty text or ``help``.

    Raises:
        UserError: malformed input; the message says what to type instead.
    """
    if len(text) > MAX_COMMAND_TEXT:
        raise UserError(f"That command is {len(text):,} characters long; the limit is {MAX_COMMAND_TEXT:,}.")
    text = normalize(text)
    if not text:
        return TaskCommand(verb="help")
    verb, _, rest = text.partition(" ")
    verb = verb.lower()
    if verb in ("help", "?"):
        return TaskCommand(verb="help")
    if verb in ("new", "add", "create"):
        return _parse_new(rest)
    if verb in ("list", "ls", "board"):
        return _parse_list(rest)
    if verb in ("show", "start", "progress", "review", "done", "reject", "block", "unblock", "assign"):
        return _parse_keyed(verb, rest)
    raise UserError(
        f"`/task {escape(verb)}` isn't a command. Try `/task new Write the login API --agent backend`, "
        "or `/task help` for all of them."
    )
