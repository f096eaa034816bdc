"""Request signatures are what slack_sdk's verifier (and so Bolt) accepts."""

from __future__ import annotations

import time

from slack_sdk.signature import SignatureVerifier

from sandbox import SANDBOX_SIGNING_SECRET, sign_request, verify_request


def test_slack_sdk_verifier_accepts_sign_request() -> None:
    body = b"token=x&command=%2Ftask&text=new+thing"
    headers = sign_request(SANDBOX_SIGNING_SECRET, body)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert abs(int(ts) - time.time()) < 5
    assert sig.startswith("v0=") and len(sig) == 3 + 64
    verifier = SignatureVerifier(SANDBOX_SIGNING_SECRET)
    assert verifier.is_valid(body, ts, sig)
    assert verifier.is_valid_request(body, headers)


def test_signature_depends_on_secret_body_and_timestamp() -> None:
    body = b'{"type":"event_callback"}'
    headers = sign_request(SANDBOX_SIGNING_SECRET, body, timestamp=1_700_000_000)
    assert headers["X-Slack-Request-Timestamp"] == "1700000000"
    verifier = SignatureVerifier(SANDBOX_SIGNING_SECRET)
    sig = headers["X-Slack-Signature"]
    assert verifier.is_valid(body, "1700000000", sig) is False  # too old for the 5-minute window
    other = sign_request("another-secret", body, timestamp=1_700_000_000)["X-Slack-Signature"]
    assert other != sig
    assert (
        sign_request(SANDBOX_SIGNING_SECRET, body + b" ", timestamp=1_700_000_000)["X-Slack-Signature"] != sig
    )
    assert verify_request(SANDBOX_SIGNING_SECRET, body, headers, now=1_700_000_100)
    assert not verify_request(SANDBOX_SIGNING_SECRET, body, headers, now=1_700_000_400)
    assert not verify_request("another-secret", body, headers, now=1_700_000_100)
