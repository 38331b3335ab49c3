"""The embedded Redis of an installation: one per data directory, shared by every process.

Without `REDIS_URL`, every `portevoix` command on a data directory (`run`, `chat --as`,
`token`, `rebuild-leaderboards`...) must see and change the same Redis state, whether or
not a server runs. The first command that needs it starts a small detached host process
(`python -m app.store_host`): a fakeredis server (with Lua) on a unix socket, owned by
nobody but itself, that every command joins. It lives while it has clients, and a few
seconds more (`EMBEDDED_REDIS_IDLE_SECONDS`), then exits. Its state is written to
`data_dir/redis.snapshot` (within `EMBEDDED_REDIS_SNAPSHOT_SECONDS` of a change, and when
it exits) and read back by the next host, so what a command wrote with no server running
(a one-time sign-in link, a chat form, a queued click) is there when the server starts.

Who hosts is settled by an exclusive `flock` on `data_dir/redis.lock`, held by the host
for its whole life: the kernel releases it when the host dies, so a crashed host leaves
no stale lock, and a stale socket file is simply replaced by the next host. See
docs/architecture.md ("One state per installation") for the alternatives weighed.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import hashlib
import itertools
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from socketserver import ThreadingUnixStreamServer
from typing import Any

from fakeredis import FakeServer
from fakeredis._clients._tcp_server import TCPFakeRequestHandler
from fakeredis._core._database import Database, Item

log = logging.getLogger(__name__)

SOCKET_NAME = "redis.sock"
LOCK_NAME = "redis.lock"
SNAPSHOT_NAME = "redis.snapshot"
LOG_NAME = "redis.log"
SNAPSHOT_FORMAT = 1
MAX_SOCKET_PATH = 100  # AF_UNIX paths are limited to 104 (macOS) or 108 (Linux) bytes
START_TIMEOUT_SECONDS = 15.0


class StoreHostError(Exception):
    """The embedded Redis could not be started or joined (one line for the operator)."""


def socket_path(data_dir: Path) -> Path:
    """Where the host listens: in the data directory, unless that path is too long for a
    unix socket; then in the temporary directory, named after the data directory."""
    data_dir = data_dir.resolve()
    path = data_dir / SOCKET_NAME
    if len(str(path)) <= MAX_SOCKET_PATH:
        return path
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"portevoix-{os.getuid()}-{digest}.sock"


# --- joining (every process that uses the embedded Redis) -------------------------------


async def join(data_dir: Path, idle_seconds: float, snapshot_seconds: float) -> Path:
    """The socket of the data directory's host, started first if none answers."""
    data_dir = await asyncio.to_thread(_prepared, data_dir)
    path = socket_path(data_dir)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    started = False
    while True:
        if await answers(path):
            return path
        # No answer and the lock is free: no host (or a crashed one). A held lock is a
        # host starting, or one saving its snapshot on its way out: wait for it.
        if not started and lock_is_free(data_dir / LOCK_NAME):
            _start_host(data_dir, idle_seconds, snapshot_seconds)
            started = True
        if time.monotonic() > deadline:
            raise StoreHostError(
                f"the embedded Redis of {data_dir} did not start; see {data_dir / LOG_NAME}"
            )
        await asyncio.sleep(0.05)


def _prepared(data_dir: Path) -> Path:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return data_dir


async def answers(path: Path) -> bool:
    """Does a host answer PING on this socket?"""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), 1)
    except (OSError, TimeoutError):
        return False
    try:
        writer.write(b"*1\r\n$4\r\nPING\r\n")
        await writer.drain()
        return await asyncio.wait_for(reader.readline(), 2) == b"+PONG\r\n"
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


def lock_is_free(lock: Path) -> bool:
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def _start_host(data_dir: Path, idle_seconds: float, snapshot_seconds: float) -> None:
    """Start the host detached (its own session), so it outlives the command that started
    it and Ctrl+C in that command's terminal does not reach it."""
    with (data_dir / LOG_NAME).open("ab") as output:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "app.store_host",
                str(data_dir),
                "--idle-seconds",
                str(idle_seconds),
                "--snapshot-seconds",
                str(snapshot_seconds),
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
            close_fds=True,
        )


# --- hosting (the detached process) ------------------------------------------------------


class _ChangeTracking(Database):  # type: ignore[misc]
    """A fakeredis database that tells its host when a key changed (for the snapshot)."""

    changed = threading.Event()

    def notify_watch(self, key: bytes) -> None:
        _ChangeTracking.changed.set()
        super().notify_watch(key)


class _UnixHandler(TCPFakeRequestHandler):
    """fakeredis's TCP handler, on a unix socket: unix peers have no address, so each
    connection gets a number to be told apart by."""

    def setup(self) -> None:
        self.client_address = (f"unix-{next(self.server.client_ids)}", 0)
        super().setup()


class UnixFakeServer(ThreadingUnixStreamServer):
    """What `fakeredis.TcpFakeServer` is, on a unix socket (one thread per connection)."""

    daemon_threads = False
    block_on_close = True
    request_queue_size = 128  # a replica's pool opens its connections at once

    def __init__(self, path: Path, fake_server: FakeServer) -> None:
        self._shutdown_event = threading.Event()
        self.fake_server = fake_server
        self.client_ids = itertools.count(1)
        self.clients: dict[tuple[str, int], Any] = {}
        super().__init__(str(path), _UnixHandler)

    def shutdown(self) -> None:
        self._shutdown_event.set()
        super().shutdown()


def new_fake_server() -> FakeServer:
    server = FakeServer()
    server.dbs.default_factory = lambda: _ChangeTracking(server.lock)  # type: ignore[attr-defined]
    return server


def save_snapshot(server: FakeServer, path: Path) -> None:
    """Write every key with its expiry, atomically (a crash mid-write keeps the old one)."""
    with server.lock:
        dbs = {
            index: [(key, item.value, item.expireat) for key, item in db._dict.items()]
            for index, db in server.dbs.items()
        }
        data = pickle.dumps({"format": SNAPSHOT_FORMAT, "dbs": dbs})
    temporary = path.with_suffix(".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def load_snapshot(server: FakeServer, path: Path) -> int:
    """Read a snapshot into `server`; returns the keys loaded. An unreadable snapshot is
    moved aside (`.unreadable`) and the host starts empty rather than not at all."""
    if not path.exists():
        return 0
    try:
        # The snapshot is written by our own host into the data directory, beside the
        # SQLite file: whoever can change it can change the database too.
        data = pickle.loads(path.read_bytes())
        if data.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"unknown snapshot format {data.get('format')!r}")
    except Exception:
        log.exception("unreadable snapshot %s: starting empty", path)
        os.replace(path, path.with_suffix(".unreadable"))
        return 0
    now, loaded = time.time(), 0
    for index, entries in data["dbs"].items():
        db = server.dbs[index]
        for key, value, expireat in entries:
            if expireat is not None and expireat < now:
                continue
            item = Item(value)
            item.expireat = expireat
            db[key] = item
            loaded += 1
    return loaded


def host(data_dir: Path, idle_seconds: float, snapshot_seconds: float) -> int:
    """Serve the data directory's Redis until nobody has used it for `idle_seconds`."""
    lock = (data_dir / LOCK_NAME).open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 0  # another host won the race; the joiners will find it
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")  # for whoever looks (the lock itself is the flock)
    lock.flush()
    path = socket_path(data_dir)
    path.unlink(missing_ok=True)  # a crashed host's socket
    snapshot = data_dir / SNAPSHOT_NAME
    fake = new_fake_server()
    loaded = load_snapshot(fake, snapshot)
    server = UnixFakeServer(path, fake)
    path.chmod(0o600)
    log.info("embedded Redis of %s on %s (%d keys from the snapshot)", data_dir, path, loaded)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    serving.start()
    idle_since: float | None = None
    saved_at = time.monotonic()
    while not stop.wait(0.1):
        now = time.monotonic()
        if server.clients:
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since >= idle_seconds:
            break
        if _ChangeTracking.changed.is_set() and now - saved_at >= snapshot_seconds:
            _ChangeTracking.changed.clear()
            save_snapshot(fake, snapshot)
            saved_at = now
    # Stop answering before the last snapshot, so nobody writes what it would miss; a
    # joiner arriving now finds the lock held and waits for the next host.
    server.shutdown()
    server.server_close()
    serving.join()
    path.unlink(missing_ok=True)
    save_snapshot(fake, snapshot)
    log.info("embedded Redis of %s stopped; snapshot saved", data_dir)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.store_host")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--snapshot-seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return host(args.data_dir.resolve(), args.idle_seconds, args.snapshot_seconds)


if __name__ == "__main__":
    sys.exit(main())
