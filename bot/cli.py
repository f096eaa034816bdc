"""The ``maestro`` command: ``web``, ``worker``, ``clock``, and ``up`` (all of them, with the sandbox)."""

from __future__ import annotations

import argparse
import errno
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from bot.supervisor import Supervisor
from maestro.logs import configure_logging
from maestro.metrics import MULTIPROC_VARIABLE
from maestro.settings import ConfigError, Settings, load_settings

DEFAULT_SANDBOX_PORT = 3001
"""Port of the local Slack sandbox's Web API under ``maestro up``."""

DEFAULT_WEB_READY_TIMEOUT = 30.0
"""Seconds ``maestro up`` waits for ``/healthz`` before giving up."""


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    if getattr(args, "port", None):
        settings = settings.model_copy(update={"port": args.port})
    configure_logging(settings.maestro_log_level, settings.maestro_log_format)
    return settings


def _runtime(settings: Settings):
    from jobs.runtime import build_runtime

    try:
        return build_runtime(settings)
    except ConfigError as error:
        print(f"maestro: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _verify_slack_token(settings: Settings) -> None:
    """Ask Slack's ``auth.test`` about ``SLACK_BOT_TOKEN`` before anything starts (not in sandbox mode).

    A refused token (``invalid_auth``, ``token_revoked``, …) or an unreachable ``SLACK_API_URL``
    stops the process with one line naming the variable and the fix, exit status 2, as
    ``maestro web`` does.
    """
    if settings.sandbox_mode:
        return  # the sandbox's own token; the sandbox may start after this process
    from bot.web import verify_token

    try:
        verify_token(settings)
    except ConfigError as error:
        print(f"maestro: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _stop_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C (SystemExit), so the process's ``finally`` blocks run.

    waitress and APScheduler return from their loops on it; RQ's worker installs its own
    handlers (a warm shutdown) once it runs.
    """

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def _release_redis(settings: Settings) -> None:
    """Stop using the embedded Redis; the last Maestro process to do so stops the server."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    if not settings.redis_url:
        from maestro.redis_conn import release_embedded

        release_embedded(settings.maestro_data_dir)


def cmd_web(args: argparse.Namespace) -> int:
    """Run the Bolt app (HTTP on PORT, or Socket Mode)."""
    from bot.web import serve

    settings = _settings(args)
    _stop_on_sigterm()
    try:
        serve(settings)
    except ConfigError as error:
        print(f"maestro: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        print(
            f"maestro: PORT {settings.port}: can't listen there ({error.strerror}); set PORT to a free port",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        _release_redis(settings)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Run an RQ worker on the high, default and low queues."""
    from jobs.worker import run_worker

    settings = _settings(args)
    _stop_on_sigterm()
    _verify_slack_token(settings)
    try:
        run_worker(_runtime(settings), burst=args.burst)
    except KeyboardInterrupt:
        return 130
    finally:
        _release_redis(settings)
    return 0


def _instant(value: str) -> datetime:
    """An aware instant from ISO 8601 (``2026-11-23T08:30:00Z``), for ``maestro clock --now``."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} isn't an ISO 8601 time like 2026-11-23T08:30:00Z"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give the time with its offset, e.g. 2026-11-23T08:30:00Z")
    return moment


def cmd_clock(args: argparse.Namespace) -> int:
    """Run the scheduler that enqueues standups, reports and checks."""
    from jobs.clock import run_clock

    if args.now and not args.once:
        print("maestro: --now needs --once", file=sys.stderr)
        return 2
    settings = _settings(args)
    _stop_on_sigterm()
    _verify_slack_token(settings)
    try:
        run_clock(_runtime(settings), once=args.once, now=args.now)
    except KeyboardInterrupt:
        return 130
    finally:
        _release_redis(settings)
    return 0


def _wait_healthy(url: str, timeout: float, supervisor: Supervisor) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and supervisor.failed is None:
        supervisor.check()
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own loopback URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def _log_to_file(settings: Settings) -> Path:
    """Send this process's log to ``<MAESTRO_DATA_DIR>/maestro.log`` and return its path.

    ``maestro up`` does it when the sandbox console runs, and starts its children with their
    output there too, so no log line (slack_bolt, rq, waitress, …) lands in the console's prompt.
    """
    settings.maestro_data_dir.mkdir(parents=True, exist_ok=True)
    path = (settings.maestro_data_dir / "maestro.log").resolve()
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
            handler.setStream(path.open("a"))
    return path


def _fresh_metrics_dir(data_dir: Path) -> Path:
    """Return ``<data dir>/metrics``, emptied: the processes ``maestro up`` starts write samples there."""
    path = data_dir.resolve() / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _up_stops_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # stop ``maestro up`` as Ctrl-C does: children stopped, Redis saved


def cmd_up(args: argparse.Namespace) -> int:
    """Run web, workers and clock, restarting any that dies; with no Slack credentials, on the sandbox."""
    from maestro.redis_conn import ensure_embedded, stop_embedded

    settings = _settings(args)
    _verify_slack_token(settings)
    env = dict(os.environ)
    server = None
    started_redis = False
    log_path = _log_to_file(settings) if settings.sandbox_mode and not args.no_console else None
    output = {"stdout": log_path.open("a"), "stderr": subprocess.STDOUT} if log_path else {}
    if not settings.redis_url:
        try:
            _, started_redis = ensure_embedded(settings.maestro_data_dir)
        except ConfigError as error:
            print(f"maestro: {error}", file=sys.stderr)
            return 2
    if settings.sandbox_mode:
        from sandbox import SandboxServer

        server = SandboxServer(port=args.sandbox_port).start()
        env["SLACK_API_URL"] = server.api_url
    env["PORT"] = str(settings.port)
    env.setdefault(MULTIPROC_VARIABLE, str(_fresh_metrics_dir(settings.maestro_data_dir)))
    exe = [sys.executable, "-m", "bot.cli"]
    programs = [
        ("web", [*exe, "web"]),
        *[(f"worker-{i + 1}", [*exe, "worker"]) for i in range(args.workers)],
        ("clock", [*exe, "clock"]),
    ]
    supervisor = Supervisor(programs, env=env, output=output).start()
    signal.signal(signal.SIGTERM, _up_stops_on_sigterm)
    app_url = f"http://127.0.0.1:{settings.port}"
    code = 0
    try:
        if not _wait_healthy(f"{app_url}/healthz", DEFAULT_WEB_READY_TIMEOUT, supervisor):
            where = log_path or "the log above"
            print(f"maestro: the web process did not become healthy; see {where}", file=sys.stderr)
            return 1
        mode = "the local Slack sandbox" if server else "Slack"
        print(f"maestro: up on {mode} — web {app_url}, {args.workers} worker(s), clock", file=sys.stderr)
        if server is not None and not args.no_console:
            from sandbox import SlackSender, run_console

            supervisor.watch()
            run_console(SlackSender(app_url, server=server), server, log_path=log_path)
        else:
            supervisor.run()
            code = 1  # only a configuration error ends supervision
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
        if server is not None:
            server.stop()
        if started_redis:
            stop_embedded(settings.maestro_data_dir)
        if output:
            output["stdout"].close()
    return code


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``maestro`` command."""
    parser = argparse.ArgumentParser(
        prog="maestro",
        description="Maestro: an AI software team in Slack. Configure with environment variables "
        "(SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, REDIS_URL, …; see README). With no Slack "
        "credentials it runs on the local Slack sandbox.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    web = sub.add_parser("web", help="serve Slack's requests (HTTP /slack/events, or Socket Mode)")
    web.add_argument("--port", type=int, help="override PORT")
    web.set_defaults(func=cmd_web)
    worker = sub.add_parser("worker", help="run jobs from the high, default and low queues")
    worker.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    worker.set_defaults(func=cmd_worker)
    clock = sub.add_parser("clock", help="fire scheduled standups, reports and checks")
    clock.add_argument(
        "--once", action="store_true", help="run one tick of the projects' clock (standups, prompts) and exit"
    )
    clock.add_argument(
        "--now",
        type=_instant,
        help="with --once: the tick's time, ISO 8601 (for tests; kept apart from the real clocks' progress)",
    )
    clock.set_defaults(func=cmd_clock)
    up = sub.add_parser("up", help="run web, worker(s) and clock together (the sandbox when no credentials)")
    up.add_argument("--port", type=int, help="override PORT")
    up.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    up.add_argument("--sandbox-port", type=int, default=DEFAULT_SANDBOX_PORT, help="sandbox Web API port")
    up.add_argument("--no-console", action="store_true", help="don't open the sandbox console")
    up.set_defaults(func=cmd_up)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``maestro`` command; return its exit status."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
