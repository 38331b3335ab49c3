"""The embedded Redis of a data directory (app/store_host.py): one host process that every
client of the directory joins, which keeps its state across its own restarts and
survives the crash of any process, including its own."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app import store_host
from app.settings import Settings, load_settings
from app.store import close_redis, open_redis
from tests.helpers import eventually


def host_pid(data_dir: Path) -> int | None:
    text = (data_dir / store_host.LOCK_NAME).read_text().strip()
    return int(text) if text else None


def host_alive(data_dir: Path) -> bool:
    return not store_host.lock_is_free(data_dir / store_host.LOCK_NAME)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data directory whose host, if a test started one, is stopped at the end."""
    path = tmp_path / "data"
    path.mkdir()
    yield path
    if (path / store_host.LOCK_NAME).exists() and host_alive(path):
        pid = host_pid(path)
        if pid:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while host_alive(path) and time.monotonic() < deadline:
            time.sleep(0.05)  # a synchronous fixture's teardown: the host to exit


def embedded(data_dir: Path, **overrides: object) -> Settings:
    return load_settings(data_dir=data_dir, secret_key="s" * 32, **overrides)


@pytest.fixture
async def client(data_dir: Path) -> AsyncIterator[Redis]:
    redis = await open_redis(embedded(data_dir))
    yield redis
    await close_redis(redis)


async def gone(data_dir: Path) -> bool:
    return not host_alive(data_dir)


async def test_two_clients_of_one_data_directory_share_one_state(
    data_dir: Path, client: Redis
) -> None:
    other = await open_redis(embedded(data_dir))
    try:
        await client.set("login:abc", "7", ex=60)
        assert await other.get("login:abc") == b"7"
        assert await other.getdel("login:abc") == b"7"
        assert await client.get("login:abc") is None
    finally:
        await close_redis(other)
    assert (data_dir / store_host.SOCKET_NAME).stat().st_mode & 0o077 == 0  # owner only


async def test_the_state_outlives_the_host_that_held_it(data_dir: Path) -> None:
    settings = embedded(data_dir, embedded_redis_idle_seconds=0.2)
    first = await open_redis(settings)
    await first.set("kept", "yes")
    await first.set("expired", "no", px=50)
    await first.xadd("clicks", {"c": "1"})
    await close_redis(first)
    await eventually(lambda: gone(data_dir))  # nobody left: it stopped
    assert not (data_dir / store_host.SOCKET_NAME).exists()

    second = await open_redis(settings)  # a new host, from the snapshot
    try:
        assert await second.get("kept") == b"yes"
        assert await second.get("expired") is None
        assert await second.xlen("clicks") == 1
    finally:
        await close_redis(second)


async def test_a_killed_host_is_replaced_and_its_clients_carry_on(
    data_dir: Path, client: Redis
) -> None:
    await client.set("before", "1")
    await eventually(lambda: _snapshot_has(data_dir, b"before"))
    killed = host_pid(data_dir)
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    await eventually(lambda: gone(data_dir))
    assert (data_dir / store_host.SOCKET_NAME).exists()  # stale, left by the crash

    # The client's next command starts a new host, which reads the last snapshot.
    async def answers() -> bytes | None:
        try:
            return await client.get("before")
        except RedisConnectionError:
            raise AssertionError("the new host is not there yet") from None

    assert await eventually(answers) == b"1"
    assert host_pid(data_dir) not in (None, killed)


async def _snapshot_has(data_dir: Path, key: bytes) -> bool:
    snapshot = data_dir / store_host.SNAPSHOT_NAME
    return snapshot.exists() and key in snapshot.read_bytes()


async def test_an_unreadable_snapshot_is_set_aside_and_the_host_starts_empty(
    data_dir: Path,
) -> None:
    (data_dir / store_host.SNAPSHOT_NAME).write_bytes(b"not a snapshot")
    redis = await open_redis(embedded(data_dir))
    try:
        assert await redis.dbsize() == 0
        await redis.set("after", "1")
    finally:
        await close_redis(redis)
    assert (data_dir / "redis.unreadable").read_bytes() == b"not a snapshot"


def test_a_data_directory_too_deep_for_a_unix_socket_listens_in_the_temp_directory(
    tmp_path: Path,
) -> None:
    shallow = tmp_path / "data"
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "data"
    assert store_host.socket_path(shallow) == shallow.resolve() / "redis.sock"
    far = store_host.socket_path(deep)
    assert len(str(far)) <= store_host.MAX_SOCKET_PATH
    assert far.parent == Path(os.environ.get("TMPDIR", "/tmp"))
    assert far != store_host.socket_path(tmp_path / ("d" * 60) / ("f" * 60) / "data")
