"""A line-based stand-in for the Slack client, driving an app through the sandbox.

Type a slash command exactly as in Slack (``/task new Write the login API --agent backend``)
and it is sent signed to the app; plain text is sent as a mention of the bot in the current
channel; lines starting with ``:`` are console commands (``:help`` lists them). After each
request the console waits briefly and prints what the bot did: new messages, thread replies,
edits, deletions, ephemerals for the current user ("only visible to you"), modals opened and
Home tabs published. Buttons are numbered; ``:press N`` presses one.

It reads lines until EOF, so it works with a pipe or an ``io.StringIO`` as well as a terminal.
"""

from __future__ import annotations

import io
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
Console commands:
  :help                this help
  :log [N]             the channel's last N messages (default 20), buttons numbered
  :thread N            the thread of message #N (or of a ts)
  :reply N text        mention the bot in the thread of message #N
  :press N             press button [N] from the last listing
  :example NAME        /orchestrate one of the seeds' requests: orders, milestones, tracks
  :home                open the Maestro app's Home tab (your board) as the current user
  :files               the files uploaded to the channel (e.g. /report timeline's chart)
  :wait [S]            wait S seconds (default 3) for more bot activity
  :user U0BOB|bob      act as another user
  :channel C0GENERAL   switch channel (#general works too)
  :users               list the workspace's users
  :quit                leave (end of input works too)"""


@dataclass
class _Shown:
    """A message shown in the last listing."""

    channel: str
    ts: str
    ephemeral: bool


@dataclass
class _ShownButton:
    """A button shown in the last listing."""

    message: _Shown
    action_id: str
    label: str
    value: Any


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
        self.messages: dict[int, _Shown] = {}
        self.buttons: dict[int, _ShownButton] = {}
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
            text, _ = render_view(opened[0]["view"])
            self.say("[modal opened]")
            for line in text.split("\n"):
                self.say("  " + line)
            return True
        if kind == "home" and entry.get("user") == self.user:
            view = self.ws.home_view(self.user)
            if view is None:
                return False
            text, _ = render_view(view)
            self.say("[your Home tab was updated]")
            for line in (text or "(empty)").split("\n"):
                self.say("  " + line)
            return True
        return False

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
        sent = self.sender.command(command, text.strip(), user_id=self.user, channel_id=self.channel)
        self._report(sent, command)
        self._await_activity()

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

    Returns:
        int: Exit status, 0.
    """
    if sender.server is None:
        sender.server = server
    return Console(
        sender, server, channel=channel, user=user, stdin=stdin, stdout=stdout, wait=wait, settle=settle
    ).run()


__all__ = ["Console", "run_console", "HELP"]
