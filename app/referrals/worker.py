"""The click worker: drains the `clicks` stream into the database.

It reads with a consumer group, stores a batch, and only then acknowledges it, so a
worker killed mid-batch loses nothing: its unacknowledged entries are claimed by any
worker (or itself, restarted) once they have been idle for `claim_idle_ms`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.referrals.clicks import GROUP, STREAM, UNREADABLE, ClickFacts
from app.referrals.writer import ClickWriter

log = logging.getLogger(__name__)


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
        claim_idle_ms: int = 30_000,
    ) -> None:
        self.redis = redis
        self.writer = writer
        self.consumer = consumer or consumer_name()
        self.batch_size = batch_size
        self.claim_idle_ms = claim_idle_ms
        self._group_ready = False

    async def ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            await self.redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    async def run_once(self, block_ms: int | None = None) -> int:
        """Store one batch (stale entries of dead workers first); returns entries handled."""
        await self.ensure_group()
        entries = await self._claim_stale()
        if not entries:
            response = await self.redis.xreadgroup(
                GROUP, self.consumer, {STREAM: ">"}, count=self.batch_size, block=block_ms
            )
            entries = response[0][1] if response else []  # type: ignore[index,assignment]
        if not entries:
            return 0
        await self._handle(entries)
        return len(entries)

    async def drain(self) -> int:
        """Handle everything waiting now (tests, benchmarks, shutdown)."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def run_forever(self, stop: asyncio.Event, block_ms: int = 1000) -> None:
        log.info("click worker %s started", self.consumer)
        while not stop.is_set():
            try:
                await self.run_once(block_ms=block_ms)
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

    async def _claim_stale(self) -> list[tuple[bytes, dict[bytes, bytes]]]:
        result = await self.redis.xautoclaim(
            STREAM,
            GROUP,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id="0-0",
            count=self.batch_size,
        )
        return [entry for entry in result[1] if entry[1]]  # deleted entries come back empty

    async def _handle(self, entries: list[tuple[bytes, dict[bytes, bytes]]]) -> None:
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
        await self.redis.xack(STREAM, GROUP, *ids)
        await self.redis.xdel(STREAM, *ids)
