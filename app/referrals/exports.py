"""Every consented referral as CSV, streamed: the dashboard's and the API's export.

An export of 100,000 referrals must take about a second and never sit whole in memory
(issue 16), which rules out an ORM object per row and even Python formatting each cell:
decoding the rows alone took longer than that. So the database writes the cells. One
SELECT (`CELLS`) joins each referral to its job, referrer and candidate and turns every
value into the text the CSV carries, text that a spreadsheet would evaluate already
quoted (`app.csv_export.neutral_sql`, the same rule as `neutral`); PostgreSQL then formats
each page as CSV itself (`COPY … TO STDOUT`), and SQLite's rows go through the usual
writer (`csv_block`, whose neutralising leaves those cells as they are).

Pages are keyset pages of `page_size` referrals in id order (each starts after the last
id of the one before, so the last page costs what the first does). Each page's text is
handed to the response as soon as it is made: the process holds one page, whatever the
size of the export. A referral that moves while an export runs is written as it was when
its page was read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from tortoise.backends.base.client import BaseDBAsyncClient

from app.csv_export import csv_block, csv_lines, neutral_sql
from app.db import copy_csv
from app.referrals.models import Referral
from app.referrals.pipeline import VISIBLE

PAGE_SIZE = 5_000
HEADER = [
    "referral_id", "job_id", "job_title", "referrer_id", "referrer_name",
    "department", "channel", "source", "status", "prior_applicant",
    "candidate_name", "candidate_email", "created_at", "submitted_at",
    "interview_at", "offer_at", "hired_at", "bonus_status",
]  # fmt: skip
TIMES = ("created_at", "submitted_at", "interview_at", "offer_at", "hired_at")
VISIBLE_SQL = "r.status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(VISIBLE)))

# A time as Python's isoformat() of the UTC time Tortoise returns
# ("2026-12-07T09:30:00.123456+00:00", no fraction when there is none). SQLite stores
# exactly that with a space for the T (app.db).
ISO_TIME = {
    "postgres": "replace(to_char({t} AT TIME ZONE 'UTC', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), '.000000+', '+')",
    "sqlite": "replace({t}, ' ', 'T')",
}


def cells_sql(dialect: str) -> str:
    """The SELECT of every visible referral's cells, in HEADER's order."""
    times = ", ".join(ISO_TIME[dialect].format(t=f"r.{t}") for t in TIMES)
    return f"""
        SELECT r.id, r.job_id, {neutral_sql("j.title")}, r.referrer_id,
            {neutral_sql("e.name")}, {neutral_sql("r.department")},
            {neutral_sql("r.channel")}, r.source, r.status,
            CASE WHEN r.prior_applicant THEN 'yes' ELSE 'no' END,
            {neutral_sql("c.name")}, {neutral_sql("c.email")}, {times}, r.bonus_status
        FROM referral r
        JOIN candidate c ON c.id = r.candidate_id
        LEFT JOIN employee e ON e.id = r.referrer_id
        LEFT JOIN job_offer j ON j.id = r.job_id
        WHERE {VISIBLE_SQL}"""


async def referrals_csv(page_size: int = PAGE_SIZE) -> AsyncIterator[str]:
    """The header line, then the lines of each page of `page_size` referrals, by id."""
    connection: BaseDBAsyncClient = Referral._meta.db
    dialect = connection.capabilities.dialect
    yield "".join(csv_lines(HEADER, []))
    after = 0
    while (last := await _page_end(connection, after, page_size)) is not None:
        page = f"{cells_sql(dialect)} AND r.id > {after} AND r.id <= {last} ORDER BY r.id"
        if dialect == "postgres":
            yield await copy_csv(connection, page)
        else:
            _count, rows = await connection.execute_query(page)
            yield csv_block(tuple(row) for row in rows)
        after = last


async def _page_end(connection: BaseDBAsyncClient, after: int, page_size: int) -> int | None:
    """The id of the last of the next `page_size` visible referrals after `after`."""
    _count, rows = await connection.execute_query(
        f"SELECT MAX(id) FROM (SELECT r.id FROM referral r WHERE {VISIBLE_SQL} "
        f"AND r.id > {int(after)} ORDER BY r.id LIMIT {int(page_size)}) AS page"
    )
    last = rows[0][0] if rows else None
    return int(last) if last is not None else None
