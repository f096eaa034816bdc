"""Slack saying "Maestro isn't set up right" (a missing scope, a revoked token): never retried, told once."""

from __future__ import annotations

import logging

import pytest
from rq import SimpleWorker
from rq.job import Job, JobStatus

from jobs.commands import run_task_command
from jobs.failures import notify_final_failure
from jobs.queues import HIGH, QUEUE_NAMES, enqueue
from jobs.slack import SetupError
from jobs.worker import SetupErrorsOnce
from maestro.commands import TaskCommand
from sandbox.scopes import manifest_grant

PRIVATE, ALICE, BOB = "G0PRIVATE", "U0ALICE", "U0BOB"


class Worker(SetupErrorsOnce, SimpleWorker):
    """``maestro worker``'s behaviour, in this process."""

    def subscribe(self) -> None:
        """No command channel: with redis-py 8.2 its thread can hold a burst worker's exit for 60 s."""


def run(redis) -> None:
    Worker(list(QUEUE_NAMES), connection=redis, exception_handlers=[notify_final_failure]).work(burst=True)


def new_task(sandbox, redis, channel: str, user: str, source: str) -> tuple[Job, str]:
    response_url = sandbox.new_response_url(channel, user)
    job = enqueue(
        redis,
        run_task_command,
        "T0SANDBOX",
        channel,
        user,
        TaskCommand(verb="new", title="Rotate the keys").model_dump(mode="json"),
        source,
        response_url,
        queue=HIGH,
        meta={"channel_id": channel, "user_id": user, "response_url": response_url},
    )
    return job, response_url


def told(sandbox, response_url: str) -> list[str]:
    token = response_url.rsplit("/", 1)[-1]
    return [post["body"]["text"] for post in sandbox.workspace.response_posts(token)]


def lines_about(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage() or text in (r.exc_text or "")]


def test_a_job_refused_for_a_missing_scope_is_not_retried_and_is_told_once(runtime, sandbox, redis, caplog):
    caplog.set_level(logging.INFO)  # what maestro runs at
    sandbox.workspace.set_grant(scopes=[s for s in manifest_grant().scopes if s != "groups:read"])
    first, alice_url = new_task(sandbox, redis, PRIVATE, ALICE, "src-scope-1")
    second, bob_url = new_task(sandbox, redis, PRIVATE, BOB, "src-scope-2")
    run(redis)

    for job in (first, second):
        job = Job.fetch(job.id, connection=redis)
        assert job.get_status() == JobStatus.FAILED and not job.should_retry  # failed for good, at once
    assert len(sandbox.workspace.calls("conversations.info")) == 2  # once per job: no retries
    (line,) = told(sandbox, alice_url)
    assert (
        "Maestro isn't set up right" in line and "`conversations.info`" in line and "`missing_scope`" in line
    )
    assert "add the scope `groups:read` to manifest.yml" in line and "reinstall the app" in line
    assert "\n" not in line
    assert told(sandbox, bob_url) == [line]  # each requester is told, once
    assert sandbox.workspace.messages(PRIVATE) == []  # nothing was posted or half-done
    (logged,) = lines_about(caplog, "missing_scope")  # one line for both jobs, and no traceback
    assert logged.levelno == logging.ERROR and "groups:read" in logged.getMessage()
    assert "reinstall the app" in logged.getMessage() and logged.exc_info is None


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        ("token_revoked", "reinstall the app"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
        ("account_inactive", "reinstall the app"),
        ("not_authed", "SLACK_BOT_TOKEN"),
    ],
)
def test_a_bad_token_is_not_retried_either(runtime, sandbox, redis, caplog, error, fix):
    sandbox.workspace.fail_next("conversations.info", status=200, error=error, retry_after=None)
    job, url = new_task(sandbox, redis, "C0PROJECT", ALICE, "src-bad-token")
    run(redis)
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.FAILED
    (line,) = told(sandbox, url)
    assert f"`{error}`" in line and fix in line
    assert len(lines_about(caplog, error)) == 1


def test_other_slack_errors_are_still_retried(runtime, sandbox, redis):
    sandbox.workspace.fail_next("conversations.info", status=200, error="fatal_error", retry_after=None)
    job, url = new_task(sandbox, redis, "C0PROJECT", ALICE, "src-fatal")
    run(redis)
    job = Job.fetch(job.id, connection=redis)
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 2
    assert told(sandbox, url) == []


def test_a_set_up_error_keeps_its_slack_details():
    from slack_sdk.errors import SlackApiError
    from slack_sdk.web.slack_response import SlackResponse

    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/conversations.info",
        req_args={},
        data={"ok": False, "error": "missing_scope", "needed": "channels:read,groups:read", "provided": "x"},
        headers={},
        status_code=200,
    )
    error = SetupError.from_api_error(SlackApiError("refused", response))
    assert isinstance(error, SlackApiError) and error.method == "conversations.info"
    assert (error.needed, error.provided) == ("channels:read,groups:read", "x")
    assert error.fix.startswith("add the scopes `channels:read`, `groups:read` to manifest.yml")
    assert (
        SetupError.from_api_error(SlackApiError("no", {**response.data, "error": "channel_not_found"}))
        is None
    )


def test_a_group_dm_is_refused_with_where_maestro_works(runtime, sandbox, redis):
    group_dm = sandbox.workspace.open_mpim([ALICE, BOB])  # the manifest asks no mpim:* scope
    job, url = new_task(sandbox, redis, group_dm, ALICE, "src-mpim")
    run(redis)
    assert Job.fetch(job.id, connection=redis).get_status() == JobStatus.FINISHED
    (line,) = told(sandbox, url)
    assert "group DMs" in line and "isn't set up right" not in line


def test_a_listener_refused_for_a_set_up_error_says_so_in_one_line(sender, sandbox, caplog):
    sandbox.workspace.fail_next("views.open", status=200, error="token_revoked", retry_after=None)
    sender.command("/orchestrate", "")  # an empty request opens the form: views.open in the listener
    sender.command("/orchestrate", "")
    sandbox.workspace.wait_for(lambda: sandbox.workspace.views_opened())  # the second one went through
    (post,) = sandbox.workspace.wait_for(lambda: sandbox.workspace.response_posts())
    assert "`token_revoked`" in post["body"]["text"] and "`views.open`" in post["body"]["text"]
    assert len(lines_about(caplog, "token_revoked")) == 1
