"""The `portevoix` command, run as a real subprocess against the test database."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import build_parser
from app.people.models import Employee, Role
from app.runtime import Runtime
from app.settings import Settings

COMMANDS = [
    "run",
    "worker",
    "migrate",
    "demo",
    "chat",
    "invite",
    "invites",
    "import-employees",
    "token",
    "scim-token",
    "import-jobs",
    "rebuild-leaderboards",
    "rebuild-analytics",
    "export",
]


def portevoix(
    *args: str,
    settings: Settings | None = None,
    env: dict[str, str] | None = None,
    stdout: int = subprocess.PIPE,
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ADMIN_TOKEN"):
        environment.pop(name, None)
    if settings is not None:
        environment.update(
            DATABASE_URL=settings.effective_database_url(),
            REDIS_URL=settings.redis_url,
            SECRET_KEY=settings.secret_key,
            DATA_DIR=str(settings.data_dir),
        )
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_help_lists_every_command() -> None:
    result = portevoix("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    for command in COMMANDS:
        with pytest.raises(SystemExit) as done:
            build_parser().parse_args([command, "--help"])
        assert done.value.code == 0


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PORT": "abc"}, "portevoix: invalid setting PORT"),
        ({"DATABASE_URL": "mysql://x/y"}, "portevoix: invalid setting DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@db/x"}, "portevoix: invalid settings: SECRET_KEY"),
        (
            {"TEAMS_APP_ID": "not-a-guid"},
            "portevoix: invalid setting TEAMS_APP_ID: expected a GUID",
        ),
        ({"INVITE_VALID_DAYS": "-3"}, "portevoix: invalid setting INVITE_VALID_DAYS: must be more"),
        ({"DATA_DIR": "/proc/no-such-dir"}, "portevoix: invalid setting DATA_DIR: cannot use"),
    ],
)
def test_bad_settings_stop_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = portevoix("migrate", env={"DATA_DIR": str(tmp_path), **env})
    assert result.returncode == 2
    assert result.stderr.startswith("portevoix: ") and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_migrate_reports_what_it_applied(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path)}
    first = portevoix("migrate", env=env)
    assert first.returncode == 0, first.stderr
    assert "applying portevoix.0001_initial" in first.stdout
    again = portevoix("migrate", env=env)
    assert "0 migration(s) applied" in again.stdout


async def test_invite_token_and_invites_csv(runtime: Runtime, settings: Settings) -> None:
    result = portevoix(
        "invite",
        "New.Hire@Example.com",
        "--name",
        "New Hire",
        "--department",
        "Sales",
        "--language",
        "fr",
        "--role",
        "recruiter",
        settings=settings,
    )
    assert result.returncode == 0, result.stderr
    assert "Telegram: no link: TELEGRAM_BOT_TOKEN is not set" in result.stdout
    employee = await Employee.get(email="new.hire@example.com")
    assert (employee.role, employee.department) == (Role.RECRUITER, "Sales")

    exported = portevoix("invites", "--format", "csv", settings=settings)
    [row] = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert row["email"] == "new.hire@example.com"
    assert row["message"].startswith("Bonjour New Hire")

    token = portevoix(
        "token", "--role", "recruiter", "--employee", employee.email, settings=settings
    ).stdout.strip()
    principal = await runtime.tokens.authenticate(token)
    assert principal is not None and principal.employee_id == employee.id

    unknown = portevoix("token", "--role", "admin", "--employee", "ghost@x.io", settings=settings)
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "portevoix: no employee with e-mail ghost@x.io"


async def test_import_employees_reports_bad_lines(runtime: Runtime, settings: Settings) -> None:
    sample = Path(__file__).parent / "people" / "samples" / "hr_export.csv"
    result = portevoix("import-employees", str(sample), settings=settings)
    assert result.returncode == 1  # some rows failed
    assert "5 rows (read as UTF-8, columns separated by ','): 3 created" in result.stdout
    assert "line 4: email" in result.stdout and "line 5: language" in result.stdout
    assert "employees: 100%" in result.stderr  # the progress bar
    assert await Employee.all().count() == 3
    missing = portevoix("import-employees", "/no/such.csv", settings=settings)
    assert missing.returncode == 1 and "cannot read /no/such.csv" in missing.stderr


async def test_import_employees_says_how_it_read_a_french_excel_file(
    runtime: Runtime, settings: Settings
) -> None:
    sample = Path(__file__).parent / "people" / "samples" / "excel_fr_windows1252.csv"
    result = portevoix("import-employees", "--quiet", str(sample), settings=settings)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "3 rows (read as Windows-1252, columns separated by ';'): 3 created"
    )
    assert (await Employee.get(email="helene.dupre@example.com")).name == "Hélène Dupré"


async def test_export_writes_the_gdpr_json(
    runtime: Runtime, settings: Settings, tmp_path: Path
) -> None:
    from tests.helpers import make_employee

    await make_employee(runtime)
    target = tmp_path / "ada.json"
    result = portevoix(
        "export", "employee", "ada@example.com", "--output", str(target), settings=settings
    )
    assert result.returncode == 0, result.stderr
    assert '"email": "ada@example.com"' in target.read_text()


def test_a_bad_rules_file_stops_with_its_line_and_reason(tmp_path: Path) -> None:
    import shutil

    from app.settings import config_dir

    config = tmp_path / "config"
    shutil.copytree(config_dir(), config)
    rules = config / "gamification.toml"
    rules.write_text(rules.read_text().replace('counter = "hires"', 'counter = "hirez"'))
    result = portevoix(
        "rebuild-leaderboards",
        env={"DATA_DIR": str(tmp_path), "PORTEVOIX_CONFIG_DIR": str(config)},
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "gamification.toml: line " in line and "counter: Input should be" in line
    assert "Traceback" not in result.stderr


async def test_rebuild_leaderboards_reports_what_it_read(
    runtime: Runtime, settings: Settings
) -> None:
    from tests.helpers import make_employee

    ada = await make_employee(runtime)
    await runtime.policy.accept(ada, "telegram")  # 10 points
    await runtime.redis.flushdb()
    result = portevoix("rebuild-leaderboards", "--quiet", settings=settings)
    assert result.returncode == 0, result.stderr
    assert "rebuilt from 1 ledger groups" in result.stdout
    if settings.redis_url:  # the embedded Redis lives in the subprocess only
        top = await runtime.gamification.leaderboard("all", "company", "all")
        assert [(s.employee_id, s.points) for s in top] == [(ada.id, 10)]


async def test_rebuild_analytics_recounts_the_click_rollups(
    runtime: Runtime, settings: Settings
) -> None:
    from app.referrals.models import Channel, ClickByChannel, ContentType
    from tests.helpers import make_open_job, make_sharer, someone_opens

    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    await someone_opens(runtime, share.code)
    await ClickByChannel.all().update(raw_clicks=50)  # a roll-up gone wrong
    result = portevoix("rebuild-analytics", "--quiet", settings=settings)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Click roll-ups rebuilt from the clicks of 1 month(s).\n"
    counts = await ClickByChannel.all().values_list("grain", "raw_clicks", "unique_clicks")
    assert sorted(counts) == [("d", 1, 1), ("m", 1, 1)]


def one_line_failure(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    """The single stderr line of a command that failed as an operator should see it."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    return line


async def test_a_malformed_email_is_one_line_and_invites_nobody(
    runtime: Runtime, settings: Settings
) -> None:
    result = portevoix("invite", "not-an-email", "--name", "X", settings=settings)
    line = one_line_failure(result)
    assert line == (
        "portevoix: cannot invite 'not-an-email': email: value is not a valid email "
        "address: An email address must have an @-sign."
    )
    blank = portevoix("invite", "ok@example.com", "--name", " ", settings=settings)
    assert "name: String should have at least 1 character" in one_line_failure(blank)
    assert await Employee.all().count() == 0


async def test_a_token_never_grants_more_than_its_employees_role(
    runtime: Runtime, settings: Settings
) -> None:
    from app.people.models import ApiToken
    from tests.helpers import make_employee

    ada = await make_employee(runtime)  # an ordinary employee
    refused = portevoix("token", "--role", "admin", "--employee", ada.email, settings=settings)
    assert one_line_failure(refused) == (
        "portevoix: ada@example.com is employee: their token cannot be admin "
        "(change their role first)"
    )
    assert refused.stdout == ""
    assert await ApiToken.all().count() == 0
    again = portevoix("invite", ada.email, "--name", "Ada", "--role", "admin", settings=settings)
    assert again.returncode == 0 and f"Invite for Ada Lovelace <{ada.email}> (employee)" in (
        again.stdout
    )
    assert again.stderr == (
        f"portevoix: {ada.email} already exists as Ada Lovelace (employee); invited as is "
        "(change people with the API)\n"
    )
    assert (await Employee.get(id=ada.id)).role == Role.EMPLOYEE
    grace = await make_employee(runtime, "grace@example.com", "Grace", role=Role.ADMIN)
    lower = portevoix("token", "--role", "recruiter", "--employee", grace.email, settings=settings)
    principal = await runtime.tokens.authenticate(lower.stdout.strip())
    assert principal is not None and principal.role == Role.RECRUITER


async def test_a_reader_that_closes_the_pipe_is_no_error(
    runtime: Runtime, settings: Settings
) -> None:
    """`portevoix invites --format csv | head -1`: head has its line; nothing to report."""
    from tests.helpers import make_employee

    await make_employee(runtime)
    await runtime.people.invite((await Employee.get()).id)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first write
    try:
        result = portevoix("invites", "--format", "csv", settings=settings, stdout=write_end)
    finally:
        os.close(write_end)
    assert result.stderr == ""  # not "cannot reach a service"
    assert result.returncode == 141  # what a shell shows for a reader that went away


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["invites"],
            {"DATABASE_URL": "postgres://portevoix:hunter2@127.0.0.1:1/x"},
            "portevoix: cannot reach the database (postgres://portevoix:***@127.0.0.1:1/x): ",
        ),
        (
            ["rebuild-leaderboards"],
            {"REDIS_URL": "redis://:hunter2@127.0.0.1:1/0"},
            "portevoix: cannot reach Redis (redis://:***@127.0.0.1:1/0): Error 111",
        ),
    ],
)
def test_an_unreachable_server_is_named_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: str
) -> None:
    environment = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 32}
    assert portevoix("migrate", env=environment).returncode == 0  # the SQLite file is fine
    line = one_line_failure(portevoix(*args, env={**environment, **env}))
    assert line.startswith(expected)
    assert "hunter2" not in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["export", "employee", "ghost@x.io"], "portevoix: no employee ghost@x.io"),
        (["chat", "--as", "ghost@x.io"], "portevoix: no employee with e-mail ghost@x.io"),
        (["broadcast", "status", "9"], "portevoix: No broadcast with id 9."),
        (["import-employees", "/no/such.csv"], "portevoix: cannot read /no/such.csv: No such"),
        (["import-employees", sys.executable], "portevoix: This is not a text file"),
        (["import-jobs", "/no/such.json"], "portevoix: cannot read /no/such.json: No such"),
        (["import-jobs", "ftp://jobs.example"], "only http(s) URLs are fetched"),
        (["token", "--role", "god"], "portevoix token: argument --role: invalid choice: 'god'"),
        (["invite", "--name", "X"], "portevoix invite: the following arguments are required"),
        (["broadcast", "status", "abc"], "portevoix broadcast: argument ID: invalid int value"),
    ],
)
def test_wrong_input_is_one_clear_line(tmp_path: Path, args: list[str], expected: str) -> None:
    env = {"DATA_DIR": str(tmp_path), "DEMO_ON_EMPTY": "false"}
    assert portevoix("migrate", env=env).returncode == 0  # no migration logs in stderr
    result = portevoix(*args, env=env)
    usage = args[0] in ("token", "invite") or args[-1] == "abc"
    line = one_line_failure(result, 2 if usage else 1)
    assert expected in line


def test_a_file_that_cannot_be_written_is_named(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "TEAMS_APP_ID": "0d2f5c1e-7a41-4b8e-9c55-3f1b2a6d7e90"}
    result = portevoix("teams-manifest", "--output", "/no/such/dir/app.zip", env=env)
    assert one_line_failure(result) == (
        "portevoix: cannot write /no/such/dir/app.zip: No such file or directory"
    )


def test_an_unmigrated_database_says_what_to_run(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "s" * 32, "REDIS_URL": "redis://x:1/0"}
    line = one_line_failure(portevoix("invites", env=env))
    assert line.endswith("no such table: invite (run `portevoix migrate`)")


def test_run_on_a_taken_port_says_so(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"DATA_DIR": str(tmp_path), "DEMO_ON_EMPTY": "false", "PORT": str(port)}
        assert portevoix("migrate", env=env).returncode == 0  # no migration logs in stderr
        line = one_line_failure(portevoix("run", env=env))
    assert line.startswith(f"portevoix: cannot listen on 127.0.0.1:{port}: ")
    assert "address already in use" in line.lower()


def test_commands_run_on_uvloop_when_event_loop_says_so(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "EVENT_LOOP": "uvloop"}
    result = portevoix("migrate", env=env)
    assert result.returncode == 0, result.stderr
    assert "applying portevoix.0001_initial" in result.stdout


def test_an_unknown_event_loop_is_one_clear_line(tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path), "EVENT_LOOP": "trio"}
    line = one_line_failure(portevoix("migrate", env=env), code=2)
    assert line == (
        "portevoix: invalid setting EVENT_LOOP: Input should be 'asyncio' or 'uvloop' (got 'trio')"
    )


def test_the_event_loop_setting_picks_the_loop(settings: Settings) -> None:
    import uvloop

    from app.cli.command import loop_factory

    assert loop_factory(settings) is None  # asyncio's own, the default
    settings.event_loop = "uvloop"
    assert loop_factory(settings) is uvloop.new_event_loop
