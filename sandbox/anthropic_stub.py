"""Local HTTP stub of Anthropic's Messages API (``POST /v1/messages``), for tests and offline runs.

Point the SDK at it with ``anthropic.Anthropic(api_key="test", base_url=stub.base_url)`` or
``ANTHROPIC_BASE_URL=<stub.base_url>``. The base URL is the bare root, **without** ``/v1``: the SDK
appends ``/v1/messages`` itself (a base URL ending in ``/v1`` would make it call ``/v1/v1/messages``).

What the stub does:

- Records every request (path, lower-case headers, JSON body, arrival time) as a
  :class:`RecordedRequest`.
- Checks authentication like the real API: an ``x-api-key`` header or an
  ``Authorization: Bearer …`` header must be present (the Python SDK 2.x sends ``api_key`` as a
  Bearer token), else HTTP 401 ``authentication_error``. With ``api_key=`` set, the key must match.
- Validates the request body like the real API (see :func:`validate_messages_request`) and
  answers HTTP 400 ``invalid_request_error`` on a bad one.
- Answers from a script (``queue_*`` methods, consumed in order) or, when nothing is queued,
  from :attr:`AnthropicStub.responder` — by default :func:`schema_responder`, which returns a
  ``tool_use`` whose input is a minimal valid instance of the chosen tool's ``input_schema``.
- Reports plausible ``usage``: about one token per 4 characters, with prompt caching simulated
  as the real API does it: the prefix through tools, system and messages up to each
  ``cache_control`` breakpoint is written the first time it is seen and read afterwards, and only
  when it reaches the model's minimum (1,024 tokens for Sonnet, 4,096 for Haiku 4.5 and Opus 4.5+).

Scripted items and the order they are consumed in: every request that passes authentication
and carries a JSON object body first takes a queued *error* or *delay* if one is at the head of
the queue (these model the infrastructure, so they apply even to an invalid request); a request
that then passes validation takes a queued *answer* (tool_use / text / max_tokens) if one is at
the head. A delayed request answers like an unscripted one (validation, then the responder).

Errors always have Anthropic's shape:
``{"type": "error", "error": {"type": "overloaded_error", "message": "…"}, "request_id": "req_…"}``.
A handler that raises is answered with HTTP 500 ``api_error``; the server keeps running.

Run it by hand with ``python -m sandbox.anthropic_stub --port 8765``.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import math
import re
import secrets
import string
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

MESSAGES_PATH = "/v1/messages"
"""Path the SDK posts ``messages.create`` to (the base URL has no ``/v1``)."""

MAX_CACHE_BREAKPOINTS = 4
"""Most ``cache_control`` blocks one request may carry (tools + system + messages)."""

DEFAULT_CLI_PORT = 8765
"""Port of ``python -m sandbox.anthropic_stub`` when ``--port`` is not given."""

CALL_TOOL = "__tool__"
"""Key a responder may put in its answer to name the tool it calls (with ``tool_choice`` any or
auto a model chooses among the tools); the rest of the dict is the tool's input."""

STUB_TEXT = "stub text"
"""Generic string the schema responder produces when nothing more specific applies."""

STUB_ANSWER_TEXT = "This is a plain text answer from the local Anthropic stub."
"""Text of the answer when the responder returns None."""

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
"""Anthropic's ``error.type`` for each HTTP status."""

_DEFAULT_ERROR_MESSAGES: dict[str, str] = {
    "invalid_request_error": "Invalid request (stub).",
    "authentication_error": "invalid x-api-key",
    "permission_error": "Your API key does not have permission to use the specified resource (stub).",
    "not_found_error": "Not found (stub).",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit (stub).",
    "api_error": "Internal server error (stub).",
    "overloaded_error": "Overloaded",
    "timeout_error": "Request timed out (stub).",
}

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
_MAX_SCHEMA_DEPTH = 8  # beyond this, optional branches (null, empty lists) are preferred
_HARD_SCHEMA_DEPTH = 40  # a required cycle with no way out: give up with None
_ID_ALPHABET = string.ascii_letters + string.digits

Responder = Callable[[dict[str, Any]], dict[str, Any] | None]
"""``responder(body) -> tool input dict | None``: the default answer to an unscripted request."""


# ---------------------------------------------------------------------------------------------
# Records and scripted items
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request the stub received.

    Attributes:
        path: URL path without the query string, e.g. ``"/v1/messages"``.
        headers: Request headers, names lower-cased (``"x-stainless-retry-count"``, …).
        body: The decoded JSON body; ``{}`` when the body was empty or not a JSON object.
        time: Arrival time, seconds since the epoch (``time.time()``).
    """

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    time: float


@dataclass(frozen=True)
class _Answer:
    """A scripted successful answer."""

    kind: str  # "tool_use" | "text"
    tool_name: str | None = None
    tool_input: dict[str, Any] | None = None
    text: str | None = None
    stop_reason: str = "tool_use"
    usage: dict[str, Any] | None = None


@dataclass(frozen=True)
class _Error:
    """A scripted error answer."""

    status: int
    error_type: str
    message: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Delay:
    """A scripted pause before a normal (unscripted) answer."""

    seconds: float


_Scripted = _Answer | _Error | _Delay


class _Reply(Exception):
    """Internal: an HTTP error answer, raised from deep inside request handling."""

    def __init__(self, status: int, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type or ERROR_TYPES.get(status, "api_error")


def _new_id(prefix: str) -> str:
    """Return an id in Anthropic's style, e.g. ``"msg_01AbC…"`` (24 characters after the prefix)."""
    return prefix + "01" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def error_body(error_type: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    """Build Anthropic's error body.

    Args:
        error_type: ``error.type``, e.g. ``"overloaded_error"``.
        message: ``error.message``.
        request_id: ``request_id`` field; a fresh ``req_…`` when None.

    Returns:
        dict[str, Any]: ``{"type": "error", "error": {"type", "message"}, "request_id"}``.
    """
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id or _new_id("req_"),
    }


# ---------------------------------------------------------------------------------------------
# Request validation
# ---------------------------------------------------------------------------------------------


def _count_cache_controls(body: dict[str, Any]) -> int:
    """Count blocks carrying ``cache_control`` in tools, system blocks and message content."""
    count = 0
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and tool.get("cache_control"):
            count += 1
    system = body.get("system")
    if isinstance(system, list):
        count += sum(1 for block in system if isinstance(block, dict) and block.get("cache_control"))
    for message in body.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, list):
            continue
        for block in content:
            if not isinstance(block, dict):
                continue
            if block.get("cache_control"):
                count += 1
            inner = block.get("content")
            if block.get("type") == "tool_result" and isinstance(inner, list):
                count += sum(1 for b in inner if isinstance(b, dict) and b.get("cache_control"))
    return count


def _validate_block(block: Any, where: str) -> str | None:
    """Check one content block; return an error message or None."""
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return f"{where}.type: Field required"
    kind = block["type"]
    if kind == "text" and not isinstance(block.get("text"), str):
        return f"{where}.text: Field required"
    if kind == "tool_use":
        for key, expected in (("id", str), ("name", str), ("input", dict)):
            if not isinstance(block.get(key), expected):
                return f"{where}.{key}: Field required"
    if kind == "tool_result":
        if not isinstance(block.get("tool_use_id"), str):
            return f"{where}.tool_use_id: Field required"
        if "is_error" in block and not isinstance(block["is_error"], bool):
            return f"{where}.is_error: Input should be a valid boolean"
        inner = block.get("content")
        if inner is not None and not isinstance(inner, str | list):
            return f"{where}.content: Input should be a valid string or list"
    return None


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Return a message's content as a list of blocks (a string becomes one text block)."""
    content = message.get("content")
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in content or [] if isinstance(b, dict)]


def _validate_messages(messages: Any) -> str | None:
    """Check ``messages``: roles, alternation, block shapes and tool_use / tool_result pairing."""
    if not isinstance(messages, list):
        return "messages: Field required" if messages is None else "messages: Input should be a valid list"
    if not messages:
        return "messages: at least one message is required"
    previous_role = None
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            return f"messages.{i}: Input should be a valid dictionary"
        role = message.get("role")
        if role not in ("user", "assistant"):
            return f"messages.{i}.role: Input should be 'user' or 'assistant'"
        if i == 0 and role != "user":
            return 'messages: first message must use the "user" role'
        if role == previous_role:
            return (
                f'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        previous_role = role
        content = message.get("content")
        if isinstance(content, str):
            if not content and not (role == "assistant" and i == len(messages) - 1):
                return f"messages.{i}: text content blocks must be non-empty"
        elif isinstance(content, list):
            if not content and not (role == "assistant" and i == len(messages) - 1):
                return f"messages.{i}: all messages must have non-empty content"
            for j, block in enumerate(content):
                problem = _validate_block(block, f"messages.{i}.content.{j}")
                if problem:
                    return problem
        else:
            return f"messages.{i}.content: Field required"
    return _validate_tool_pairing(messages)


def _validate_tool_pairing(messages: list[dict[str, Any]]) -> str | None:
    """Every tool_result answers a tool_use of the previous message, and every tool_use is answered."""
    for i, message in enumerate(messages):
        if message["role"] != "user":
            continue
        blocks = _blocks(message)
        previous = _blocks(messages[i - 1]) if i > 0 else []
        offered = {b.get("id") for b in previous if b.get("type") == "tool_use"}
        for j, block in enumerate(blocks):
            if block.get("type") == "tool_result" and block["tool_use_id"] not in offered:
                return (
                    f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{block['tool_use_id']}. Each `tool_result` block must have a corresponding "
                    "`tool_use` block in the previous message."
                )
    for i, message in enumerate(messages[:-1]):
        if message["role"] != "assistant":
            continue
        uses = [b["id"] for b in _blocks(message) if b.get("type") == "tool_use"]
        answered = {b.get("tool_use_id") for b in _blocks(messages[i + 1]) if b.get("type") == "tool_result"}
        missing = [u for u in uses if u not in answered]
        if missing:
            return (
                f"messages.{i + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                "`tool_result` block in the next message."
            )
    return None


def _validate_tools(tools: Any) -> tuple[str | None, list[str]]:
    """Check ``tools``; return (error message or None, tool names)."""
    if tools is None:
        return None, []
    if not isinstance(tools, list):
        return "tools: Input should be a valid list", []
    names: list[str] = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str) or not tool["name"]:
            return f"tools.{i}.name: Field required", names
        custom = tool.get("type") in (None, "custom")
        if custom and not isinstance(tool.get("input_schema"), dict):
            return f"tools.{i}.custom.input_schema: Field required", names
        if tool["name"] in names:
            return "tools: Tool names must be unique.", names
        names.append(tool["name"])
    return None, names


def _validate_tool_choice(choice: Any, names: list[str]) -> str | None:
    """Check ``tool_choice`` against the tool names."""
    if choice is None:
        return None
    if not isinstance(choice, dict):
        return "tool_choice: Input should be a valid dictionary"
    kind = choice.get("type")
    if kind not in ("auto", "any", "tool", "none"):
        return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'"
    if kind in ("any", "tool") and not names:
        return f"tool_choice: tool_choice.type '{kind}' may only be specified while providing tools"
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str) or not name:
            return "tool_choice.tool.name: Field required"
        if name not in names:
            return f"tool_choice.tool.name: Tool '{name}' specified in tool_choice was not found in tools."
    return None


def _validate_system(system: Any) -> str | None:
    """Check ``system``: a string or a list of text blocks."""
    if system is None or isinstance(system, str):
        return None
    if not isinstance(system, list):
        return "system: Input should be a valid string or list"
    for i, block in enumerate(system):
        if (
            not isinstance(block, dict)
            or block.get("type") != "text"
            or not isinstance(block.get("text"), str)
        ):
            return f"system.{i}: Input should be a text block"
    return None


def validate_messages_request(body: dict[str, Any]) -> str | None:
    """Validate a ``POST /v1/messages`` body the way the real API does (the parts tests meet).

    Checked: ``model`` (non-empty string), ``max_tokens`` (integer ≥ 1), ``messages`` (non-empty,
    roles alternating user/assistant starting with user, well-formed blocks), ``system`` (string or
    text blocks), ``tools`` (named, with an ``input_schema``, unique names), ``tool_choice`` (known
    type, names a tool in ``tools``), at most 4 ``cache_control`` blocks, every ``tool_result``
    answering a ``tool_use`` of the previous assistant message and every ``tool_use`` answered in
    the next message, and no ``stream`` (the stub does not implement server-sent events).

    Args:
        body: The decoded JSON request body.

    Returns:
        str | None: The ``invalid_request_error`` message, or None when the request is valid.
    """
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return "model: Field required"
    max_tokens = body.get("max_tokens")
    if max_tokens is None:
        return "max_tokens: Field required"
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool):
        return "max_tokens: Input should be a valid integer"
    if max_tokens < 1:
        return "max_tokens: Input should be greater than or equal to 1"
    if body.get("stream"):
        return "stream: the local Anthropic stub does not implement streaming; call without stream=True"
    problem = _validate_system(body.get("system"))
    if problem:
        return problem
    problem, names = _validate_tools(body.get("tools"))
    if problem:
        return problem
    problem = _validate_tool_choice(body.get("tool_choice"), names)
    if problem:
        return problem
    problem = _validate_messages(body.get("messages"))
    if problem:
        return problem
    breakpoints = _count_cache_controls(body)
    if breakpoints > MAX_CACHE_BREAKPOINTS:
        return (
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {breakpoints}."
        )
    return None


# ---------------------------------------------------------------------------------------------
# Minimal instances of JSON schemas (pydantic v2 flavour)
# ---------------------------------------------------------------------------------------------


class _Unsupported(Exception):
    """A regular expression construct the pattern sampler does not handle."""


_CLASS_ESCAPES = {"d": "1", "w": "a", "s": " ", "D": "a", "W": "-", "S": "a"}
_CHAR_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}


class _RegexSampler:
    r"""Produce one string matching a simple regular expression.

    Handles literals, ``.``, escapes (``\d \w \s \D \W \S``, escaped punctuation), character
    classes with ranges and negation, groups (capturing, ``(?:…)``, named) with alternation (the
    first branch is used), quantifiers ``? * + {n} {n,} {n,m}`` (lazy/possessive suffixes ignored)
    and the anchors ``^ $ \A \Z \z \b``. Lookarounds and back-references raise
    :class:`_Unsupported`.
    """

    def __init__(self, pattern: str, extra: int) -> None:
        """Prepare to sample ``pattern``, repeating each open-ended quantifier ``extra`` more times."""
        self.pattern = pattern
        self.pos = 0
        self.extra = extra

    def sample(self) -> str:
        """Return a matching string (raises :class:`_Unsupported` on unknown constructs)."""
        value = self._alternation()
        if self.pos != len(self.pattern):
            raise _Unsupported(self.pattern)
        return value

    def _peek(self) -> str:
        return self.pattern[self.pos] if self.pos < len(self.pattern) else ""

    def _alternation(self) -> str:
        first = self._sequence()
        while self._peek() == "|":
            self.pos += 1
            self._sequence()  # parsed for position only: the first branch is the sample
        return first

    def _sequence(self) -> str:
        out: list[str] = []
        while self._peek() not in ("", "|", ")"):
            atom = self._atom()
            low, high = self._quantifier()
            count = (
                low if high == low else min(low + self.extra, high) if high is not None else low + self.extra
            )
            out.append(atom * count)
        return "".join(out)

    def _quantifier(self) -> tuple[int, int | None]:
        char = self._peek()
        if char in ("?", "*", "+"):
            self.pos += 1
            bounds = {"?": (0, 1), "*": (0, None), "+": (1, None)}[char]
        elif char == "{":
            match = re.match(r"\{(\d+)(,(\d*))?\}", self.pattern[self.pos :])
            if not match:
                return 1, 1  # a literal brace (Python reads it that way too); left for _atom
            self.pos += match.end()
            low = int(match.group(1))
            high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
            bounds = (low, high)
        else:
            return 1, 1
        if self._peek() in ("?", "+"):
            self.pos += 1
        return bounds

    def _atom(self) -> str:
        char = self._peek()
        self.pos += 1
        if char in ("^", "$"):
            return ""
        if char == ".":
            return "a"
        if char == "\\":
            return self._escape()
        if char == "[":
            return self._char_class()
        if char == "(":
            if self.pattern.startswith("?:", self.pos):
                self.pos += 2
            elif self.pattern.startswith("?P<", self.pos) or self.pattern.startswith("?<", self.pos):
                if self.pattern[self.pos + 2 : self.pos + 3] in ("=", "!"):
                    raise _Unsupported("lookbehind")
                self.pos = self.pattern.index(">", self.pos) + 1
            elif self._peek() == "?":
                raise _Unsupported("group extension")
            value = self._alternation()
            if self._peek() != ")":
                raise _Unsupported("unbalanced group")
            self.pos += 1
            return value
        if char in ("*", "+", "?", ")", ""):
            raise _Unsupported(f"unexpected {char!r}")
        return char

    def _escape(self) -> str:
        char = self._peek()
        self.pos += 1
        if char in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[char]
        if char in ("A", "Z", "z", "b", "B"):
            return ""
        if char in _CHAR_ESCAPES:
            return _CHAR_ESCAPES[char]
        if char.isdigit() or char in ("p", "P", "u", "x", "k", "G"):
            raise _Unsupported(f"escape \\{char}")
        if not char:
            raise _Unsupported("trailing backslash")
        return char

    def _char_class(self) -> str:
        negated = self._peek() == "^"
        if negated:
            self.pos += 1
        members: list[str] = []
        ranges: list[tuple[str, str]] = []
        first = True
        while True:
            char = self._peek()
            if not char:
                raise _Unsupported("unterminated class")
            if char == "]" and not first:
                self.pos += 1
                break
            first = False
            self.pos += 1
            if char == "\\":
                esc = self._peek()
                self.pos += 1
                if esc in _CLASS_ESCAPES:
                    members.append(_CLASS_ESCAPES[esc])
                    continue
                char = _CHAR_ESCAPES.get(esc, esc)
            if self._peek() == "-" and self.pattern[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                end = self._peek()
                self.pos += 1
                if end == "\\":
                    end = self._peek()
                    self.pos += 1
                ranges.append((char, end))
            else:
                members.append(char)
        if not negated:
            if members:
                return members[0]
            if ranges:
                return ranges[0][0]
            raise _Unsupported("empty class")

        def excluded(c: str) -> bool:
            return c in members or any(lo <= c <= hi for lo, hi in ranges)

        for candidate in "aA0_-x. ":
            if not excluded(candidate):
                return candidate
        raise _Unsupported("negated class")


def _search(pattern: str, value: str) -> bool:
    """``re.search`` (the semantics of JSON Schema and pydantic), False when it does not compile."""
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _fit_length(value: str, min_length: int, max_length: int | None) -> str:
    """Pad (with " stub text") or cut ``value`` to satisfy the length bounds."""
    while len(value) < min_length:
        value += " " + STUB_TEXT
    if max_length is not None and len(value) > max_length:
        value = value[:max_length]
        if len(value.rstrip()) >= min_length:
            value = value.rstrip()
    return value


def string_for_pattern(pattern: str, min_length: int = 0, max_length: int | None = None) -> str | None:
    r"""Return a short string matching ``pattern`` (``re.search`` semantics) within the length bounds.

    Args:
        pattern: A regular expression as found in a JSON schema's ``pattern``.
        min_length: Smallest length, characters.
        max_length: Largest length, characters (None = unbounded).

    Returns:
        str | None: e.g. ``"P1"`` for ``^P\d{1,3}$``; None when the pattern uses constructs the
        sampler does not handle or no sample fits.
    """
    for extra in (0, 1, 2, 4, 8, 16, max(min_length, 0)):
        try:
            value = _RegexSampler(pattern, extra).sample()
        except (_Unsupported, ValueError, IndexError):
            return None
        long_enough = len(value) >= min_length and (max_length is None or len(value) <= max_length)
        if long_enough and _search(pattern, value):
            return value
    return None


_FORMAT_EXAMPLES: dict[str, str] = {
    "date-time": "2026-01-05T09:00:00Z",
    "date": "2026-01-05",
    "time": "09:00:00",
    "duration": "PT1H",
    "email": "stub@example.com",
    "idn-email": "stub@example.com",
    "uri": "https://example.com/stub",
    "url": "https://example.com/stub",
    "iri": "https://example.com/stub",
    "uri-reference": "https://example.com/stub",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "password": "stub-password",
    "binary": "stub",
    "base64": "c3R1Yg==",
    "base64url": "c3R1Yg==",
}


def _resolve_ref(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` such as ``#/$defs/Step``."""
    if not ref.startswith("#"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    node: Any = root
    for part in ref[1:].split("/"):
        if not part:
            continue
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise ValueError(f"$ref {ref!r} does not point at a schema")
    return node


def _is_null_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "null" or schema.get("const", 0) is None)


def _satisfies_number(value: float, schema: dict[str, Any]) -> bool:
    """Check ``minimum``/``maximum``/``exclusive*``/``multipleOf``."""
    if "minimum" in schema and value < schema["minimum"]:
        return False
    if "maximum" in schema and value > schema["maximum"]:
        return False
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        return False
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        return False
    step = schema.get("multipleOf")
    if step:
        ratio = value / step
        if abs(ratio - round(ratio)) > 1e-9:
            return False
    return True


def _number(schema: dict[str, Any], integer: bool, variant: int) -> int | float:
    """A number within the schema's bounds: 1 when allowed, else the nearest bound."""
    lo = schema.get("minimum", schema.get("exclusiveMinimum"))
    hi = schema.get("maximum", schema.get("exclusiveMaximum"))
    step = schema.get("multipleOf")
    candidates: list[float] = [1 + variant, 1]
    for bound in (lo, hi):
        if bound is not None:
            candidates += [bound, bound + 1, bound - 1, bound + 0.5, bound - 0.5]
    if lo is not None and hi is not None:
        candidates.append((lo + hi) / 2)
    if step:
        base = lo if lo is not None else 0
        candidates += [math.ceil(base / step) * step + k * step for k in range(0, 3)] + [step]
    for candidate in candidates:
        value: int | float = int(math.ceil(candidate)) if integer else float(candidate)
        if _satisfies_number(value, schema):
            return value
    return int(lo or 0) if integer else float(lo or 0)


def _string(schema: dict[str, Any], name: str | None, variant: int) -> str:
    """A readable string honouring ``format``, ``pattern`` and length bounds."""
    min_length = int(schema.get("minLength", 0))
    max_length = schema.get("maxLength")
    fmt = schema.get("format")
    if fmt == "uuid":
        return f"00000000-0000-4000-8000-{variant:012d}"
    if fmt in _FORMAT_EXAMPLES:
        return _FORMAT_EXAMPLES[fmt]
    pattern = schema.get("pattern")
    label = f"stub {name.replace('_', ' ')}" if name else STUB_TEXT
    if variant:
        label += f" {variant + 1}"
    if isinstance(pattern, str):
        for candidate in (label, STUB_TEXT):
            fitted = _fit_length(candidate, min_length, max_length)
            if _search(pattern, fitted):
                return fitted
        sampled = string_for_pattern(pattern, min_length, max_length)
        if sampled is not None:
            return sampled
    return _fit_length(label, min_length, max_length)


class _SchemaInstance:
    """Walks a JSON schema, producing a minimal valid instance."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def make(self, schema: Any, name: str | None = None, depth: int = 0, variant: int = 0) -> Any:
        if schema is True or schema is None or schema == {}:
            return f"{STUB_TEXT} {variant + 1}" if variant else STUB_TEXT
        if not isinstance(schema, dict) or depth > _HARD_SCHEMA_DEPTH:
            return None
        if "$ref" in schema:
            target = _resolve_ref(schema["$ref"], self.root)
            merged = {**target, **{k: v for k, v in schema.items() if k not in ("$ref", "default")}}
            return self.make(merged, name, depth + 1, variant)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return copy.deepcopy(schema["enum"][variant % len(schema["enum"])])
        if isinstance(schema.get("allOf"), list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                if isinstance(part, dict) and "$ref" in part:
                    part = {
                        **_resolve_ref(part["$ref"], self.root),
                        **{k: v for k, v in part.items() if k != "$ref"},
                    }
                if isinstance(part, dict):
                    for key, value in part.items():
                        if key == "properties" and isinstance(merged.get("properties"), dict):
                            merged["properties"] = {**merged["properties"], **value}
                        elif key == "required" and isinstance(merged.get("required"), list):
                            merged["required"] = merged["required"] + list(value)
                        else:
                            merged[key] = value
            return self.make(merged, name, depth + 1, variant)
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                non_null = [o for o in options if not _is_null_schema(o)]
                if not non_null or (depth >= _MAX_SCHEMA_DEPTH and len(non_null) < len(options)):
                    return None
                return self.make(non_null[0], name, depth + 1, variant)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if kinds else "null"
        if kind is None:
            if "properties" in schema or "additionalProperties" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
            elif "pattern" in schema or "minLength" in schema or "format" in schema:
                kind = "string"
        if kind == "object":
            return self._object(schema, depth, variant)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "string":
            return _string(schema, name, variant)
        if kind in ("integer", "number"):
            return _number(schema, kind == "integer", variant)
        if kind == "boolean":
            return variant % 2 == 0
        if kind == "null":
            return None
        return f"{STUB_TEXT} {variant + 1}" if variant else STUB_TEXT

    def _object(self, schema: dict[str, Any], depth: int, variant: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        out: dict[str, Any] = {}
        for key, sub in properties.items():
            if key in required:
                out[key] = self.make(sub, key, depth + 1, variant)
            elif isinstance(sub, dict) and "default" in sub:
                out[key] = copy.deepcopy(sub["default"])
        extra = schema.get("additionalProperties")
        needed = int(schema.get("minProperties", 0))
        index = 1
        while len(out) < needed:
            key = f"key{index}"
            index += 1
            if key not in out:
                out[key] = self.make(extra if isinstance(extra, dict) else {}, key, depth + 1, variant)
        return out

    def _array(self, schema: dict[str, Any], name: str | None, depth: int) -> list[Any]:
        min_items = int(schema.get("minItems", 0))
        max_items = schema.get("maxItems")
        prefix = schema.get("prefixItems")
        items = schema.get("items", {})
        if isinstance(prefix, list):
            out = [self.make(sub, name, depth + 1, i) for i, sub in enumerate(prefix)]
            while len(out) < min_items and items is not False:
                out.append(self.make(items, name, depth + 1, len(out)))
            return out
        if items is False:
            return []
        count = max(min_items, 1) if depth < _MAX_SCHEMA_DEPTH else min_items
        if max_items is not None:
            count = min(count, int(max_items))
        return [self.make(items, name, depth + 1, i) for i in range(count)]


def instance_from_schema(schema: dict[str, Any]) -> Any:
    """Build a minimal valid instance of a JSON schema such as pydantic v2's ``model_json_schema()``.

    Required properties are generated, optional properties with a ``default`` take it, other
    optional properties are left out. Handles ``type`` (object/array/string/integer/number/
    boolean/null, or a list of types), ``enum``, ``const``, ``anyOf``/``oneOf`` (first non-null
    branch), ``allOf``, ``$ref`` into ``$defs``, ``minLength``/``maxLength``, ``minItems``/
    ``maxItems``/``prefixItems``, ``minimum``/``maximum``/``exclusive*``/``multipleOf``, common
    ``format`` values and simple ``pattern`` values (see :func:`string_for_pattern`). Strings are
    readable: ``"stub <property name>"``. Array items differ from each other (``uniqueItems``).

    Args:
        schema: The JSON schema (its ``$defs`` are resolved against this same dict).

    Returns:
        Any: The instance (a dict for an object schema).
    """
    return _SchemaInstance(schema).make(schema)


def select_tool(body: dict[str, Any]) -> dict[str, Any] | None:
    """Return the tool a model would call for this request.

    Args:
        body: A Messages API request body.

    Returns:
        dict[str, Any] | None: The tool named by ``tool_choice={"type": "tool", …}``, else the first
        tool with an ``input_schema`` (for ``any``/``auto``/no tool_choice); None when
        ``tool_choice`` is ``none`` or there are no tools.
    """
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    choice = body.get("tool_choice") if isinstance(body.get("tool_choice"), dict) else {}
    if choice.get("type") == "none":
        return None
    if choice.get("type") == "tool":
        return next((t for t in tools if t.get("name") == choice.get("name")), None)
    return next((t for t in tools if isinstance(t.get("input_schema"), dict)), None)


def schema_responder(body: dict[str, Any]) -> dict[str, Any] | None:
    """Default responder: a minimal valid input for the tool the request forces (or offers first).

    Args:
        body: The Messages API request body.

    Returns:
        dict[str, Any] | None: The tool input (see :func:`instance_from_schema`), or None (answer
        with plain text) when the request offers no tool or sets ``tool_choice`` ``none``.
    """
    tool = select_tool(body)
    if tool is None:
        return None
    value = instance_from_schema(tool.get("input_schema") or {"type": "object"})
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------
# Usage
# ---------------------------------------------------------------------------------------------


def _tokens(chars: int) -> int:
    """Rough token count: one token per 4 characters, at least 1."""
    return max(1, math.ceil(chars / 4))


MIN_CACHE_TOKENS: dict[str, int] = {
    "opus": 4096,
    "haiku-4-5": 4096,
    "sonnet": 1024,
    "haiku": 2048,
}
"""The real API's minimum cacheable prefix, tokens, by model family (Anthropic's prompt-caching
docs: 1,024 for Sonnet and Opus 4.1 or older, 2,048 for Haiku 3 and 3.5, 4,096 for Haiku 4.5 and
Opus 4.5 and newer). A shorter prefix marked with ``cache_control`` is neither written nor read."""


def min_cache_tokens(model: str) -> int:
    """Return the smallest cacheable prefix, tokens, for a model name (the largest minimum when unknown).

    ``claude-opus-4-1`` and older Opus caches from 1,024 tokens; ``claude-opus-4-5`` and newer
    (``claude-opus-5``) from 4,096; ``claude-haiku-4-5`` from 4,096, older Haiku from 2,048;
    Sonnet from 1,024.
    """
    name = model.lower()
    if "opus" in name:
        old = re.search(r"opus-(\d+)(?:-(\d+))?", name)
        major, minor = (int(old.group(1)), int(old.group(2) or 0)) if old else (5, 0)
        return 1024 if (major, minor) < (4, 5) else 4096
    if "haiku" in name:
        return 4096 if re.search(r"haiku-4|haiku-[5-9]", name) else 2048
    if "sonnet" in name:
        return 1024
    return 4096


def _cache_prefixes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    """Return ``(prefix text, ttl or None)`` at every block boundary, in the cache's order.

    The cached prefix runs through tools, then system, then messages (Anthropic's prompt
    caching); ``ttl`` is set where the block carries ``cache_control`` (a breakpoint). The
    marker itself is not part of the prefix: the same content cached with a breakpoint on a later
    block is read back.
    """
    parts: list[str] = []
    found: list[tuple[str, str | None]] = []

    def visit(block: Any) -> None:
        marked = isinstance(block, dict) and isinstance(block.get("cache_control"), dict)
        plain = {k: v for k, v in block.items() if k != "cache_control"} if isinstance(block, dict) else block
        parts.append(json.dumps(plain, sort_keys=True, default=str))
        found.append(("".join(parts), (block["cache_control"].get("ttl") or "5m") if marked else None))

    for tool in body.get("tools") or []:
        visit(tool)
    system = body.get("system")
    if isinstance(system, str):
        visit({"type": "text", "text": system})
    elif isinstance(system, list):
        for block in system:
            visit(block)
    for message in body.get("messages") or []:
        content = message.get("content")
        parts.append(str(message.get("role")))
        if isinstance(content, str):
            visit({"type": "text", "text": content})
        elif isinstance(content, list):
            for block in content:
                visit(block)
    return found


def _system_chars(body: dict[str, Any]) -> int:
    system = body.get("system")
    if isinstance(system, str):
        return len(system)
    if isinstance(system, list):
        return sum(len(str(b.get("text", ""))) for b in system if isinstance(b, dict))
    return 0


# ---------------------------------------------------------------------------------------------
# HTTP server
# ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Request handler; one instance per request, on a daemon thread."""

    server: _HTTPServer
    server_version = "AnthropicStub/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Send the access log to ``logging`` at DEBUG instead of stderr."""
        logger.debug("%s - %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        """Hand the request to the stub and write its answer (or nothing, when it says drop)."""
        stub = self.server.stub
        try:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            answer = stub._handle(self.command, self.path, headers, raw)
        except Exception as exc:  # never let one request take the server down
            logger.exception("anthropic stub failed on %s %s", self.command, self.path)
            answer = (500, error_body("api_error", f"stub internal error: {type(exc).__name__}: {exc}"), {})
        if answer is None:
            self.close_connection = True
            return
        status, body, extra_headers = answer
        payload = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            request_id = body.get("request_id") if isinstance(body, dict) else None
            self.send_header("request-id", request_id or _new_id("req_"))
            for name, value in extra_headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout) and closed the socket
            logger.debug("client went away before the answer to %s", self.path)

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        """Handle POST."""
        self._dispatch()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        """Handle GET (only to answer 404/405 in Anthropic's shape)."""
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802 - stdlib naming
        """Handle PUT (answered 404/405)."""
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802 - stdlib naming
        """Handle DELETE (answered 404/405)."""
        self._dispatch()


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer carrying the stub; request threads are daemons (never joined on close)."""

    daemon_threads = True
    stub: AnthropicStub


_Answered = tuple[int, dict[str, Any], dict[str, str]]


class AnthropicStub:
    """A local Anthropic Messages API on a background thread.

    Example::

        with AnthropicStub() as stub:
            stub.queue_error(529, "overloaded_error")
            client = anthropic.Anthropic(api_key="test", base_url=stub.base_url, max_retries=2)
            reply = client.messages.create(model="claude-haiku-4-5", max_tokens=256, tools=[tool],
                                           tool_choice={"type": "tool", "name": tool["name"]},
                                           messages=[{"role": "user", "content": "hi"}])
            assert reply.content[0].type == "tool_use"
            assert len(stub.requests_for("/v1/messages")) == 2

    Attributes:
        host: Bind address (loopback only).
        port: Bound port (0 until started when constructed with port 0).
        responder: ``responder(body) -> dict | None`` answering unscripted requests: a dict is the
            input of a ``tool_use`` of :func:`select_tool`'s tool (or of the tool it names under
            :data:`CALL_TOOL`); None means a plain text answer.
            Defaults to :func:`schema_responder`. Settable at any time.
        api_key: When not None, the only key accepted (``x-api-key`` or ``Authorization: Bearer``);
            when None any non-empty key is accepted.
        min_cache_tokens: Smallest prefix, tokens, that is cached; None (the default) applies the
            real API's minimum for the request's model (:func:`min_cache_tokens`), so a prompt too
            short to cache shows no cache reads here either. Tests may set 0.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        responder: Responder | None = None,
        api_key: str | None = None,
    ) -> None:
        """Prepare (but do not start) a stub.

        Args:
            host: Loopback address to bind (``127.0.0.1``, another ``127.x`` or ``localhost``).
            port: TCP port; 0 picks a free one.
            responder: Default answer for unscripted requests; :func:`schema_responder` if None.
            api_key: Required API key; None accepts any non-empty key.

        Raises:
            ValueError: If ``host`` is not a loopback address.
        """
        if host not in _LOOPBACK_HOSTS and not host.startswith("127."):
            raise ValueError(f"the Anthropic stub only listens on loopback, not {host!r}")
        self.host = host
        self.port = port
        self.responder: Responder = responder or schema_responder
        self.api_key = api_key
        self.min_cache_tokens: int | None = None
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._script: deque[_Scripted] = deque()
        self._cached_prefixes: set[str] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> AnthropicStub:
        """Bind and start serving on a daemon thread.

        Returns:
            AnthropicStub: ``self``, so ``stub = AnthropicStub().start()`` works.
        """
        if self._httpd is not None:
            return self
        self._stopping = threading.Event()
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.stub = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="anthropic-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (safe to call twice).

        Requests sleeping on a queued delay wake up and close their connection without answering;
        ``stop()`` never waits for them.
        """
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> AnthropicStub:
        """Start the stub for a ``with`` block."""
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        """Stop the stub at the end of a ``with`` block."""
        self.stop()

    @property
    def url(self) -> str:
        """str: Root URL, e.g. ``"http://127.0.0.1:54321"`` (valid once started)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """str: What to give the SDK as ``base_url`` / ``ANTHROPIC_BASE_URL``: :attr:`url`, no ``/v1``."""
        return self.url

    @property
    def messages_url(self) -> str:
        """str: Full URL of the Messages endpoint, ``<url>/v1/messages``."""
        return self.url + MESSAGES_PATH

    # ------------------------------------------------------------------ inspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """list[RecordedRequest]: Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str = MESSAGES_PATH) -> list[RecordedRequest]:
        """Return the recorded requests to one path.

        Args:
            path: URL path, e.g. ``"/v1/messages"`` (a query string is ignored).

        Returns:
            list[RecordedRequest]: Matching requests, oldest first.
        """
        wanted = urlsplit(path).path
        return [r for r in self.requests if r.path == wanted]

    @property
    def pending(self) -> int:
        """int: Number of scripted items not consumed yet."""
        with self._lock:
            return len(self._script)

    def clear(self) -> None:
        """Forget the recorded requests (the script and the prompt cache are kept)."""
        with self._lock:
            self._requests.clear()

    def reset(self) -> None:
        """Forget recorded requests, scripted items and the simulated prompt cache."""
        with self._lock:
            self._requests.clear()
            self._script.clear()
            self._cached_prefixes.clear()

    # ------------------------------------------------------------------ scripting

    def _push(self, item: _Scripted) -> None:
        with self._lock:
            self._script.append(item)

    def queue_tool_use(
        self,
        tool_name: str | None,
        tool_input: dict[str, Any],
        *,
        usage: dict[str, Any] | None = None,
        stop_reason: str = "tool_use",
        text: str | None = None,
    ) -> None:
        """Script a ``tool_use`` answer.

        Args:
            tool_name: Tool the answer calls; None = the tool forced by ``tool_choice``, or the
                first tool of the request. A name not in the request's tools is sent as is
                (a misbehaving model).
            tool_input: The ``input`` of the ``tool_use`` block (sent as given, even if invalid).
            usage: Fields overriding the computed ``usage`` (e.g. ``{"output_tokens": 900}``).
            stop_reason: ``stop_reason`` of the answer.
            text: Optional text block placed before the ``tool_use`` block.
        """
        self._push(
            _Answer(
                "tool_use",
                tool_name=tool_name,
                tool_input=copy.deepcopy(tool_input),
                text=text,
                stop_reason=stop_reason,
                usage=usage,
            )
        )

    def queue_text(
        self, text: str, *, usage: dict[str, Any] | None = None, stop_reason: str = "end_turn"
    ) -> None:
        """Script a plain text answer (no ``tool_use``: an invalid answer for a forced tool).

        Args:
            text: The text block's text.
            usage: Fields overriding the computed ``usage``.
            stop_reason: ``stop_reason`` of the answer.
        """
        self._push(_Answer("text", text=text, stop_reason=stop_reason, usage=usage))

    def queue_max_tokens(
        self,
        tool_input_partial: dict[str, Any] | None = None,
        *,
        tool_name: str | None = None,
        usage: dict[str, Any] | None = None,
    ) -> None:
        """Script an answer cut off by ``max_tokens``: a ``tool_use`` with partial input.

        ``usage.output_tokens`` equals the request's ``max_tokens``.

        Args:
            tool_input_partial: The truncated tool input (``{}`` when None).
            tool_name: As for :meth:`queue_tool_use`.
            usage: Fields overriding the computed ``usage``.
        """
        self._push(
            _Answer(
                "tool_use",
                tool_name=tool_name,
                tool_input=copy.deepcopy(tool_input_partial or {}),
                stop_reason="max_tokens",
                usage=usage,
            )
        )

    def queue_error(
        self,
        status: int,
        error_type: str | None = None,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Script an error answer.

        Args:
            status: HTTP status (400–599), e.g. 529, 429, 500, 400.
            error_type: ``error.type``; derived from ``status`` when None (529 ``overloaded_error``,
                429 ``rate_limit_error``, 500 ``api_error``, 400 ``invalid_request_error``, …).
            message: ``error.message``; a stock text for the type when None.
            retry_after: Sets the ``retry-after`` header, seconds (the SDK honours any positive
                value, floats included).
            should_retry: Sets ``x-should-retry: true|false``, which overrides the SDK's own
                status-based retry decision.

        Raises:
            ValueError: If ``status`` is not an HTTP error status.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"status must be 400..599, got {status}")
        kind = error_type or ERROR_TYPES.get(
            status, "api_error" if status >= 500 else "invalid_request_error"
        )
        headers: dict[str, str] = {}
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        if should_retry is not None:
            headers["x-should-retry"] = "true" if should_retry else "false"
        text = message or _DEFAULT_ERROR_MESSAGES.get(kind, "Error (stub).")
        self._push(_Error(status, kind, text, headers))

    def queue_delay(self, seconds: float) -> None:
        """Script a slow answer: the next request sleeps, then answers as if unscripted.

        The sleep runs on that request's own thread: other requests and :meth:`stop` are not held up.

        Args:
            seconds: How long to wait before answering, seconds (≥ 0).

        Raises:
            ValueError: If ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._push(_Delay(float(seconds)))

    def _take(self, kinds: tuple[type, ...]) -> _Scripted | None:
        """Pop the head of the script if it is one of ``kinds``."""
        with self._lock:
            if self._script and isinstance(self._script[0], kinds):
                return self._script.popleft()
        return None

    # ------------------------------------------------------------------ request handling

    def _authenticate(self, headers: dict[str, str]) -> None:
        """Raise a 401 unless an API key is present (and matches :attr:`api_key` when set)."""
        key = headers.get("x-api-key", "").strip()
        auth = headers.get("authorization", "")
        if not key and auth.lower().startswith("bearer "):
            key = auth[len("bearer ") :].strip()
        if not key:
            raise _Reply(401, "x-api-key header is required")
        if self.api_key is not None and key != self.api_key:
            raise _Reply(401, "invalid x-api-key")

    def _handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> _Answered | None:
        """Answer one request: ``(status, JSON body, extra headers)``, or None to drop the connection."""
        path = urlsplit(target).path
        body: Any = None
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            body = None
        with self._lock:
            self._requests.append(
                RecordedRequest(path, dict(headers), body if isinstance(body, dict) else {}, time.time())
            )
        try:
            if path.rstrip("/") != MESSAGES_PATH:
                raise _Reply(404, f"Not found: {method} {path}")
            if method != "POST":
                raise _Reply(405, f"Method {method} not allowed on {path}")
            self._authenticate(headers)
            if not isinstance(body, dict):
                raise _Reply(400, "There was an issue with your request body: it must be a JSON object.")
            fault = self._take((_Error, _Delay))
            if isinstance(fault, _Error):
                logger.info("anthropic stub: scripted %s %s", fault.status, fault.error_type)
                return fault.status, error_body(fault.error_type, fault.message), dict(fault.headers)
            if isinstance(fault, _Delay) and self._stopping.wait(fault.seconds):
                return None  # stopping: drop the connection, answer nothing
            problem = validate_messages_request(body)
            if problem:
                raise _Reply(400, problem)
            scripted = None if isinstance(fault, _Delay) else self._take((_Answer,))
            return 200, self._message(body, scripted), {}
        except _Reply as reply:
            logger.info("anthropic stub: %s %s", reply.status, reply.message)
            return reply.status, error_body(reply.error_type, reply.message), {}

    def _tool_name(self, body: dict[str, Any], requested: str | None) -> str:
        """Name for a tool_use answer: the scripted one, else the forced / first tool."""
        if requested:
            return requested
        choice = body.get("tool_choice") if isinstance(body.get("tool_choice"), dict) else {}
        if choice.get("type") == "tool" and choice.get("name"):
            return str(choice["name"])
        tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("name")]
        if not tools:
            raise _Reply(500, "stub: a tool_use answer needs a tool name but the request has no tools")
        return str(tools[0]["name"])

    def _message(self, body: dict[str, Any], scripted: _Answer | None) -> dict[str, Any]:
        """Build a Messages API response for a valid request."""
        content: list[dict[str, Any]] = []
        if scripted is None:
            try:
                tool_input = self.responder(body)
            except Exception as exc:
                logger.exception("anthropic stub responder failed")
                raise _Reply(500, f"stub responder failed: {type(exc).__name__}: {exc}") from exc
            if tool_input is None:
                content.append({"type": "text", "text": STUB_ANSWER_TEXT})
                stop_reason = "end_turn"
            else:
                tool_input = dict(tool_input)
                named = tool_input.pop(CALL_TOOL, None)
                tool = select_tool(body)
                name = (
                    self._tool_name(body, named)
                    if named
                    else (tool["name"] if tool else self._tool_name(body, None))
                )
                content.append(
                    {"type": "tool_use", "id": _new_id("toolu_"), "name": name, "input": tool_input}
                )
                stop_reason = "tool_use"
            overrides: dict[str, Any] = {}
        else:
            if scripted.text is not None:
                content.append({"type": "text", "text": scripted.text})
            if scripted.kind == "tool_use":
                content.append(
                    {
                        "type": "tool_use",
                        "id": _new_id("toolu_"),
                        "name": self._tool_name(body, scripted.tool_name),
                        "input": copy.deepcopy(scripted.tool_input or {}),
                    }
                )
            stop_reason = scripted.stop_reason
            overrides = dict(scripted.usage or {})
        usage = self._usage(body, content, stop_reason)
        usage.update(overrides)
        summary = ", ".join(b.get("name", b["type"]) for b in content)
        logger.info("anthropic stub: 200 %s (%s)", stop_reason, summary)
        return {
            "id": _new_id("msg_"),
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }

    def _usage(self, body: dict[str, Any], content: list[dict[str, Any]], stop_reason: str) -> dict[str, Any]:
        """Token counts: ~chars/4, with the cached prefix (through the last breakpoint) split out.

        The longest prefix seen before (at any block boundary) is read; the rest up to the last
        breakpoint is written, when that prefix reaches the model's minimum.
        """
        total_chars = (
            _system_chars(body)
            + len(json.dumps(body.get("messages") or []))
            + len(json.dumps(body.get("tools") or []))
        )
        total = _tokens(total_chars)
        created = read = 0
        ttl = "5m"
        minimum = (
            self.min_cache_tokens if self.min_cache_tokens is not None else min_cache_tokens(body["model"])
        )
        boundaries = [
            (hashlib.sha256(f"{body['model']}|{text}".encode()).hexdigest(), _tokens(len(text)), mark)
            for text, mark in _cache_prefixes(body)
        ]
        breakpoints = [(key, size, mark) for key, size, mark in boundaries if mark and size >= minimum]
        if breakpoints:
            with self._lock:
                read = max((size for key, size, _ in boundaries if key in self._cached_prefixes), default=0)
                self._cached_prefixes.update(key for key, _, _ in breakpoints)
            _, longest, ttl = breakpoints[-1]
            created = max(0, longest - read)
            read, created = min(read, total), min(created, max(0, total - read))
        output = body["max_tokens"] if stop_reason == "max_tokens" else _tokens(len(json.dumps(content)))
        return {
            "input_tokens": max(1, total - created - read),
            "output_tokens": min(output, body["max_tokens"]),
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": created if ttl != "1h" else 0,
                "ephemeral_1h_input_tokens": created if ttl == "1h" else 0,
            },
            "service_tier": "standard",
        }


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the stub in the foreground until Ctrl-C (answers as the offline brain would, by default).

    Args:
        argv: Command-line arguments (``sys.argv[1:]`` when None): ``--host``, ``--port``,
            ``--api-key``, ``--quiet``, ``--responder offline|schema``.

    Returns:
        int: Exit status (0).
    """
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.anthropic_stub",
        description="Serve a local stub of Anthropic's Messages API on loopback until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_CLI_PORT, help=f"port (default {DEFAULT_CLI_PORT})"
    )
    parser.add_argument("--api-key", default=None, help="only accept this API key (default: any key)")
    parser.add_argument("--quiet", action="store_true", help="do not log each answer")
    parser.add_argument(
        "--responder",
        choices=("offline", "schema"),
        default="offline",
        help="offline: answer as Maestro's offline brain would (realistic); schema: minimal valid input",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO, format="%(asctime)s %(message)s"
    )
    responder = schema_responder
    if args.responder == "offline":
        from sandbox.claude_responder import offline_responder

        responder = offline_responder
    stub = AnthropicStub(args.host, args.port, api_key=args.api_key, responder=responder).start()
    print(f"Anthropic stub listening on {stub.url}", flush=True)
    print(f"  export ANTHROPIC_BASE_URL={stub.base_url}   (no /v1: the SDK adds /v1/messages)", flush=True)
    print("  Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        stub.stop()
    print("Anthropic stub stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
