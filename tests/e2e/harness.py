"""Starting ``maestro`` sub-commands as processes for end-to-end tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def until(predicate, timeout: float = 30, what: str = "it"):
    """Poll ``predicate`` until it returns something truthy, and return it; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Starts ``maestro`` sub-commands with one environment and stops them all."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.children: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *args: str, group: bool = False, **env: str) -> subprocess.Popen:
        """Start ``maestro *args``; with ``group``, in a process group of its own (to kill it whole)."""
        log = self.log_dir / f"{args[0]}-{len(self.children)}.log"
        child = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            env={**self.env, **env},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=group,
        )
        self.children.append((child, log))
        return child

    def wait_healthy(self, url: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("web never became healthy:\n" + self.logs())

    def log_of(self, child: subprocess.Popen) -> str:
        return next(log.read_text() for c, log in self.children if c is child)

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()}" for _, log in self.children)

    def stop(self) -> None:
        for child, _ in self.children:
            if child.poll() is None:
                child.terminate()
        for child, _ in self.children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
