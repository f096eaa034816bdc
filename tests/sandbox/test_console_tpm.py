"""The console's ``:files`` and ``:home`` against the real app (jobs run by the test's worker)."""

from __future__ import annotations

import io
from pathlib import Path

from maestro.store import NewTask, TaskStore
from sandbox import run_console


def console(sender, sandbox, lines: str) -> str:
    out = io.StringIO()
    run_console(sender, sandbox, stdin=io.StringIO(lines), stdout=out, wait=0.2, settle=0.05)
    return out.getvalue()


def test_files_saves_the_timeline_chart_and_home_shows_the_board(sender, sandbox, redis, run_jobs):
    TaskStore(redis, "T0SANDBOX").create_task(
        "C0PROJECT", NewTask(title="Write the login API"), actor="U0ALICE", source="t1"
    )
    assert "(no files in #project" in console(sender, sandbox, ":files\n")
    sender.command("/report", "timeline", user_id="U0ALICE")
    assert run_jobs() == 0
    listed = console(sender, sandbox, ":files\n")
    (line,) = [line for line in listed.splitlines() if " bytes · " in line]
    path = Path(line.rsplit(" · ", 1)[1])
    assert path.read_bytes().startswith(b"\x89PNG")

    console(sender, sandbox, ":home\n")
    assert run_jobs() == 0
    assert sandbox.workspace.home_view("U0ALICE") is not None
