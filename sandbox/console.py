"""A line-based stand-in for the Slack client, driving an app through the sandbox.

Type a slash command exactly as in Slack (``/task new Write the login API --agent backend``)
and it is sent signed to the app; plain text is sent as a mention of the bot in the current
channel; lines starting with ``:`` are console commands (``:help`` lists them). After each
request the console waits briefly and prints what the bot did: new messages, thread replies,
edits, deletions, ephemerals for the current user ("only visible to you"), modals opened and
Home tabs published. Buttons are numbered; ``:press N`` presses one, on a message, on your Home
tab (after ``:home``) or in an open modal. A modal's inputs are numbered too: ``:fill N text``
types into one and ``:submit`` sends the ``view_submission`` (``:submit text`` for a one-input
modal). As in Slack's client, ``@bob`` typed for a known user becomes a mention (``<@U0BOB>``;
``<@U0BOB|bob>`` in a slash command, which Maestro's manifest escapes).

It reads lines until EOF, so it works with a pipe or an ``io.StringIO`` as well as a terminal.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tempfile
import threading
import time
import urllib.error
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from . import payloads
from .constants import BOT_USER_ID
from .directory import CHANNEL_PREFIXES, channel_name, user_name
from .ids import ts_key
from .render import render_message, render_view
from .sender import SentRequest, SlackSender
from .web_api import SandboxServer

HELP = """\
Type as you would in Slack:
  /command text        send a slash command (signed) as the current user
  any other text       mention the bot in the current channel (<@UMAESTRO> text)
  @bob                 a known user's name becomes a mention, as Slack's client does
                       (/task assign T-1 @bob sends <@U0BOB|bob>)
Console commands:
  :help                this help
  :log [N]             the channel's last N messages (default 20), buttons numbered
  :thread N            the thread of message #N (or of a ts)
  :reply N text        mention the bot in the thread of message #N
  :press N             press button [N] from the last listing (messages, your Home tab, a modal)
  :example NAME        /orchestrate one of the seeds' requests: orders, milestones, tracks
  :home                open the Maestro app's Home tab (your board); :press its buttons
  :modal               show the open modal, its inputs numbered {1} {2} … and what you typed
  :fill N text         type text into input {N} of the open modal (\\n starts a new line)
  :submit [text]       submit the open modal (with text: fill its only input first)
  :cancel              close the open modal without submitting it
  :files               the files uploaded to the channel (e.g. /report timeline's chart)
  :wait [S]            wait S seconds (default 3) for more bot activity
  :user U0BOB|bob      act as another user
  :channel C0GENERAL   switch channel (#general works too)
  :users               list the workspace's users
  :quit                leave (end of input works too)"""

_AT_NAME = re.compile(r"(?<![\w<@|./:-])@([A-Za-z0-9][\w.-]*)")
"""``@name`` typed in a message or command (not inside ``<@…>``, an e-mail address or a URL)."""


@dataclass
class _Shown:
    """A message shown in the last listing."""

    channel: str
    ts: str
    ephemeral: bool


@dataclass
class _ShownButton:
    """A button shown in the last listing: on a message, or in a view (``view_id``)."""

    message: _Shown | None
    action_id: str
    label: str
    value: Any
    view_id: str | None = None


@dataclass
class _Input:
    """One input of an open modal, numbered in display order."""

    block_id: str
    action_id: str
    label: str
    kind: str
    optional: bool
    multiline: bool
    min_length: int | None
    max_length: int | None


@dataclass
class _Modal:
    """The modal open for the person at the console, and what they typed into it."""

    view: dict
    inputs: list[_Input]
    values: dict[int, str]


class Console:
    """State and commands of one console session (see :func:`run_console`).

    Attributes:
        sender: Sends requests to the app.
        server: The sandbox server (its workspace is read for output).
        channel: Current conversation id.
        user: Current user id.
        wait: Longest wait for the bot after a request, seconds.
        settle: Quiet time after the last change before printing, seconds.
    """

    def __init__(
        self,
        sender: SlackSender,
        server: SandboxServer,
        *,
        channel: str = "C0PROJECT",
        user: str = "U0ALICE",
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        wait: float = 3.0,
        settle: float = 0.5,
        log_path: Path | None = None,
    ) -> None:
        """Create a console.

        Args:
            sender: Sender pointed at the app (give it the same server).
            server: The running sandbox server.
            channel: Starting conversation id.
            user: Starting user id.
            stdin: Where lines are read from.
            stdout: Where output goes.
            wait: Seconds to wait at most for the bot after a request.
            settle: Seconds without new activity after which output is printed.
            log_path: Where the app's processes log (said at start), if not to this terminal.
        """
        self.sender = sender
        self.server = server
        self.ws = server.workspace
        self.channel = channel
        self.user = user
        self.stdin = stdin
        self.stdout = stdout
        self.wait = wait
        self.settle = settle
        self.seen = self.ws.journal_seq
        self.log_path = log_path
        self.messages: dict[int, _Shown] = {}
        self.buttons: dict[int, _ShownButton] = {}
        self.modals: dict[str, _Modal] = {}  # user id → the modal open for them
        self._io = threading.Lock()
        self._idle = False
        self._reset_pending = False

    # -------------------------------------------------------------- output helpers

    def say(self, text: str = "") -> None:
        """Write a line to stdout."""
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def prompt(self) -> str:
        """The prompt, e.g. ``alice@#project> ``."""
        return f"{user_name(self.user)}@#{channel_name(self.channel)}> "

    def _author(self, message: dict) -> str:
        """Display name of a message's author (ephemerals always come from the bot)."""
        if message.get("is_ephemeral") or message.get("bot_id") or message.get("user") == BOT_USER_ID:
            return "maestro (bot)"
        return user_name(str(message.get("user", "?")))

    def _new_listing(self) -> None:
        """Forget the numbers of the previous listing."""
        self.messages.clear()
        self.buttons.clear()

    def _show(self, message: dict, channel: str, *, ephemeral: bool = False, note: str = "") -> None:
        """Print one message with a message number and globally numbered buttons."""
        if self._reset_pending:
            self._new_listing()
            self._reset_pending = False
        number = len(self.messages) + 1
        shown = _Shown(channel, message["ts"], ephemeral)
        self.messages[number] = shown
        stamp = time.strftime("%H:%M:%S", time.localtime(float(ts_key(message["ts"])[0])))
        where = "" if channel == self.channel else f" in #{channel_name(channel)}"
        tags = [t for t in (note, "only visible to you" if ephemeral else "") if t]
        if message.get("edited") and note != "updated":
            tags.append("edited")
        head = f"#{number} {self._author(message)}{where} · {stamp}"
        if tags:
            head += " · " + " · ".join(tags)
        self.say(head)
        body, buttons = render_message(message, start=len(self.buttons) + 1)
        for line in (body or "(empty message)").split("\n"):
            self.say("  " + line)
        for number_, action_id, label, value in buttons:
            self.buttons[number_] = _ShownButton(shown, action_id, label, value)
        if message.get("reply_count"):
            self.say(
                f"  ({message['reply_count']} repl{'y' if message['reply_count'] == 1 else 'ies'}"
                f" — :thread {number})"
            )

    # -------------------------------------------------------------- activity

    def _await_activity(self, wait: float | None = None) -> None:
        """Wait for bot activity (up to ``wait`` s, until quiet for ``settle`` s), then print it."""
        limit = self.wait if wait is None else wait
        deadline = time.monotonic() + limit
        checked, last_change = self.seen, None
        while time.monotonic() < deadline:
            new = self.ws.changes(checked)
            now = time.monotonic()
            if new:
                checked = new[-1]["seq"]
                if any(not self._own(entry) for entry in new):
                    last_change = now
            elif last_change is not None and now - last_change >= self.settle:
                break
            time.sleep(0.03)
        if not self.print_activity(new_listing=True):
            self.say(f"(nothing from the bot within {limit:g} s)")

    def _own(self, entry: dict) -> bool:
        """Whether a journal entry is the current person's own new message."""
        return entry["kind"] in ("message", "reply") and entry.get("user") == self.user

    def print_activity(self, *, new_listing: bool = False) -> bool:
        """Print everything that happened since the last print.

        Args:
            new_listing: Start numbering messages and buttons from 1 (after a request the
                person made); otherwise continue the current listing (activity that arrived
                on its own).

        Returns:
            bool: Whether anything was printed.
        """
        entries = self.ws.changes(self.seen)
        if not entries:
            return False
        self.seen = entries[-1]["seq"]
        self._reset_pending = new_listing
        items: dict[tuple, dict] = {}
        for entry in entries:
            kind = entry["kind"]
            if kind in ("message", "reply", "update", "delete"):
                key = ("msg", entry["channel"], entry["ts"])
                previous = items.get(key)
                if previous is None:
                    items[key] = dict(entry)
                elif kind == "delete":
                    previous["kind"] = "delete"
            elif kind in ("ephemeral", "ephemeral_update", "ephemeral_delete"):
                key = ("eph", entry["ts"])
                if key not in items or kind == "ephemeral_delete":
                    items[key] = dict(entry)
            elif kind in ("view_open", "home"):
                items[(kind, entry.get("view_id"))] = dict(entry)
        printed = False
        for entry in items.values():
            printed = self._print_entry(entry) or printed
        self._reset_pending = False
        return printed

    def _print_entry(self, entry: dict) -> bool:
        """Print one consolidated journal entry; returns whether anything was printed."""
        kind = entry["kind"]
        if kind == "delete":
            self.say(f"(a message in #{channel_name(entry['channel'])} was deleted)")
            return True
        if kind in ("message", "reply", "update"):
            message = self.ws.find_message(entry["channel"], entry["ts"])
            if message is None:
                return False
            if message.get("user") == self.user and not message.get("bot_id") and kind != "update":
                return False  # the person's own message: they just typed it
            note = {"reply": "reply in thread", "update": "updated"}.get(kind, "")
            if kind == "reply" and message.get("thread_ts"):
                parent = self.ws.find_message(entry["channel"], message["thread_ts"])
                if parent is not None:
                    excerpt, _ = render_message(parent)
                    excerpt = " ".join(excerpt.split())
                    excerpt = excerpt if len(excerpt) <= 40 else excerpt[:39] + "…"
                    note = f'reply to "{excerpt}"'
            self._show(message, entry["channel"], note=note)
            return True
        if kind.startswith("ephemeral"):
            record = self.ws.find_ephemeral(entry["ts"])
            if record is None:
                return False
            if record["user"] != self.user:
                self.say(f"(an ephemeral message was shown to {user_name(record['user'])})")
                return True
            if kind == "ephemeral_delete" or record.get("deleted"):
                self.say("(an ephemeral message of yours was dismissed)")
                return True
            self._show(
                record,
                record["channel"],
                ephemeral=True,
                note="replaced" if kind == "ephemeral_update" else "",
            )
            return True
        if kind == "view_open":
            opened = [v for v in self.ws.views_opened() if v["view"]["id"] == entry.get("view_id")]
            if not opened or opened[0]["user"] not in (None, self.user):
                return False
            self._open_modal(opened[0]["view"], "[modal opened]")
            return True
        if kind == "home" and entry.get("user") == self.user:
            view = self.ws.home_view(self.user)
            if view is None:
                return False
            self._show_view(view, "[your Home tab was updated]")
            return True
        return False

    def _show_view(self, view: dict, head: str) -> None:
        """Print a Home tab or modal with its buttons numbered after the listing's."""
        if self._reset_pending:
            self._new_listing()
            self._reset_pending = False
        text, buttons = render_view(view, start=len(self.buttons) + 1)
        self.say(head)
        for line in (text or "(empty)").split("\n"):
            self.say("  " + line)
        for number, action_id, label, value in buttons:
            self.buttons[number] = _ShownButton(None, action_id, label, value, view_id=view.get("id"))

    # -------------------------------------------------------------- modals

    def _open_modal(self, view: dict, head: str) -> None:
        """Show a modal that opened for the current person and keep it open for ``:fill``/``:submit``."""
        inputs = []
        values: dict[int, str] = {}
        for block in view.get("blocks") or []:
            if not isinstance(block, dict) or block.get("type") != "input":
                continue
            element = block.get("element") if isinstance(block.get("element"), dict) else {}
            label = block.get("label")
            inputs.append(
                _Input(
                    block_id=str(block.get("block_id", "")),
                    action_id=str(element.get("action_id", "")),
                    label=str(label.get("text", "") if isinstance(label, dict) else label or ""),
                    kind=str(element.get("type", "")),
                    optional=bool(block.get("optional")),
                    multiline=bool(element.get("multiline")),
                    min_length=element.get("min_length"),
                    max_length=element.get("max_length"),
                )
            )
            if isinstance(element.get("initial_value"), str):
                values[len(inputs)] = element["initial_value"]
        self.modals[self.user] = _Modal(view=view, inputs=inputs, values=values)
        self._show_view(view, head)
        self._show_inputs()

    def _modal(self) -> _Modal:
        """The current person's open modal."""
        modal = self.modals.get(self.user)
        if modal is None:
            raise ValueError(
                "no modal is open (a command or button opens one, e.g. /orchestrate with no text)"
            )
        return modal

    def _show_inputs(self) -> None:
        """Print the open modal's inputs, numbered, with what was typed and how to fill them."""
        modal = self._modal()
        if not modal.inputs:
            self.say("  (no inputs: :submit sends it, :cancel closes it)")
            return
        for number, field in enumerate(modal.inputs, 1):
            notes = [
                "optional" if field.optional else "required",
                *(["several lines"] if field.multiline else []),
                *([f"at most {field.max_length} characters"] if field.max_length else []),
            ]
            typed = modal.values.get(number)
            shown = f" = {typed!r}" if typed else ""
            self.say(f"  {{{number}}} {field.label} ({', '.join(notes)}){shown}")
        if len(modal.inputs) == 1:
            self.say("  → :submit TEXT fills {1} and submits; :cancel closes it")
        else:
            self.say("  → :fill N TEXT for each input, then :submit; :cancel closes it")

    def show_modal(self) -> None:
        """``:modal`` — show the open modal again, with what was typed."""
        modal = self._modal()
        self._new_listing()
        self._show_view(modal.view, "[modal]")
        self._show_inputs()

    def fill(self, arg: str) -> None:
        """``:fill N text`` — type into input ``{N}`` of the open modal."""
        modal = self._modal()
        number, _, text = arg.strip().partition(" ")
        if not number.isdigit() or not 1 <= int(number) <= len(modal.inputs):
            raise ValueError(f"usage: :fill N text, N from 1 to {len(modal.inputs)} (see :modal)")
        field = modal.inputs[int(number) - 1]
        if field.kind != "plain_text_input":
            raise ValueError(f"input {{{number}}} is a {field.kind}; the console fills text inputs only")
        value = text.strip().replace("\\n", "\n") if field.multiline else text.strip()
        modal.values[int(number)] = value
        self.say(f"{{{number}}} {field.label} = {value!r}")

    def cancel(self) -> None:
        """``:cancel`` — close the open modal without submitting it."""
        self._modal()
        del self.modals[self.user]
        self.say("(modal closed; nothing was sent)")

    def submit(self, arg: str) -> None:
        """``:submit [text]`` — send the open modal's ``view_submission`` (what Slack's client would send)."""
        modal = self._modal()
        if arg.strip():
            if len(modal.inputs) != 1:
                raise ValueError(
                    f"this modal has {len(modal.inputs)} inputs: :fill N TEXT each, then :submit (see :modal)"
                )
            self.fill(f"1 {arg.strip()}")
        problems = []
        for number, field in enumerate(modal.inputs, 1):
            value = modal.values.get(number, "")
            if not value and not field.optional:
                problems.append(f"{{{number}}} {field.label}: please fill out this field")
            elif value and field.max_length and len(value) > field.max_length:
                problems.append(f"{{{number}}} {field.label}: at most {field.max_length} characters")
            elif value and field.min_length and len(value) < field.min_length:
                problems.append(f"{{{number}}} {field.label}: at least {field.min_length} characters")
        if problems:  # Slack's client doesn't send these; it marks the input
            for problem in problems:
                self.say(f"! {problem}")
            return
        view = modal.view
        values = {
            field.block_id: {field.action_id: {"type": field.kind, "value": modal.values.get(number) or None}}
            for number, field in enumerate(modal.inputs, 1)
        }
        sent = self.sender.submit_view(
            str(view.get("callback_id", "")),
            values,
            user_id=self.user,
            private_metadata=str(view.get("private_metadata", "")),
            view_id=view.get("id"),
            blocks=view.get("blocks"),
        )
        self._report(sent, "the modal")
        if not sent.ok:
            return
        answer = _json_or_empty(sent.body)
        action = answer.get("response_action")
        if action == "errors":
            by_block = {field.block_id: n for n, field in enumerate(modal.inputs, 1)}
            for block_id, message in (answer.get("errors") or {}).items():
                where = f"{{{by_block[block_id]}}} " if block_id in by_block else f"{block_id}: "
                self.say(f"! {where}{message}")
            self.say("  (the modal stays open: :fill and :submit again, or :cancel)")
            return
        del self.modals[self.user]
        if action in ("update", "push") and isinstance(answer.get("view"), dict):
            self._open_modal({"id": view.get("id"), **answer["view"]}, f"[modal {action}d]")
        else:
            self.say("(modal submitted and closed)")
        self._await_activity()

    def _report(self, sent: SentRequest, what: str) -> None:
        """Print problems with the app's HTTP answer."""
        if not sent.delivered:
            self.say(f"! Slack would not send {what} to the app: {sent.body.removeprefix('not delivered: ')}")
            return
        if not sent.ok:
            self.say(f"! the app answered HTTP {sent.status} to {what}: {sent.body[:300]}")
            if sent.kind == "command":
                self.say(f'! Slack would show: "{what} failed with the error "dispatch_failed""')
        if sent.elapsed > 3.0:
            self.say(
                f"! the app took {sent.elapsed:.1f} s to answer; Slack gives up after 3 s"
                " (operation_timeout) and may retry events"
            )

    # -------------------------------------------------------------- commands

    def slash(self, line: str) -> None:
        """Send a slash command line such as ``/task new Write the API``."""
        command, _, text = line.partition(" ")
        if len(command) < 2:
            self.say("error: type a command name after the slash, e.g. /task help")
            return
        text = self.link_mentions(text.strip(), labelled=True)
        sent = self.sender.command(command, text, user_id=self.user, channel_id=self.channel)
        self._report(sent, command)
        self._await_activity()

    def link_mentions(self, text: str, *, labelled: bool = False) -> str:
        """Turn ``@name`` of a known user into a mention, as Slack's client does when you pick them.

        Args:
            text: What the person typed.
            labelled: ``<@U0BOB|bob>`` (a slash command whose text Slack escapes, as Maestro's
                manifest asks) instead of ``<@U0BOB>`` (a message).

        Returns:
            str: The text with each known ``@name`` (or ``@U0BOB``) replaced; unknown names, and
            ``@here`` and ``@channel``, are left as typed.
        """

        def mention(match: re.Match[str]) -> str:
            name = match.group(1).rstrip(".-")
            uid = self.ws.find_user(name)
            if uid is None:
                return match.group(0)
            tail = match.group(1)[len(name) :]
            return (f"<@{uid}|{user_name(uid)}>" if labelled else f"<@{uid}>") + tail

        return _AT_NAME.sub(mention, text)

    def example(self, name: str) -> None:
        """``:example NAME`` — send ``/orchestrate`` with one of the seeds' multi-line requests."""
        from .examples import EXAMPLES

        text = EXAMPLES.get(name.strip().lower())
        if text is None:
            self.say(f"error: examples are {', '.join(EXAMPLES)}, e.g. :example orders")
            return
        sent = self.sender.command("/orchestrate", text, user_id=self.user, channel_id=self.channel)
        self._report(sent, "/orchestrate")
        self._await_activity()

    def home(self) -> None:
        """``:home`` — open the Home tab as the current user (an ``app_home_opened`` event)."""
        sent = self.sender.event(payloads.app_home_opened(self.user))
        self._report(sent, "opening the Home tab")
        self._await_activity()

    def files(self) -> None:
        """``:files`` — list the files shared in the current channel, saved to disk so they can be opened."""
        folder = Path(tempfile.gettempdir()) / "maestro-sandbox-files"
        shared = [f for f in self.ws.files() if self.channel in f.get("channels", []) and f.get("content")]
        if not shared:
            self.say(f"(no files in #{channel_name(self.channel)})")
            return
        folder.mkdir(parents=True, exist_ok=True)
        for record in shared:
            path = folder / f"{record['id']}-{Path(record.get('name') or 'file').name}"
            path.write_bytes(record["content"])
            self.say(f"{record.get('title') or record.get('name')} · {len(record['content'])} bytes · {path}")

    def mention(self, text: str, thread_ts: str | None = None) -> None:
        """Send ``text`` as an app_mention from the current user."""
        text = self.link_mentions(text)
        event = payloads.app_mention(text, user=self.user, channel=self.channel, thread_ts=thread_ts)
        sent = self.sender.event(event)
        self._report(sent, "the mention")
        self._await_activity()

    def log(self, arg: str) -> None:
        """``:log [N]`` — the channel's last N messages and the user's ephemerals there."""
        count = int(arg) if arg else 20
        if count <= 0:
            raise ValueError("N must be positive")
        self.print_activity_silently()
        items = [(m, False) for m in self.ws.messages(self.channel)]
        items += [(e, True) for e in self.ws.ephemerals(channel=self.channel, user=self.user)]
        items.sort(key=lambda pair: ts_key(pair[0]["ts"]))
        items = items[-count:]
        self._new_listing()
        if not items:
            self.say(f"(no messages in #{channel_name(self.channel)} yet)")
            return
        for message, ephemeral in items:
            self._show(message, self.channel, ephemeral=ephemeral)

    def print_activity_silently(self) -> None:
        """Mark all activity as seen without printing it."""
        self.seen = self.ws.journal_seq

    def _message_ts(self, arg: str) -> tuple[str, str]:
        """Resolve ``N`` (listing number) or a ts to ``(channel, ts)`` of a channel message."""
        if not arg:
            raise ValueError("give a message number from the last listing (or a ts)")
        if arg.lstrip("#").isdigit():
            shown = self.messages.get(int(arg.lstrip("#")))
            if shown is None:
                raise ValueError(f"no message #{arg.lstrip('#')} in the last listing; try :log")
            if shown.ephemeral:
                raise ValueError(
                    f"message #{arg.lstrip('#')} is ephemeral (only visible to you): it has no thread"
                )
            return shown.channel, shown.ts
        return self.channel, arg

    def thread(self, arg: str) -> None:
        """``:thread N`` — print a message's thread."""
        channel, ts = self._message_ts(arg.strip())
        messages = self.ws.thread(channel, ts)
        if not messages:
            self.say(f"(no message {ts} in #{channel_name(channel)})")
            return
        self._new_listing()
        for index, message in enumerate(messages):
            self._show(message, channel, note="thread start" if index == 0 else "")
        if len(messages) == 1:
            self.say("  (no replies yet)")

    def reply(self, arg: str) -> None:
        """``:reply N text`` — mention the bot in a message's thread."""
        number, _, text = arg.strip().partition(" ")
        if not text.strip():
            raise ValueError("usage: :reply N text")
        channel, ts = self._message_ts(number)
        if channel != self.channel:
            raise ValueError("that message is in another channel; :channel there first")
        self.mention(text.strip(), thread_ts=ts)

    def press(self, arg: str) -> None:
        """``:press N`` — press button N of the last listing as the current user."""
        if not arg.strip().isdigit():
            raise ValueError("usage: :press N (a button number from the last listing)")
        number = int(arg)
        button = self.buttons.get(number)
        if button is None:
            known = ", ".join(f"[{n}] {b.label}" for n, b in sorted(self.buttons.items())) or "none"
            raise ValueError(f"no button [{number}] in the last listing (buttons: {known})")
        shown = button.message
        if shown is None:
            self._press_in_view(button)
            return
        message = (
            self.ws.find_ephemeral(shown.ts)
            if shown.ephemeral
            else self.ws.find_message(shown.channel, shown.ts)
        )
        if message is None:
            raise ValueError("that message no longer exists")
        sent = self.sender.press(message, button.action_id, channel_id=shown.channel, user_id=self.user)
        self._report(sent, f"the button {button.label!r}")
        self._await_activity()

    def _press_in_view(self, button: _ShownButton) -> None:
        """Press a button of the current person's Home tab or open modal, as it is shown now."""
        home = self.ws.home_view(self.user)
        modal = self.modals.get(self.user)
        if home is not None and home.get("id") == button.view_id:
            view = home
        elif modal is not None and modal.view.get("id") == button.view_id:
            view = modal.view
        else:
            raise ValueError("that view is no longer shown (:home opens your Home tab again)")
        sent = self.sender.press_in_view(view, button.action_id, user_id=self.user)
        self._report(sent, f"the button {button.label!r}")
        self._await_activity()

    def switch_user(self, arg: str) -> None:
        """``:user U0BOB`` — act as another user."""
        if not arg.strip():
            raise ValueError("usage: :user U0BOB (see :users)")
        uid = self.ws.find_user(arg)
        if uid is None:
            raise ValueError(f"no user {arg.strip()!r}; see :users")
        if uid == BOT_USER_ID:
            raise ValueError("you cannot act as the bot")
        self.user = uid
        self.say(f"now acting as {user_name(uid)} ({uid})")

    def switch_channel(self, arg: str) -> None:
        """``:channel C0GENERAL`` or ``:channel #general`` — switch channel."""
        wanted = arg.strip()
        if not wanted:
            raise ValueError("usage: :channel C0GENERAL")
        target = None
        name = wanted.lstrip("#").lower()
        for info in self.ws.channels():
            if info["id"] == wanted or info.get("name") == name:
                target = info["id"]
        if target is None and wanted.startswith(CHANNEL_PREFIXES) and wanted.isalnum() and wanted.isupper():
            target = self.ws.resolve_channel(wanted)
        if target is None:
            raise ValueError(f"no channel {wanted!r} (ids start with C, D or G)")
        self.channel = target
        self.say(f"now in #{channel_name(target)} ({target})")

    def users(self) -> None:
        """``:users`` — list users."""
        for user in self.ws.users():
            role = "bot" if user["is_bot"] else ("admin" if user["is_admin"] else "member")
            mark = "*" if user["id"] == self.user else " "
            self.say(
                f"{mark} {user['id']:<10} {user['name']:<8} {user['real_name']:<14} {user['tz']:<18} {role}"
            )

    # -------------------------------------------------------------- loop

    def handle(self, line: str) -> bool:
        """Handle one input line.

        Args:
            line: The line, without its newline.

        Returns:
            bool: False when the console should stop.
        """
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            name, _, arg = line[1:].partition(" ")
            name = name.lower()
            if name in ("quit", "q", "exit"):
                return False
            actions = {
                "help": lambda: self.say(HELP),
                "log": lambda: self.log(arg.strip()),
                "thread": lambda: self.thread(arg),
                "reply": lambda: self.reply(arg),
                "press": lambda: self.press(arg.strip()),
                "wait": lambda: self._await_activity(float(arg) if arg.strip() else None),
                "user": lambda: self.switch_user(arg),
                "channel": lambda: self.switch_channel(arg),
                "users": self.users,
                "example": lambda: self.example(arg),
                "home": self.home,
                "files": self.files,
                "modal": self.show_modal,
                "fill": lambda: self.fill(arg),
                "submit": lambda: self.submit(arg),
                "cancel": self.cancel,
            }
            action = actions.get(name)
            if action is None:
                self.say(f"error: unknown console command :{name} (try :help)")
            else:
                action()
            return True
        if line.startswith("/"):
            self.slash(line)
        else:
            self.mention(line)
        return True

    def run(self) -> int:
        """Read and handle lines until ``:quit`` or end of input.

        Returns:
            int: 0.
        """
        interactive = bool(getattr(self.stdin, "isatty", lambda: False)())
        self.say(
            f"Slack sandbox console: acting as {user_name(self.user)} in #{channel_name(self.channel)}, "
            f"app at {self.sender.events_url}. Type /command, text to mention the bot, :help."
        )
        if self.log_path is not None:
            self.say(f"The app's log (web, workers, clock, libraries) goes to {self.log_path}")
        stop = threading.Event()
        if interactive:
            threading.Thread(target=self._watch, args=(stop,), name="console-watch", daemon=True).start()
        try:
            self._loop(interactive)
        finally:
            stop.set()
        self.say("bye")
        return 0

    def _watch(self, stop: threading.Event, interval: float = 0.3) -> None:
        """While waiting for input at a terminal, print bot activity as it happens."""
        while not stop.wait(interval):
            if self.ws.journal_seq == self.seen:
                continue
            with self._io:
                if not self._idle:
                    continue
                out, buffer = self.stdout, io.StringIO()
                self.stdout = buffer
                try:
                    self.print_activity()
                finally:
                    self.stdout = out
                if buffer.getvalue():
                    out.write("\n" + buffer.getvalue() + self.prompt())
                    out.flush()

    def _loop(self, interactive: bool) -> None:
        """Read and handle lines until ``:quit`` or end of input."""
        while True:
            with self._io:
                self.print_activity()
                if interactive:
                    self.stdout.write(self.prompt())
                    self.stdout.flush()
                self._idle = True
            try:
                line = self.stdin.readline()
            except KeyboardInterrupt:
                self.say()
                break
            finally:
                with self._io:
                    self._idle = False
            if not line:
                break
            if not interactive:
                self.say(self.prompt() + line.rstrip("\n"))
            try:
                if not self.handle(line.rstrip("\n")):
                    break
            except KeyboardInterrupt:
                self.say("(interrupted)")
            except urllib.error.URLError as exc:
                self.say(f"error: could not reach the app at {self.sender.events_url}: {exc.reason}")
            except (ValueError, LookupError) as exc:
                self.say(f"error: {exc}")
            except Exception as exc:  # the console must never die with a traceback
                self.say(f"error: {type(exc).__name__}: {exc}")


def run_console(
    sender: SlackSender,
    server: SandboxServer,
    *,
    channel: str = "C0PROJECT",
    user: str = "U0ALICE",
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    wait: float = 3.0,
    settle: float = 0.5,
    log_path: Path | None = None,
) -> int:
    """Run the interactive console until ``:quit`` or end of input.

    Args:
        sender: Sender pointed at the app, ideally constructed with ``server=server``.
        server: The running sandbox server the app talks to.
        channel: Starting conversation id.
        user: Starting user id.
        stdin: Input lines (a TTY, a pipe or ``io.StringIO``).
        stdout: Output.
        wait: Seconds to wait at most for the bot after each request.
        settle: Seconds of quiet after which the bot's activity is printed.
        log_path: Where the app's processes log, said at start (``maestro up`` sends the log
            there, so no log line lands in the prompt).

    Returns:
        int: Exit status, 0.
    """
    if sender.server is None:
        sender.server = server
    return Console(
        sender,
        server,
        channel=channel,
        user=user,
        stdin=stdin,
        stdout=stdout,
        wait=wait,
        settle=settle,
        log_path=log_path,
    ).run()


def _json_or_empty(body: str) -> dict:
    """The JSON object an app answered (a ``view_submission``'s ``response_action``), or ``{}``."""
    try:
        answer = json.loads(body) if body.strip() else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


__all__ = ["Console", "run_console", "HELP"]
