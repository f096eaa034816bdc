"""The local Anthropic Messages API stub, exercised through the real ``anthropic`` SDK."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from uuid import UUID

import anthropic
import pytest
from pydantic import BaseModel, Field, HttpUrl

from sandbox.anthropic_stub import (
    MESSAGES_PATH,
    AnthropicStub,
    instance_from_schema,
    min_cache_tokens,
    string_for_pattern,
    validate_messages_request,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = "claude-haiku-4-5"
API_KEY = "test-key"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Step(BaseModel):
    code: str = Field(pattern=r"^P\d{1,3}$")
    title: str = Field(min_length=3, max_length=60)
    priority: Priority
    hours: float = Field(gt=0, le=40)
    owner: str | None = None


class Plan(BaseModel):
    summary: str = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    lead: Step | None = None
    labels: list[Literal["infra", "ux", "data"]] = []
    confidence: int = Field(ge=1, le=5)


PLAN_SCHEMA = Plan.model_json_schema()
TOOL = {"name": "submit_plan", "description": "Submit the plan.", "input_schema": PLAN_SCHEMA}
FORCED = {"type": "tool", "name": "submit_plan"}
SYSTEM_TEXT = "You are Maestro's planner. Answer with the submit_plan tool. " * 20
SYSTEM = [{"type": "text", "text": SYSTEM_TEXT, "cache_control": {"type": "ephemeral"}}]
USER = [{"role": "user", "content": "Plan the launch."}]


@pytest.fixture
def stub() -> Iterator[AnthropicStub]:
    with AnthropicStub() as running:
        yield running


@pytest.fixture
def make_client(stub: AnthropicStub) -> Callable[..., anthropic.Anthropic]:
    def make(**options: Any) -> anthropic.Anthropic:
        options.setdefault("api_key", API_KEY)
        options.setdefault("base_url", stub.base_url)
        options.setdefault("max_retries", 0)
        options.setdefault("timeout", 5.0)
        return anthropic.Anthropic(**options)

    return make


def _create(client: anthropic.Anthropic, **overrides: Any) -> anthropic.types.Message:
    request: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 1024,
        "system": SYSTEM,
        "tools": [TOOL],
        "tool_choice": FORCED,
        "messages": USER,
    }
    request.update(overrides)
    return client.messages.create(**request)


def _post(
    url: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, dict, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", "x-api-key": API_KEY, **(headers or {})}
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), json.loads(exc.read())


def _valid_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": MODEL, "max_tokens": 100, "tools": [TOOL], "tool_choice": FORCED}
    body["messages"] = list(USER)
    body.update(overrides)
    return body


# ------------------------------------------------------------------------------ answers


def test_forced_tool_call_returns_input_valid_for_the_pydantic_model(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    assert "$defs" in PLAN_SCHEMA and "Step" in PLAN_SCHEMA["$defs"]  # the schema really uses $ref
    reply = _create(make_client())
    assert reply.type == "message" and reply.role == "assistant" and reply.model == MODEL
    assert reply.id.startswith("msg_") and reply.stop_reason == "tool_use" and reply.stop_sequence is None
    assert [block.type for block in reply.content] == ["tool_use"]
    block = reply.content[0]
    assert block.name == "submit_plan" and block.id.startswith("toolu_")
    plan = Plan.model_validate(block.input)
    assert re.fullmatch(r"P\d{1,3}", plan.steps[0].code)
    assert plan.summary.startswith("stub")
    assert reply.usage.output_tokens > 0 and reply.usage.input_tokens > 0


def test_request_is_recorded_and_prompt_caching_is_simulated(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.min_cache_tokens = 0  # this prompt is shorter than any model's minimum: cache it anyway, here
    client = make_client()
    first = _create(client)
    second = _create(client)
    recorded = stub.requests_for(MESSAGES_PATH)
    assert len(recorded) == 2 and recorded[0].path == "/v1/messages"
    body = recorded[0].body
    assert body["model"] == MODEL and body["max_tokens"] == 1024
    assert body["tools"] == [TOOL] and body["tool_choice"] == FORCED
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    headers = recorded[0].headers
    assert headers["authorization"] == f"Bearer {API_KEY}"  # the 2.x SDK sends api_key as a Bearer token
    assert headers["anthropic-version"] and headers["content-type"] == "application/json"
    # the cached prefix is the tools and the system prompt, up to its breakpoint
    assert first.usage.cache_creation_input_tokens > len(SYSTEM_TEXT) // 4
    assert first.usage.cache_read_input_tokens == 0
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert first.usage.input_tokens == second.usage.input_tokens > 0


def test_a_prefix_under_the_models_minimum_is_not_cached(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    client = make_client()
    for _ in range(2):  # ~400 tokens: under Haiku 4.5's 4,096, as the real API would say
        usage = _create(client).usage
        assert usage.cache_creation_input_tokens == 0 and usage.cache_read_input_tokens == 0
    long_system = [{"type": "text", "text": SYSTEM_TEXT * 20, "cache_control": {"type": "ephemeral"}}]
    first, second = (_create(client, system=long_system).usage for _ in range(2))
    assert first.cache_creation_input_tokens >= 4096 and first.cache_read_input_tokens == 0
    assert second.cache_read_input_tokens == first.cache_creation_input_tokens


@pytest.mark.parametrize(
    ("model", "minimum"),
    [
        ("claude-sonnet-5", 1024),
        ("claude-sonnet-4-5", 1024),
        ("claude-haiku-4-5", 4096),
        ("claude-3-5-haiku-latest", 2048),
        ("claude-opus-5", 4096),
        ("claude-opus-4-5", 4096),
        ("claude-opus-4-1", 1024),
    ],
)
def test_cache_minimum_by_model(model: str, minimum: int) -> None:
    assert min_cache_tokens(model) == minimum


def test_a_breakpoint_on_the_last_message_reads_earlier_turns_from_the_cache(stub: AnthropicStub) -> None:
    stub.min_cache_tokens = 0
    turn = {"type": "text", "text": "Plan the launch. " * 50, "cache_control": {"type": "ephemeral"}}
    first = _post(stub.messages_url, _valid_body(messages=[{"role": "user", "content": [turn]}]))[2]["usage"]
    more = [
        {"role": "user", "content": [{"type": "text", "text": "Plan the launch. " * 50}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Which launch?"}]},
        {
            "role": "user",
            "content": [{"type": "text", "text": "The spring one.", "cache_control": {"type": "ephemeral"}}],
        },
    ]
    second = _post(stub.messages_url, _valid_body(messages=more))[2]["usage"]
    assert second["cache_read_input_tokens"] > 0 and second["cache_creation_input_tokens"] > 0
    assert second["cache_read_input_tokens"] < first["cache_creation_input_tokens"] + 50


def test_no_cache_accounting_without_cache_control(make_client: Callable[..., anthropic.Anthropic]) -> None:
    client = make_client()
    plain_system = [{"type": "text", "text": SYSTEM_TEXT}]
    for _ in range(2):
        usage = _create(client, system=plain_system).usage
        assert usage.cache_creation_input_tokens == 0 and usage.cache_read_input_tokens == 0
        assert usage.input_tokens >= len(SYSTEM_TEXT) // 4


def test_scripted_answers_are_consumed_in_order(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.queue_tool_use(None, {"summary": "scripted"}, usage={"output_tokens": 77}, text="Let me plan.")
    stub.queue_text("no tool this time")
    stub.queue_max_tokens({"summary": "cut of"})
    stub.queue_tool_use("other_tool", {"x": 1})
    assert stub.pending == 4
    client = make_client()

    scripted = _create(client)
    assert [b.type for b in scripted.content] == ["text", "tool_use"]
    assert scripted.content[0].text == "Let me plan."
    assert scripted.content[1].name == "submit_plan" and scripted.content[1].input == {"summary": "scripted"}
    assert scripted.usage.output_tokens == 77

    text = _create(client)
    assert [b.type for b in text.content] == ["text"] and text.content[0].text == "no tool this time"
    assert text.stop_reason == "end_turn"

    cut = _create(client, max_tokens=64)
    assert cut.stop_reason == "max_tokens" and cut.usage.output_tokens == 64
    assert cut.content[0].input == {"summary": "cut of"}

    wrong = _create(client)
    assert wrong.content[0].name == "other_tool"

    assert stub.pending == 0
    Plan.model_validate(_create(client).content[0].input)  # back to the default responder


def test_responder_is_settable(stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]) -> None:
    client = make_client()
    seen: list[dict[str, Any]] = []
    stub.responder = lambda body: seen.append(body) or {"summary": "from responder"}
    reply = _create(client)
    assert reply.content[0].input == {"summary": "from responder"} and seen[0]["model"] == MODEL

    stub.responder = lambda body: None
    reply = _create(client)
    assert [b.type for b in reply.content] == ["text"] and reply.stop_reason == "end_turn"

    def broken(body: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    stub.responder = broken
    with pytest.raises(anthropic.InternalServerError) as info:
        _create(client)
    assert info.value.status_code == 500 and info.value.body["error"]["type"] == "api_error"


def test_base_url_from_environment_has_no_v1(stub: AnthropicStub, monkeypatch: pytest.MonkeyPatch) -> None:
    assert stub.base_url == stub.url and not stub.base_url.endswith("/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stub.base_url)
    client = anthropic.Anthropic(api_key=API_KEY, max_retries=0, timeout=5.0)
    _create(client)
    assert [r.path for r in stub.requests] == ["/v1/messages"]


# ------------------------------------------------------------------------------ errors and retries


def test_overloaded_then_success_is_retried_by_the_sdk(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.queue_error(529, "overloaded_error", retry_after=0.01)
    reply = _create(make_client(max_retries=2))
    Plan.model_validate(reply.content[0].input)
    recorded = stub.requests_for(MESSAGES_PATH)
    assert len(recorded) == 2
    assert [r.headers["x-stainless-retry-count"] for r in recorded] == ["0", "1"]
    # retry-after was honoured: the SDK's own first backoff is 0.375-0.5 s
    assert recorded[1].time - recorded[0].time < 0.35


def test_overloaded_without_retries_raises(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.queue_error(529, "overloaded_error", "Overloaded")
    with pytest.raises(anthropic.OverloadedError) as info:
        _create(make_client(max_retries=0))
    assert isinstance(info.value, anthropic.APIStatusError) and info.value.status_code == 529
    assert info.value.body["type"] == "error"
    assert info.value.body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert (info.value.request_id or "").startswith("req_")
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_type", "exception"),
    [
        (429, "rate_limit_error", anthropic.RateLimitError),
        (500, "api_error", anthropic.InternalServerError),
        (400, "invalid_request_error", anthropic.BadRequestError),
    ],
)
def test_queued_errors_reach_the_sdk_as_its_exceptions(
    stub: AnthropicStub,
    make_client: Callable[..., anthropic.Anthropic],
    status: int,
    error_type: str,
    exception: type[anthropic.APIStatusError],
) -> None:
    stub.queue_error(status, error_type, "scripted failure", retry_after=7)
    with pytest.raises(exception) as info:
        _create(make_client(max_retries=0))
    assert info.value.status_code == status
    assert info.value.body["error"] == {"type": error_type, "message": "scripted failure"}
    assert info.value.response.headers["retry-after"] == "7"
    assert stub.pending == 0


def test_x_should_retry_false_stops_sdk_retries(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.queue_error(529, should_retry=False)
    with pytest.raises(anthropic.OverloadedError):
        _create(make_client(max_retries=2))
    assert len(stub.requests) == 1


def test_delay_longer_than_timeout_times_out_without_blocking(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.queue_delay(2.0)
    started = time.monotonic()
    with pytest.raises(anthropic.APITimeoutError):
        _create(make_client(timeout=0.5, max_retries=0))
    assert time.monotonic() - started < 1.5
    # the slow handler is still sleeping: another request is answered at once
    started = time.monotonic()
    Plan.model_validate(_create(make_client()).content[0].input)
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    stub.stop()
    assert time.monotonic() - started < 1.0
    assert len(stub.requests) == 2


# ------------------------------------------------------------------------------ validation and auth


def test_tool_choice_naming_an_unknown_tool_is_400(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    stub.queue_tool_use(None, {"summary": "kept for the next valid request"})
    with pytest.raises(anthropic.BadRequestError) as info:
        _create(make_client(), tool_choice={"type": "tool", "name": "nope"})
    assert info.value.status_code == 400
    assert info.value.body["error"]["type"] == "invalid_request_error"
    assert "nope" in info.value.body["error"]["message"]
    assert stub.pending == 1  # an invalid request does not consume a scripted answer


def test_missing_or_wrong_api_key_is_401(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    keyless = make_client(default_headers={"Authorization": anthropic.Omit()})
    with pytest.raises(anthropic.AuthenticationError) as info:
        _create(keyless)
    assert info.value.status_code == 401 and info.value.body["error"]["type"] == "authentication_error"
    assert "authorization" not in stub.requests[-1].headers and "x-api-key" not in stub.requests[-1].headers

    status, _, _ = _post(stub.messages_url, _valid_body(), {"x-api-key": API_KEY})
    assert status == 200  # the x-api-key header is accepted as well

    stub.api_key = "the-right-key"
    with pytest.raises(anthropic.AuthenticationError):
        _create(make_client())
    _create(make_client(api_key="the-right-key"))


def test_repair_round_with_error_tool_result_is_accepted(
    make_client: Callable[..., anthropic.Anthropic],
) -> None:
    client = make_client()
    first = _create(client)
    tool_use = first.content[0]
    repair = [
        *USER,
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool_use.id,
                    "is_error": True,
                    "content": "steps.0.code: String should match pattern '^P\\d{1,3}$'",
                }
            ],
        },
    ]
    reply = _create(client, messages=repair)
    Plan.model_validate(reply.content[0].input)

    repair[2]["content"][0]["tool_use_id"] = "toolu_not_the_one"
    with pytest.raises(anthropic.BadRequestError) as info:
        _create(client, messages=repair)
    assert "unexpected `tool_use_id`" in info.value.body["error"]["message"]


def _many_breakpoints() -> dict[str, Any]:
    marked = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}
    return _valid_body(
        system=[dict(marked) for _ in range(3)], messages=[{"role": "user", "content": [marked, marked]}]
    )


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({k: v for k, v in _valid_body().items() if k != "model"}, "model"),
        ({k: v for k, v in _valid_body().items() if k != "max_tokens"}, "max_tokens"),
        (_valid_body(messages=[]), "at least one message"),
        (_valid_body(messages=[{"role": "assistant", "content": "hi"}]), "first message"),
        (_valid_body(messages=[*USER, {"role": "user", "content": "again"}]), "alternate"),
        (_many_breakpoints(), "maximum of 4"),
        (
            _valid_body(
                messages=[
                    *USER,
                    {
                        "role": "assistant",
                        "content": [{"type": "tool_use", "id": "toolu_1", "name": "x", "input": {}}],
                    },
                    {"role": "user", "content": "no tool_result"},
                ]
            ),
            "tool_result",
        ),
        (_valid_body(tool_choice={"type": "any"}, tools=[]), "tool_choice"),
        (_valid_body(stream=True), "stream"),
    ],
    ids=[
        "no-model",
        "no-max-tokens",
        "empty-messages",
        "assistant-first",
        "not-alternating",
        "five-cache-breakpoints",
        "tool-use-unanswered",
        "any-without-tools",
        "stream",
    ],
)
def test_invalid_requests_are_400(stub: AnthropicStub, body: dict[str, Any], needle: str) -> None:
    assert validate_messages_request(_valid_body()) is None
    status, headers, answer = _post(stub.messages_url, body)
    assert status == 400, answer
    assert answer["type"] == "error" and answer["error"]["type"] == "invalid_request_error"
    assert needle in answer["error"]["message"]
    assert headers["request-id"].startswith("req_")


def test_four_cache_breakpoints_are_allowed(stub: AnthropicStub) -> None:
    stub.min_cache_tokens = 0
    marked = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}
    body = _valid_body(system=[marked, marked], messages=[{"role": "user", "content": [marked, marked]}])
    status, _, answer = _post(stub.messages_url, body)
    assert status == 200 and answer["usage"]["cache_creation_input_tokens"] > 0


def test_bad_requests_never_take_the_server_down(
    stub: AnthropicStub, make_client: Callable[..., anthropic.Anthropic]
) -> None:
    assert _post(stub.messages_url, b"{not json")[0] == 400
    assert _post(stub.messages_url, b"[1, 2]")[0] == 400
    assert _post(stub.messages_url, _valid_body(messages="hi"))[0] == 400
    assert _post(stub.messages_url, _valid_body(tools=[{"name": "t"}]))[0] == 400
    assert _post(stub.messages_url, _valid_body(system=[{"type": "image"}]))[0] == 400
    status, _, answer = _post(stub.url + "/v1/complete", _valid_body())
    assert status == 404 and answer["error"]["type"] == "not_found_error"
    Plan.model_validate(_create(make_client()).content[0].input)
    assert len(stub.requests) == 7
    stub.clear()
    assert stub.requests == [] and stub.requests_for("/v1/messages") == []


# ------------------------------------------------------------------------------ schema instances


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = Field(ge=1, le=9)


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Node(BaseModel):
    name: str
    children: list[Node] = []
    parent: Node | None = None


class Kitchen(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    tree: Node
    when: datetime
    uid: UUID
    site: HttpUrl
    pair: tuple[int, str]
    scores: dict[str, int]
    tags: set[Literal["a", "b", "c"]] = Field(min_length=2)
    even: int = Field(multiple_of=2, gt=5)
    ratio: float = Field(gt=0, lt=1)
    below: int = Field(lt=-3)
    ticket: str = Field(pattern=r"^[A-Z]{2,4}-\d+$")
    slug: str = Field(pattern=r"^(?:foo|bar)_[a-z0-9]{3}$", max_length=7)
    steps: list[Step] = Field(min_length=3)


def test_schema_instances_validate_against_harder_pydantic_schemas() -> None:
    instance = instance_from_schema(Kitchen.model_json_schema())
    kitchen = Kitchen.model_validate(instance)
    assert len({step.title for step in kitchen.steps}) == 3  # list items differ from each other
    assert string_for_pattern(r"^P\d{1,3}$") == "P1"
    assert string_for_pattern(r"^(?=lookahead)") is None


# ------------------------------------------------------------------------------ CLI


def test_cli_serves_until_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.anthropic_stub", "--port", "0", "--quiet"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first_line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", first_line)
        assert url, first_line + process.stderr.read()
        status, _, answer = _post(url.group(0) + MESSAGES_PATH, _valid_body())
        assert status == 200 and answer["content"][0]["type"] == "tool_use"
        Plan.model_validate(answer["content"][0]["input"])
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=5)
        assert process.returncode == 0, err
        assert "stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
