"""Commands about what employees share: import job offers (from a file or a careers
site's feed) and follow, cancel or retry a broadcast.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import aiohttp
from tqdm import tqdm

from app.cli.command import CommandError, progress_bar, with_runtime
from app.runtime import Runtime
from app.settings import Settings


def import_jobs_cmd(settings: Settings, args: argparse.Namespace) -> int:
    text = _read_source(args.source, args.timeout, settings.import_max_bytes)
    progress = progress_bar(args.quiet)

    async def go(runtime: Runtime) -> int:
        report = await runtime.job_import.run(
            text, progress=lambda done, total: progress("jobs", done, total)
        )
        print(report.summary())
        for skipped in report.skipped:
            print(f"  skipped {skipped}")
        return 0

    return with_runtime(settings, go)


def _read_source(source: str, timeout: float, max_bytes: int) -> str:
    """The text of a file, or of an http(s) URL (fetched before the database is opened),
    refused beyond IMPORT_MAX_BYTES."""
    if source.startswith(("http://", "https://")):
        return asyncio.run(_fetch(source, aiohttp.ClientTimeout(total=timeout), max_bytes))
    try:
        path = Path(source)
        if path.stat().st_size > max_bytes:
            raise CommandError(_too_large(source, max_bytes))
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {source}: {exc}") from None


def _too_large(source: str, max_bytes: int) -> str:
    return f"cannot import {source}: larger than {max_bytes:,} bytes (IMPORT_MAX_BYTES)"


async def _fetch(url: str, limit: aiohttp.ClientTimeout, max_bytes: int) -> str:
    """The answer's text, read in chunks and abandoned as soon as it passes `max_bytes`
    (a feed that never ends must not fill the memory)."""
    headers = {
        "Accept": "application/json, application/rss+xml, application/atom+xml, */*;q=0.5",
        "User-Agent": "Porte-voix job import",
    }
    try:
        async with (
            aiohttp.ClientSession(timeout=limit) as session,
            session.get(url, headers=headers) as response,
        ):
            if response.status >= 400:
                raise CommandError(f"cannot fetch {url}: HTTP {response.status} {response.reason}")
            if (response.content_length or 0) > max_bytes:
                raise CommandError(_too_large(url, max_bytes))
            body = bytearray()
            async for chunk in response.content.iter_chunked(65_536):
                body += chunk
                if len(body) > max_bytes:
                    raise CommandError(_too_large(url, max_bytes))
            return body.decode(response.get_encoding())
    except TimeoutError:
        raise CommandError(f"cannot fetch {url}: no answer within {limit.total:g} s") from None
    except (aiohttp.ClientError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot fetch {url}: {exc}") from None


def broadcast_cmd(settings: Settings, args: argparse.Namespace) -> int:
    from app.bots.broadcast import Broadcasts
    from app.bots.engine import limits_from

    async def go(runtime: Runtime) -> int:
        service = Broadcasts(runtime, limits_from(settings))
        if args.action == "cancel":
            print(f"{await service.cancel(args.broadcast_id)} pending delivery(ies) cancelled.")
            return 0
        if args.action == "retry-failed":
            print(f"{await service.retry_failed(args.broadcast_id)} delivery(ies) will be retried.")
            return 0
        bar = None
        while True:
            broadcast = await service.get(args.broadcast_id)
            counts = await service.counts(broadcast.id)
            total = sum(counts.values())
            finished = total - counts["pending"] - counts["sending"]
            if bar is None:
                bar = tqdm(total=total, desc=f"broadcast {broadcast.id}", file=sys.stderr)
            bar.total = total
            bar.update(finished - bar.n)
            if not args.watch or broadcast.status.value in ("done", "cancelled"):
                break
            await asyncio.sleep(1)
        bar.close()
        print(f"{broadcast.status.value}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        for reason, count in (await service.skipped_reasons(broadcast.id)).items():
            print(f"  skipped ({reason}): {count}")
        return 0

    return with_runtime(settings, go)
