"""What a broadcast did: whom it reached, whom it skipped and why, what failed, what waits.

One definition for every surface (`portevoix broadcast`, `/api/v1/broadcasts`, the
dashboard): a campaign whose deliveries were all skipped is "done" for the sender, but
it reached nobody, and each surface must say so rather than show a full bar.

Counts are deliveries: one per recipient and chat account, or one per person skipped
before any account was chosen (no chat account, opted out, left).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from app.broadcasts.models import BroadcastKind, BroadcastStatus, DeliveryStatus

Outcome = Literal[
    "scheduled", "sending", "cancelled", "reached_everyone", "reached_some", "reached_nobody"
]

# The reasons stored on deliveries (stable codes, kept in the API) in a person's words.
REASON_WORDS = {
    "no channel": "no chat account",
    "opted out": "opted out",
    "left company": "left the company",
    "channel not configured": "channel not configured",
    "content closed": "content closed",
    "cancelled": "cancelled",
    "unreachable": "blocked the bot",
    "gave up after retries": "gave up after retries",
    "quiet hours deferred": "quiet hours",
    "frequency cap deferred": "daily cap",
    "rate limited": "rate limit",
    "throttled": "throttled by the platform",
    "retrying": "retrying",
    "": "queued",
}
OUTCOME_WORDS: dict[Outcome, str] = {
    "scheduled": "scheduled",
    "sending": "sending",
    "cancelled": "cancelled",
    "reached_everyone": "reached everyone",
    "reached_some": "reached some",
    "reached_nobody": "reached nobody",
}


def reason_words(reason: str) -> str:
    return REASON_WORDS.get(reason, reason)


@dataclass(frozen=True)
class CampaignReport:
    broadcast_id: int
    kind: BroadcastKind
    content_id: int | None
    title: str
    status: BroadcastStatus
    created_at: datetime
    send_at: datetime
    finished_at: datetime | None
    reminder: bool = False  # an admin's daily reminder (`broadcast.REMINDER_KEY`)
    targeting: dict[str, list[str]] | None = None  # an announcement's `Recipients`
    sent: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason code -> deliveries
    failed: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)  # pending or in flight, by reason
    statuses: dict[str, int] = field(default_factory=dict)  # deliveries by stored status

    @classmethod
    def tally(
        cls, rows: list[tuple[DeliveryStatus, str, int]], **broadcast: object
    ) -> CampaignReport:
        """From (status, reason, deliveries) rows of one broadcast."""
        sent = 0
        skipped: dict[str, int] = {}
        failed: dict[str, int] = {}
        waiting: dict[str, int] = {}
        statuses = {status.value: 0 for status in DeliveryStatus}
        for status, reason, count in rows:
            statuses[status.value] += count
            if status == DeliveryStatus.SENT:
                sent += count
                continue
            bucket = {DeliveryStatus.SKIPPED: skipped, DeliveryStatus.FAILED: failed}.get(
                status, waiting
            )
            bucket[reason] = bucket.get(reason, 0) + count
        return cls(
            sent=sent,
            skipped=skipped,
            failed=failed,
            waiting=waiting,
            statuses=statuses,
            **broadcast,  # type: ignore[arg-type]
        )

    @property
    def label(self) -> str:
        """What the campaign is, as the CLI lists it: its kind, or `reminder`."""
        return "reminder" if self.reminder else self.kind.value

    @property
    def total(self) -> int:
        return (
            self.sent
            + sum(self.skipped.values())
            + sum(self.failed.values())
            + sum(self.waiting.values())
        )

    @property
    def counts(self) -> dict[str, int]:
        """Deliveries by status (every status present, 0 when none)."""
        return {
            "sent": self.sent,
            "skipped": sum(self.skipped.values()),
            "failed": sum(self.failed.values()),
            "waiting": sum(self.waiting.values()),
        }

    @property
    def outcome(self) -> Outcome:
        if self.status == BroadcastStatus.SCHEDULED:
            return "scheduled"
        if self.status == BroadcastStatus.CANCELLED:
            return "cancelled"
        if self.status == BroadcastStatus.SENDING:
            return "sending"
        if self.sent and self.sent == self.total:
            return "reached_everyone"
        return "reached_some" if self.sent else "reached_nobody"

    def shares(self) -> dict[str, int]:
        """Whole percentages of the deliveries per count, for a bar in four parts."""
        total = self.total
        return {name: round(100 * n / total) if total else 0 for name, n in self.counts.items()}

    def summary(self) -> str:
        """One line: `done, reached nobody: 0 of 50 reached; 50 skipped (no chat account 50)`."""
        parts = [f"{self.sent} of {self.total} reached"]
        for name, reasons in (
            ("skipped", self.skipped),
            ("failed", self.failed),
            ("waiting", self.waiting),
        ):
            if reasons:
                why = ", ".join(f"{reason_words(r)} {n}" for r, n in sorted(reasons.items()))
                parts.append(f"{sum(reasons.values())} {name} ({why})")
        outcome = OUTCOME_WORDS[self.outcome]
        state = (
            self.status.value if outcome == self.status.value else f"{self.status.value}, {outcome}"
        )
        return f"{state}: " + "; ".join(parts)
