"""``maestro up``'s supervisor: runs web, workers and clock as child processes and restarts one that dies.

Each child runs in a process group of its own. A child that exits is started again after a back-off
(1 s, doubling up to 30 s; back to 1 s once it has run a minute), with a log line saying which,
how it ended and when it comes back; what it left running in its group (a worker's RQ scheduler)
is killed first. A child
that exits with status 2 — a configuration error, which a restart won't mend — is not restarted:
the supervisor reports it and ``maestro up`` stops. In production the platform supervises the
``Procfile``'s processes instead (see the README's deployment section).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger("maestro.up")

CONFIG_ERROR_STATUS = 2
"""Exit status of a ``maestro`` process stopped by its configuration: not restarted."""

DEFAULT_MIN_BACKOFF = 1.0
"""Seconds before the first restart of a child that died."""

DEFAULT_MAX_BACKOFF = 30.0
"""Seconds between restarts of a child that keeps dying, at most."""

DEFAULT_STEADY = 60.0
"""Seconds a child must have run for its next restart to wait the shortest back-off again."""

DEFAULT_POLL = 0.5
"""Seconds between two looks at the children."""


@dataclass
class Child:
    """One supervised program: its name (``web``, ``worker-1``…), its command line, its process."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    started: float = 0.0
    backoff: float = DEFAULT_MIN_BACKOFF
    restart_at: float | None = None
    restarts: int = 0
    ended: list[int] = field(default_factory=list)


class Supervisor:
    """Starts programs, restarts any that dies, and stops them all.

    Args:
        programs: ``(name, argv)`` per child, in start order.
        env: the children's environment.
        output: ``stdout``/``stderr`` for the children (``maestro up`` sends them to its log file
            while the console runs); None: inherited.
        min_backoff: seconds before a first restart.
        max_backoff: seconds between restarts, at most.
        steady: seconds of run after which the back-off starts again from ``min_backoff``.
    """

    def __init__(
        self,
        programs: Sequence[tuple[str, list[str]]],
        *,
        env: Mapping[str, str],
        output: Mapping[str, Any] | None = None,
        min_backoff: float = DEFAULT_MIN_BACKOFF,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        steady: float = DEFAULT_STEADY,
    ):
        self.children = [Child(name, list(argv), backoff=min_backoff) for name, argv in programs]
        self.env = dict(env)
        self.output = dict(output or {})  # Popen's stdout/stderr: where the children's log goes
        self.min_backoff, self.max_backoff, self.steady = min_backoff, max_backoff, steady
        self.failed: str | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Supervisor:
        """Start every child; return self."""
        with self._lock:
            for child in self.children:
                self._spawn(child)
        return self

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(child.argv, env=self.env, start_new_session=True, **self.output)
        child.started, child.restart_at = time.monotonic(), None

    @staticmethod
    def _signal_group(process: subprocess.Popen, signum: int) -> None:
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            pass  # nothing left in the group

    def processes(self) -> list[subprocess.Popen]:
        """Return the children's current processes."""
        with self._lock:
            return [c.process for c in self.children if c.process is not None]

    def check(self) -> None:
        """Look at the children once: schedule the restart of one that exited, restart those due.

        A child that exited with :data:`CONFIG_ERROR_STATUS` sets :attr:`failed` instead.
        """
        with self._lock:
            if self._stopping.is_set():
                return
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is None:
                    status = child.process.poll() if child.process is not None else None
                    if status is None:
                        continue
                    child.ended.append(status)
                    self._signal_group(child.process, signal.SIGKILL)  # e.g. a dead worker's scheduler
                    if status == CONFIG_ERROR_STATUS:
                        self.failed = f"{child.name} stopped on a configuration error (exit status 2)"
                        logger.error("maestro up: %s; not restarting it", self.failed)
                        continue
                    if now - child.started >= self.steady:
                        child.backoff = self.min_backoff
                    child.restart_at = now + child.backoff
                    logger.warning(
                        "maestro up: %s exited with status %s; restarting it in %.0f s",
                        child.name,
                        status,
                        child.backoff,
                        extra={"child": child.name, "exit_status": status},
                    )
                    child.backoff = min(child.backoff * 2, self.max_backoff)
                elif now >= child.restart_at and self.failed is None:
                    self._spawn(child)
                    child.restarts += 1
                    logger.warning(
                        "maestro up: restarted %s (pid %s)",
                        child.name,
                        child.process.pid if child.process else "?",
                        extra={"child": child.name, "restarts": child.restarts},
                    )

    def watch(self, interval: float = DEFAULT_POLL) -> Supervisor:
        """Check the children every ``interval`` seconds in a background thread until :meth:`stop`."""

        def loop() -> None:
            while not self._stopping.wait(interval):
                self.check()

        self._thread = threading.Thread(target=loop, name="maestro-up-supervisor", daemon=True)
        self._thread.start()
        return self

    def run(self, interval: float = DEFAULT_POLL) -> None:
        """Check the children every ``interval`` seconds until a child fails for good or :meth:`stop`."""
        while self.failed is None and not self._stopping.wait(interval):
            self.check()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop supervising; SIGTERM each child's group, SIGKILL those still running after ``timeout`` s."""
        self._stopping.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        with self._lock:
            running = [c.process for c in self.children if c.process is not None and c.process.poll() is None]
        for process in running:
            self._signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal_group(process, signal.SIGKILL)
                process.wait()
