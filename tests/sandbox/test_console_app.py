"""The console against the real app: modals submitted, Home tab buttons pressed, ``@name`` mentions."""

from __future__ import annotations

import io

import pytest

from maestro.store import TaskStore
from sandbox.console import Console

TEAM, CHANNEL = "T0SANDBOX", "C0PROJECT"


class Session:
    """One console session typed line by line, the app's jobs run between lines when asked."""

    def __init__(self, sender, sandbox):
        self.out = io.StringIO()
        self.console = Console(sender, sandbox, stdout=self.out, wait=0.3, settle=0.05)

    def type(self, line: str) -> str:
        start = len(self.out.getvalue())
        self.console.handle(line)
        self.console.print_activity()
        return self.out.getvalue()[start:]


def test_a_modal_is_filled_and_submitted(sender, sandbox, redis, run_jobs):
    session = Session(sender, sandbox)
    opened = session.type("/orchestrate")
    assert "[modal opened]" in opened and "[Plan a request]" in opened
    assert "{1} What should the team build? (required, several lines, at most 3000 characters)" in opened
    # Slack's client doesn't send a required input left empty; the console doesn't either
    assert session.type(":submit") == "! {1} What should the team build?: please fill out this field\n"
    # the app's own refusal (response_action: errors) is shown at the input; the modal stays open
    refused = session.type(":submit fix")
    assert "! {1} Say a bit more about what to build" in refused and "the modal stays open" in refused
    session.type(":fill 1 Let customers reset their password\\nby email")
    assert "'Let customers reset their password\\nby email'" in session.type(":modal")
    assert "(modal submitted and closed)" in session.type(":submit")
    assert run_jobs() == 0
    plans = [m for m in sandbox.workspace.messages(CHANNEL) if m["text"].startswith("Draft plan:")]
    assert len(plans) == 1 and "reset their password" in plans[0]["text"]
    with pytest.raises(ValueError, match="no modal is open"):
        session.type(":submit again")


def test_a_modal_can_be_closed_unsent(sender, sandbox, redis, run_jobs):
    session = Session(sender, sandbox)
    session.type("/orchestrate")
    assert "nothing was sent" in session.type(":cancel")
    assert run_jobs() == 0 and sandbox.workspace.messages(CHANNEL) == []


def test_home_tab_buttons_can_be_pressed(sender, sandbox, redis, run_jobs):
    session = Session(sender, sandbox)
    session.type(":home")
    assert run_jobs() == 0
    first = sandbox.workspace.home_view("U0ALICE")
    shown = session.type(":wait 0.1")
    assert "[your Home tab was updated]" in shown and "[1] Refresh" in shown
    pressed = session.type(":press 1")
    assert "answered HTTP" not in pressed
    assert run_jobs() == 0  # the Refresh button's job publishes the board again
    assert sandbox.workspace.home_view("U0ALICE")["id"] != first["id"]
    assert [c["args"]["user_id"] for c in sandbox.workspace.calls("views.publish")] == ["U0ALICE", "U0ALICE"]


def test_at_names_of_known_users_become_mentions(sender, sandbox, redis, run_jobs):
    session = Session(sender, sandbox)
    session.type("/task new Write the docs --owner @bob")
    assert run_jobs() == 0
    tasks = TaskStore(redis, TEAM)
    assert tasks.get(CHANNEL, "T-1").assignee.id == "U0BOB"
    session.type("/task assign T-1 @carol")
    assert run_jobs() == 0
    assert tasks.get(CHANNEL, "T-1").assignee.id == "U0CAROL"


def test_only_known_names_outside_mentions_and_addresses_are_linked(sender, sandbox):
    console = Console(sender, sandbox, stdout=io.StringIO())
    assert console.link_mentions("ask @bob, then @carol.") == "ask <@U0BOB>, then <@U0CAROL>."
    assert console.link_mentions("assign T-1 @bob", labelled=True) == "assign T-1 <@U0BOB|bob>"
    for kept in ("mail bob@bob.com", "@here and @nobody", "<@U0BOB|bob>", "https://x.io/@bob", "`@@`"):
        assert console.link_mentions(kept) == kept
