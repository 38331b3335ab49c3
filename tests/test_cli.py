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
    "import-jobs",
    "rebuild-leaderboards",
    "export",
]


def portevoix(
    *args: str, settings: Settings | None = None, env: dict[str, str] | None = None
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
        capture_output=True,
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
    ],
)
def test_bad_settings_stop_with_one_clear_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = portevoix("migrate", env={**env, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().startswith(expected)
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
    assert "5 rows: 3 created" in result.stdout
    assert "line 4: email" in result.stdout and "line 5: language" in result.stdout
    assert "employees: 100%" in result.stderr  # the progress bar
    assert await Employee.all().count() == 3
    missing = portevoix("import-employees", "/no/such.csv", settings=settings)
    assert missing.returncode == 1 and "cannot read /no/such.csv" in missing.stderr


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
