"""The floor for ack latency: a Bolt app that acks ``/task`` and does nothing else.

Served exactly like ``maestro web`` (waitress, same thread count, same WSGI adapter).
Usage: ``python bench/bare_app.py PORT SLACK_API_URL``.
"""

from __future__ import annotations

import logging
import sys

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.web import DEFAULT_THREADS
from maestro.settings import SANDBOX_BOT_TOKEN, SANDBOX_SIGNING_SECRET


def main() -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    client = WebClient(token=SANDBOX_BOT_TOKEN, base_url=sys.argv[2])
    app = App(signing_secret=SANDBOX_SIGNING_SECRET, client=client)  # auth.test at start, like maestro web
    app.command("/task")(lambda ack: ack())
    waitress.serve(
        SlackRequestHandler(app),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        threads=DEFAULT_THREADS,
        _quiet=True,
    )


if __name__ == "__main__":
    main()
