"""Keeping Porte-voix's job offers in step with an ATS job board or a careers feed.

An import is a sync, safe to run from cron as often as one likes:
- a job of the source that Porte-voix does not know is created and opened (a job board
  lists only open jobs), keyed by (source, external id);
- a known job takes the source's title, description, department, location, workplace,
  employment type, language and apply URL; what recruiters add in Porte-voix (targeting,
  referral points, closing date) is theirs and survives every import;
- a known job that was closed and is back in the source is opened again;
- an open job of the same source that the source no longer lists is closed.

The whole source is read first, so a malformed one is refused before anything is
written, and the writes share one transaction: an import applies entirely or not at all.

Jobs are keyed by the kind of source, not by its URL: Porte-voix follows one Greenhouse
board, one Lever site and one feed. Importing a second board of the same kind would close
the first one's jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError

from app.db import transaction
from app.errors import Conflict, InvalidTransition
from app.jobs.importers import ParsedSource, Skipped, SourceJob, parse_source
from app.jobs.models import ContentSource, JobOffer, JobStatus
from app.jobs.schemas import JobUpdate
from app.jobs.service import ContentService

# What an import owns on a job; every other field belongs to the recruiters.
SOURCE_FIELDS = (
    "title",
    "description",
    "department",
    "location",
    "workplace",
    "employment_type",
    "language",
    "apply_url",
)
SOURCE_NAMES = {
    ContentSource.GREENHOUSE: "Greenhouse job board",
    ContentSource.LEVER: "Lever postings",
    ContentSource.FEED: "RSS/Atom feed",
}


class ConcurrentImport(Conflict):
    code = "concurrent_import"


@dataclass
class JobImportReport:
    source: ContentSource
    entries: int = 0  # = created + updated + reopened + unchanged + skipped
    created: int = 0
    updated: int = 0
    reopened: int = 0
    unchanged: int = 0
    closed: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{SOURCE_NAMES[self.source]}, {self.entries} entries: {self.created} created, "
            f"{self.updated} updated, {self.reopened} reopened, {self.unchanged} unchanged, "
            f"{self.closed} closed, {len(self.skipped)} skipped"
        )


Progress = Callable[[int, int], None]


class JobImport:
    def __init__(self, content: ContentService) -> None:
        self.content = content

    async def run(self, text: str, progress: Progress | None = None) -> JobImportReport:
        """Sync the jobs of this source with `text`; raises MalformedSource untouched."""
        parsed = parse_source(text)
        report = JobImportReport(
            parsed.source,
            entries=len(parsed.jobs) + len(parsed.skipped),
            skipped=list(parsed.skipped),
        )
        try:
            async with transaction():
                await self._apply(parsed, report, progress or _silent)
        except IntegrityError:
            raise ConcurrentImport(
                "Another import of this source wrote the same jobs at the same time; "
                "nothing was changed by this one, run it again."
            ) from None
        return report

    async def _apply(
        self, parsed: ParsedSource, report: JobImportReport, progress: Progress
    ) -> None:
        known = {
            job.external_id: job
            for job in await JobOffer.filter(source=parsed.source, external_id__not_isnull=True)
        }
        present = parsed.present_ids()
        vanished = [
            job
            for external_id, job in known.items()
            if external_id not in present and job.status == JobStatus.OPEN
        ]
        total = len(parsed.jobs) + len(vanished)
        for done, entry in enumerate(parsed.jobs, start=1):
            await self._upsert(parsed.source, entry, known.get(entry.external_id), report)
            progress(done, total)
        for done, job in enumerate(vanished, start=len(parsed.jobs) + 1):
            await self.content.close_job(job.id)
            report.closed += 1
            progress(done, total)

    async def _upsert(
        self,
        source: ContentSource,
        entry: SourceJob,
        job: JobOffer | None,
        report: JobImportReport,
    ) -> None:
        if job is None:
            created = await self.content.create_job(
                entry.draft, source=source, external_id=entry.external_id
            )
            await self.content.publish_job(created.id)
            report.created += 1
            return
        reopening = job.status != JobStatus.OPEN
        if reopening:
            try:
                await self.content.publish_job(job.id)
            except InvalidTransition as exc:
                report.skipped.append(Skipped(entry.position, entry.external_id, exc.message))
                return
        changed = _changed_fields(job, entry)
        if changed:
            await self.content.update_job(job.id, JobUpdate.model_validate(changed))
        if reopening:
            report.reopened += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1


def _changed_fields(job: JobOffer, entry: SourceJob) -> dict[str, Any]:
    """The source's values that differ from the job's (URLs compared as stored text)."""
    draft = entry.draft
    changed = {}
    for name in SOURCE_FIELDS:
        value = getattr(draft, name)
        stored = str(value) if name == "apply_url" and value is not None else value
        if getattr(job, name) != (stored if stored is not None else ""):
            changed[name] = value
    return changed


def _silent(done: int, total: int) -> None:
    pass
