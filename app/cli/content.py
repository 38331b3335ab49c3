"""Commands about what employees share: import job offers (from a file or a careers
site's feed) and list, follow, cancel or retry broadcasts.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
from tqdm import tqdm

from app.broadcasts.report import OUTCOME_WORDS, CampaignReport
from app.cli.command import CommandError, progress_bar, read_file, with_runtime
from app.runtime import Runtime
from app.settings import Settings

if TYPE_CHECKING:
    from app.broadcasts.campaigns import Broadcasts


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
    if "://" in source:
        raise CommandError(f"cannot fetch {source}: only http(s) URLs are fetched")
    path = Path(source)
    try:
        too_large = path.stat().st_size > max_bytes
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc.strerror or exc}") from None
    if too_large:
        raise CommandError(_too_large(source, max_bytes))
    data = read_file(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"cannot read {source}: not UTF-8 text (byte {data[exc.start]:#04x} "
            f"at position {exc.start})"
        ) from None


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
    if args.action != "list" and args.broadcast_id is None:
        raise CommandError(f"broadcast {args.action} needs the broadcast's ID (see `list`)")

    async def go(runtime: Runtime) -> int:
        service = runtime.broadcasts
        if args.action == "list":
            _print_campaigns(await service.latest(args.limit))
            return 0
        if args.action == "cancel":
            print(f"{await service.cancel(args.broadcast_id)} pending delivery(ies) cancelled.")
            return 0
        if args.action == "retry-failed":
            print(f"{await service.retry_failed(args.broadcast_id)} delivery(ies) will be retried.")
            return 0
        report = await service.report(args.broadcast_id)
        if args.watch:
            report = await _watch(service, report)
        print(f"broadcast {report.broadcast_id} ({report.kind.value}: {report.title})")
        print(report.summary())
        return 0

    return with_runtime(settings, go)


async def _watch(service: Broadcasts, report: CampaignReport) -> CampaignReport:
    """Follow a campaign until nothing waits; the bar counts handled deliveries, which
    is not reached ones: the summary after it says what the campaign did."""
    bar = tqdm(desc=f"broadcast {report.broadcast_id} handled", file=sys.stderr)
    while True:
        bar.total = report.total
        bar.update(report.total - report.counts["waiting"] - bar.n)
        if report.outcome not in ("scheduled", "sending"):
            break
        await asyncio.sleep(1)
        report = await service.report(report.broadcast_id)
    bar.close()
    return report


def _print_campaigns(reports: list[CampaignReport]) -> None:
    if not reports:
        print("No broadcasts yet: publishing a job or news, or POST /api/v1/broadcasts, makes one.")
        return
    print(
        f"{'ID':>5}  {'KIND':12} {'TITLE':30} {'OUTCOME':17} {'CREATED':16} {'SEND AT':16} "
        f"{'REACHED':>9} {'SKIPPED':>7} {'FAILED':>6} {'WAITING':>7}"
    )
    for r in reports:
        counts = r.counts
        print(
            f"{r.broadcast_id:>5}  {r.label:12} {_cut(r.title, 30):30} "
            f"{OUTCOME_WORDS[r.outcome]:17} {r.created_at:%Y-%m-%d %H:%M} "
            f"{r.send_at:%Y-%m-%d %H:%M} {f'{r.sent}/{r.total}':>9} {counts['skipped']:>7} "
            f"{counts['failed']:>6} {counts['waiting']:>7}"
        )
    print(f"{len(reports)} broadcast(s). `portevoix broadcast status ID` says why.")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
