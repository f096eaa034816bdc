"""Send signed Slack requests (commands, button presses, events, modal submissions) to an app.

:class:`SlackSender` posts to ``{app_url}/slack/events`` exactly as Slack would, signed with
the sandbox signing secret, and returns a :class:`SentRequest`. When given the
:class:`~sandbox.web_api.SandboxServer`, it also makes the request's effects visible in the
workspace the way Slack does: response_urls are created on the server, trigger ids are
registered (so ``views.open`` can expire them after 3 s), a message event's message is
recorded in the channel before the event is sent, and the body of a slash command's 2xx
answer is shown to the user as an ephemeral (or a channel message for
``response_type: "in_channel"``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import payloads
from .blocks import find_element, iter_elements
from .constants import SANDBOX_SIGNING_SECRET, TEAM_ID
from .scopes import CHANNEL_TYPES, Grant, manifest_grant, undelivered_reason
from .signing import sign_request

if TYPE_CHECKING:
    from .web_api import SandboxServer
    from .workspace import Workspace

FORM = "application/x-www-form-urlencoded"
"""Content type of commands and interactivity payloads."""

JSON = "application/json"
"""Content type of Events API envelopes."""

UNREACHABLE_RESPONSE_URL = "http://127.0.0.1:9/response/no-sandbox-server"
"""response_url used when the sender has no server: a loopback port nothing listens on."""


def _element(blocks: Any, action_id: str, where: str) -> tuple[str | None, dict]:
    """``(block_id, element)`` of the element with ``action_id``; LookupError naming the ones there are."""
    found = find_element(blocks, action_id)
    if found is None:
        available = [el.get("action_id") for _, el in iter_elements(blocks)]
        raise LookupError(f"no element with action_id {action_id!r} in {where}; available: {available}")
    return found


@dataclass
class SentRequest:
    """What was sent to the app and how it answered.

    Attributes:
        status: HTTP status the app answered.
        body: Response body text.
        headers: Response headers.
        elapsed: Seconds between sending and the full answer.
        response_url: The response_url carried by the request, if any.
        raw_body: The exact request body bytes (for :meth:`SlackSender.resend`).
        content_type: The request's Content-Type.
        kind: ``"command"``, ``"block_actions"``, ``"event"``, ``"view_submission"`` or
            ``"raw"``.
        payload: The fields, payload or envelope that was encoded, if any.
        request_headers: The headers sent (signature included).
        delivered: False for an event Slack would not send (the app isn't subscribed to it, or
            lacks its scope); nothing was sent then, ``status`` is 0 and ``body`` says why.
    """

    status: int
    body: str
    headers: dict[str, str]
    elapsed: float
    response_url: str | None
    raw_body: bytes = b""
    content_type: str = FORM
    kind: str = "raw"
    payload: dict | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    delivered: bool = True

    @property
    def ok(self) -> bool:
        """bool: Whether the app answered 2xx."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """Decode the response body as JSON.

        Returns:
            Any: The decoded body; None for an empty body.

        Raises:
            ValueError: When the body is not JSON.
        """
        return json.loads(self.body) if self.body.strip() else None


class SlackSender:
    """Sends signed requests to an app's ``/slack/events`` endpoint, like Slack does.

    Attributes:
        app_url: The app's root URL, e.g. ``"http://127.0.0.1:3000"``.
        events_url: ``{app_url}/slack/events``.
        signing_secret: Secret used to sign.
        server: The sandbox server, or None.
        timeout: Seconds to wait for the app's answer.
    """

    def __init__(
        self,
        app_url: str,
        *,
        signing_secret: str = SANDBOX_SIGNING_SECRET,
        server: SandboxServer | None = None,
        path: str = "/slack/events",
        timeout: float = 10.0,
        workspace: Workspace | None = None,
    ) -> None:
        """Create a sender.

        Args:
            app_url: The app's root URL.
            signing_secret: Secret to sign with (pass a wrong one to test rejection).
            server: The sandbox server whose workspace should reflect the requests.
            path: Path of the app's Slack endpoint.
            timeout: Seconds to wait for each answer.
            workspace: Which of the server's workspaces the requests come from (their
                ``team_id``, response_urls, triggers); the server's first when None.
        """
        self.app_url = app_url.rstrip("/")
        self.events_url = self.app_url + path
        self.signing_secret = signing_secret
        self.server = server
        self.timeout = timeout
        self.workspace = workspace if workspace is not None else (server.workspace if server else None)
        self.team_id = self.workspace.team_id if self.workspace is not None else TEAM_ID

    # -------------------------------------------------------------- transport

    def send_raw(
        self, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> SentRequest:
        """POST a body exactly as given, without signing it.

        Args:
            body: Raw body bytes.
            content_type: Content-Type header value.
            headers: Extra headers (e.g. a forged ``X-Slack-Signature``).

        Returns:
            SentRequest: The answer (``kind="raw"``).
        """
        return self._post(body, content_type, dict(headers or {}), kind="raw")

    def _post(
        self,
        body: bytes,
        content_type: str,
        headers: dict[str, str],
        *,
        kind: str,
        payload: dict | None = None,
        response_url: str | None = None,
    ) -> SentRequest:
        """POST to the events URL and collect the answer (non-2xx answers do not raise)."""
        all_headers = {
            "Content-Type": content_type,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        all_headers.update(headers)
        request = urllib.request.Request(self.events_url, data=body, headers=all_headers, method="POST")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status = response.status
                text = response.read().decode("utf-8", "replace")
                response_headers = dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            status = exc.code
            text = exc.read().decode("utf-8", "replace")
            response_headers = dict(exc.headers.items()) if exc.headers else {}
        return SentRequest(
            status=status,
            body=text,
            headers=response_headers,
            elapsed=time.perf_counter() - started,
            response_url=response_url,
            raw_body=body,
            content_type=content_type,
            kind=kind,
            payload=payload,
            request_headers=all_headers,
        )

    def _signed(
        self, body: bytes, extra_headers: Mapping[str, str] | None, timestamp: int | None
    ) -> dict[str, str]:
        """Signature headers plus any extra headers."""
        headers = sign_request(self.signing_secret, body, timestamp)
        headers.update(extra_headers or {})
        return headers

    def resend(
        self,
        sent: SentRequest,
        extra_headers: Mapping[str, str] | None = None,
        *,
        timestamp: int | None = None,
    ) -> SentRequest:
        """Send the identical body again with fresh signature headers (a Slack retry).

        Args:
            sent: A previous request.
            extra_headers: E.g. ``{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason":
                "http_timeout"}``.
            timestamp: Signature timestamp; now if None.

        Returns:
            SentRequest: The new answer (same ``kind``, ``payload`` and ``response_url``).
        """
        return self._post(
            sent.raw_body,
            sent.content_type,
            self._signed(sent.raw_body, extra_headers, timestamp),
            kind=sent.kind,
            payload=sent.payload,
            response_url=sent.response_url,
        )

    def retry(self, sent: SentRequest, num: int = 1, reason: str = "http_timeout") -> SentRequest:
        """Resend a request the way Slack retries it.

        Args:
            sent: The original request.
            num: ``X-Slack-Retry-Num`` (1..3).
            reason: ``X-Slack-Retry-Reason`` (``http_timeout``, ``http_error``, ...).

        Returns:
            SentRequest: The answer to the retry.
        """
        return self.resend(sent, {"X-Slack-Retry-Num": str(num), "X-Slack-Retry-Reason": reason})

    # -------------------------------------------------------------- Slack requests

    def _response_url(self, channel: str, user: str, **where: str | None) -> str:
        """A response_url on the server, or an unreachable one without a server."""
        if self.server is None:
            return UNREACHABLE_RESPONSE_URL
        return self.server.new_response_url(channel, user, workspace=self.workspace, **where)

    def _register_trigger(self, trigger_id: str, user: str) -> None:
        """Let the workspace expire this trigger id after 3 s."""
        if self.server is not None:
            self.workspace.register_trigger(trigger_id, user)

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0PROJECT",
        extra_headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        trigger_id: str | None = None,
    ) -> SentRequest:
        """Send a slash command.

        Args:
            command: ``"/task"`` (slash optional).
            text: The text after the command.
            user_id: Who typed it.
            channel_id: Where.
            extra_headers: Extra request headers.
            timestamp: Signature timestamp; now if None (an old one tests replay rejection).
            trigger_id: Trigger id to send; a fresh one if None.

        Returns:
            SentRequest: The app's answer (``kind="command"``, ``response_url`` set). With a
            server, a non-empty 2xx answer is also shown in the workspace (see module doc).
        """
        response_url = self._response_url(channel_id, user_id)
        fields = payloads.slash_command(
            command,
            text,
            user_id=user_id,
            channel_id=channel_id,
            response_url=response_url,
            trigger_id=trigger_id,
            team_id=self.team_id,
        )
        self._register_trigger(fields["trigger_id"], user_id)
        body = payloads.form_encode(fields)
        sent = self._post(
            body,
            FORM,
            self._signed(body, extra_headers, timestamp),
            kind="command",
            payload=fields,
            response_url=response_url,
        )
        if self.server is not None:
            self.workspace.apply_command_ack(channel_id, user_id, sent.status, sent.body)
        return sent

    def press(
        self,
        message: dict,
        action_id: str,
        *,
        channel_id: str | None = None,
        user_id: str = "U0ALICE",
        value: Any = None,
        extra_headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
    ) -> SentRequest:
        """Press a button of a message (a ``block_actions`` request).

        Args:
            message: The message (with ``ts`` and ``blocks``), e.g. from
                ``workspace.messages(...)``; an ephemeral record works too.
            action_id: The button's ``action_id``.
            channel_id: The message's conversation; defaults to ``message["channel"]``
                (present on ephemeral records).
            user_id: Who presses.
            value: Value to send instead of the button's own ``value``.
            extra_headers: Extra request headers.
            timestamp: Signature timestamp; now if None.

        Returns:
            SentRequest: The app's answer (``kind="block_actions"``).

        Raises:
            LookupError: If the message has no element with that action_id (the message names
                the available action_ids).
            ValueError: If no channel is known.
        """
        found = _element(message.get("blocks"), action_id, "the message")
        channel = channel_id or message.get("channel")
        if not channel:
            raise ValueError("press() needs channel_id for a message without a 'channel' field")
        block_id, element = found
        ephemeral = bool(message.get("is_ephemeral"))
        ts = message.get("ts")
        response_url = self._response_url(
            channel,
            user_id,
            message_ts=None if ephemeral else ts,
            ephemeral_ts=ts if ephemeral else None,
        )
        payload = payloads.block_actions(
            action_id,
            element.get("value") if value is None else value,
            message=message,
            channel_id=channel,
            user_id=user_id,
            response_url=response_url,
            block_id=block_id,
            team_id=self.team_id,
        )
        self._register_trigger(payload["trigger_id"], user_id)
        body = payloads.interactive_body(payload)
        return self._post(
            body,
            FORM,
            self._signed(body, extra_headers, timestamp),
            kind="block_actions",
            payload=payload,
            response_url=response_url,
        )

    def press_in_view(
        self,
        view: dict,
        action_id: str,
        *,
        user_id: str = "U0ALICE",
        value: Any = None,
    ) -> SentRequest:
        """Press a button of a Home tab or a modal (a ``block_actions`` request from a view).

        Args:
            view: The view as shown, e.g. ``workspace.home_view(user)``.
            action_id: The button's ``action_id``.
            user_id: Who presses.
            value: Value to send instead of the button's own ``value``.

        Returns:
            SentRequest: The app's answer (``kind="block_actions"``; no response_url, as in Slack).

        Raises:
            LookupError: If the view has no element with that action_id.
        """
        block_id, element = _element(view.get("blocks"), action_id, "the view")
        payload = payloads.view_block_actions(
            action_id,
            element.get("value") if value is None else value,
            view=view,
            user_id=user_id,
            block_id=block_id,
        )
        self._register_trigger(payload["trigger_id"], user_id)
        body = payloads.interactive_body(payload)
        return self._post(body, FORM, self._signed(body, None, None), kind="block_actions", payload=payload)

    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        record: bool = True,
    ) -> SentRequest:
        """Send an Events API event (wrapped in its ``event_callback`` envelope).

        Args:
            event: The inner event, e.g. from :func:`sandbox.payloads.app_mention`.
            event_id: Envelope ``event_id``; a fresh ``Ev…`` if None.
            extra_headers: Extra request headers.
            timestamp: Signature timestamp; now if None.
            record: With a server, first record a person's ``app_mention`` / ``message`` in the
                channel (so the bot's thread replies have a parent).

        Returns:
            SentRequest: The app's answer (``kind="event"``, ``payload`` = the envelope); with
            ``delivered=False`` (and nothing sent) when Slack would not send it: the app isn't
            subscribed to the event (``message.groups`` for a private channel's messages,
            ``message.im`` for DMs, ...) or lacks the scope the subscription needs. The grant is
            the server's workspace's, else ``manifest.yml``'s.
        """
        event = self._with_channel_type(event)
        if (
            record
            and self.server is not None
            and event.get("type") in ("app_mention", "message")
            and not event.get("subtype")
            and not event.get("bot_id")
            and event.get("channel")
            and event.get("user")
        ):
            self.workspace.add_user_message(
                event["channel"],
                event["user"],
                event.get("text", ""),
                ts=event.get("ts"),
                thread_ts=event.get("thread_ts"),
            )
        envelope = payloads.event_callback(event, event_id=event_id, team_id=self.team_id)
        body = payloads.json_body(envelope)
        refusal = undelivered_reason(event, self._grant())
        if refusal is not None:
            return SentRequest(
                status=0,
                body=f"not delivered: {refusal}",
                headers={},
                elapsed=0.0,
                response_url=None,
                raw_body=body,
                content_type=JSON,
                kind="event",
                payload=envelope,
                delivered=False,
            )
        return self._post(
            body, JSON, self._signed(body, extra_headers, timestamp), kind="event", payload=envelope
        )

    def _grant(self) -> Grant:
        """The installed app's scopes and subscriptions: the workspace's, else the manifest's."""
        return self.workspace.grant if self.server is not None else manifest_grant()

    def _with_channel_type(self, event: dict) -> dict:
        """Give a ``message`` event the ``channel_type`` of its conversation in the workspace."""
        if self.server is None or event.get("type") != "message" or not event.get("channel"):
            return event
        kind = self.workspace.conversation_kind(event["channel"])
        channel_type = CHANNEL_TYPES.get(kind or "")
        if channel_type is None or channel_type == event.get("channel_type"):
            return event
        return {**event, "channel_type": channel_type}

    def mention(
        self,
        text: str,
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0PROJECT",
        thread_ts: str | None = None,
    ) -> SentRequest:
        """Send an ``app_mention`` of the bot (``<@UMAESTRO> text``).

        Args:
            text: What the person wrote after the mention.
            user_id: Author.
            channel_id: Conversation.
            thread_ts: Parent ts when written in a thread.

        Returns:
            SentRequest: The app's answer.
        """
        return self.event(payloads.app_mention(text, user=user_id, channel=channel_id, thread_ts=thread_ts))

    def submit_view(
        self,
        callback_id: str,
        values: Mapping[str, Mapping[str, Any]],
        *,
        user_id: str = "U0ALICE",
        private_metadata: str = "",
        view_id: str | None = None,
        extra_headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        blocks: list[dict] | None = None,
    ) -> SentRequest:
        """Submit a modal (a ``view_submission`` request).

        Args:
            callback_id: The modal's ``callback_id``.
            values: ``{block_id: {action_id: value}}``, see
                :func:`sandbox.payloads.view_submission`.
            user_id: Who submits.
            private_metadata: The modal's private_metadata.
            view_id: The view id (e.g. from ``workspace.views_opened()``); fresh if None.
            extra_headers: Extra request headers.
            timestamp: Signature timestamp; now if None.
            blocks: The modal's blocks, sent back in ``view.blocks`` as Slack does.

        Returns:
            SentRequest: The app's answer (``kind="view_submission"``); its JSON body may hold
            a ``response_action``.
        """
        payload = payloads.view_submission(
            callback_id,
            values,
            private_metadata=private_metadata,
            user_id=user_id,
            view_id=view_id,
            blocks=blocks,
            team_id=self.team_id,
        )
        self._register_trigger(payload["trigger_id"], user_id)
        body = payloads.interactive_body(payload)
        return self._post(
            body, FORM, self._signed(body, extra_headers, timestamp), kind="view_submission", payload=payload
        )
