"""The embedded Redis: shared by the processes that use it, stopped by the last one to leave."""

from __future__ import annotations

import fcntl

from maestro.redis_conn import ensure_embedded, release_embedded, stop_embedded


def test_the_last_process_to_release_the_embedded_redis_stops_it(tmp_path):
    sock, started = ensure_embedded(tmp_path, use=True)
    assert started and sock.exists()
    try:
        with open(tmp_path / "redis.users") as other:  # another process (a worker) still uses it
            fcntl.flock(other, fcntl.LOCK_SH)
            assert not release_embedded(tmp_path)
            assert sock.exists()
            ensure_embedded(tmp_path, use=True)  # this process uses it again
        assert release_embedded(tmp_path)  # the other one left: the last user stops it
        assert not sock.exists() and (tmp_path / "appendonly.aof").exists()
        assert not release_embedded(tmp_path)  # released already: nothing to do
    finally:
        stop_embedded(tmp_path)


def test_a_process_that_never_used_it_leaves_it_running(tmp_path):
    sock, _ = ensure_embedded(tmp_path)  # e.g. `maestro up`, which stops its own server itself
    try:
        assert not release_embedded(tmp_path) and sock.exists()
    finally:
        stop_embedded(tmp_path)
