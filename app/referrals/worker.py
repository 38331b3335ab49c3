"""The click worker: drains the `clicks` stream into the database.

It reads with a consumer group, stores a batch, and only then acknowledges it, so a
worker killed mid-batch loses nothing: its unacknowledged entries are claimed by any
worker (or itself, restarted) once they have been idle for `claim_idle_ms`.

A batch has a cost of its own (a dozen statements and a few Redis round trips whatever
its size), so the worker lets a batch fill: once it has read the first entries, it
waits until the oldest of them is `batch_wait_ms` old, then takes what has come
meanwhile (up to `batch_size`). A click therefore waits at most `batch_wait_ms` more
in the stream than it would have; a full batch, or a backlog older than that, does not
wait at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.referrals.clicks import GROUP, STREAM, UNREADABLE, ClickFacts
from app.referrals.writer import ClickWriter

log = logging.getLogger(__name__)

Entry = tuple[bytes, dict[bytes, bytes]]
CLAIM_CHECKS = 4  # looks for a dead worker's entries per `claim_idle_ms`


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class ClickWorker:
    def __init__(
        self,
        redis: Redis,
        writer: ClickWriter,
        *,
        consumer: str | None = None,
        batch_size: int = 500,
        batch_wait_ms: int = 0,
        claim_idle_ms: int = 30_000,
    ) -> None:
        self.redis = redis
        self.writer = writer
        self.consumer = consumer or consumer_name()
        self.batch_size = batch_size
        self.batch_wait_ms = batch_wait_ms
        self.claim_idle_ms = claim_idle_ms
        self._group_ready = False
        self._next_claim = 0.0  # time.monotonic() of the next look for stale entries

    async def ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def run_once(self, block_ms: int | None = None, *, fill: bool = False) -> int:
        """Store one batch (stale entries of dead workers first); returns entries handled.
        With `fill`, a batch that is not full waits up to `batch_wait_ms` for more."""
        await self.ensure_group()
        entries = await self._claim_stale()
        if not entries:
            entries = await self._read(self.batch_size, block_ms)
            if fill and 0 < len(entries) < self.batch_size:
                entries += await self._read_more(entries[0][0], self.batch_size - len(entries))
        if not entries:
            return 0
        await self._handle(entries)
        return len(entries)

    async def drain(self) -> int:
        """Handle everything waiting now, without waiting for more (tests, benchmarks,
        shutdown)."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def _read(self, count: int, block_ms: int | None) -> list[Entry]:
        response = await self.redis.xreadgroup(
            GROUP, self.consumer, {STREAM: ">"}, count=count, block=block_ms
        )
        return response[0][1] if response else []  # type: ignore[index,return-value]

    async def _read_more(self, oldest_id: bytes, count: int) -> list[Entry]:
        """What arrives until the oldest entry read is `batch_wait_ms` old."""
        delay = fill_delay(oldest_id, self.batch_wait_ms, time.time())
        if delay <= 0:
            return []
        await asyncio.sleep(delay)
        return await self._read(count, None)

    async def run_forever(self, stop: asyncio.Event, block_ms: int = 1000) -> None:
        log.info("click worker %s started", self.consumer)
        while not stop.is_set():
            try:
                await self.run_once(block_ms=block_ms, fill=True)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("click worker: redis unavailable (%s); retrying in 1s", exc)
                self._group_ready = False
                await asyncio.sleep(1)
            except ResponseError as exc:
                # NOGROUP: the stream or its group vanished (a flushed or replaced
                # Redis): create them again rather than failing every second forever.
                log.warning("click worker: %s; recreating the consumer group", exc)
                self._group_ready = False
                await asyncio.sleep(1)
            except Exception:
                log.exception("click worker: batch failed; it stays pending and is retried")
                await asyncio.sleep(1)
        log.info("click worker %s stopped", self.consumer)

    async def _claim_stale(self) -> list[Entry]:
        """Entries a dead worker left pending. Looked for a few times per `claim_idle_ms`
        (not before every batch: a round trip that almost always finds nothing), and
        again at once while there are more than a batch of them."""
        if time.monotonic() < self._next_claim:
            return []
        cursor, claimed, *_ = await self.redis.xautoclaim(
            STREAM,
            GROUP,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id="0-0",
            count=self.batch_size,
        )
        if cursor in (b"0-0", "0-0"):
            self._next_claim = time.monotonic() + self.claim_idle_ms / 1000 / CLAIM_CHECKS
        return [entry for entry in claimed if entry[1]]  # deleted entries come back empty

    async def _handle(self, entries: list[Entry]) -> None:
        batch: list[ClickFacts] = []
        for entry_id, fields in entries:
            try:
                batch.append(ClickFacts.from_stream(fields))
            except (KeyError, ValueError, TypeError, UnicodeDecodeError):
                # Set aside, not dropped: a layout this version cannot read (written by
                # a newer replica during an upgrade) can be replayed from there.
                log.error("stream entry %s is not a click: moved to %s", entry_id, UNREADABLE)
                await self.redis.xadd(UNREADABLE, fields, maxlen=100_000, approximate=True)  # type: ignore[arg-type]
        if batch:
            await self.writer.store(batch)
        ids = [entry_id for entry_id, _ in entries]
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip
            pipe.xack(STREAM, GROUP, *ids)
            pipe.xdel(STREAM, *ids)
            await pipe.execute()


def fill_delay(oldest_id: bytes, wait_ms: int, now: float) -> float:
    """Seconds to wait until the entry `oldest_id` is `wait_ms` old, by the time in its
    id (Redis's clock, in ms): never more than `wait_ms`, whatever the clocks say."""
    added_ms = int(oldest_id.split(b"-", 1)[0])
    age_ms = max(now * 1000 - added_ms, 0)
    return max(wait_ms - age_ms, 0) / 1000
