"""Form text into the API's input, for the dashboard's content and broadcast forms."""

from __future__ import annotations

from datetime import UTC, datetime

from multidict import MultiDict
from pydantic import ValidationError

from app.i18n import translator
from app.jobs.schemas import NewsCreate
from app.web.admin_forms import (
    Errors,
    at_value,
    closing_day,
    closing_day_value,
    field_errors,
    local_datetime,
    local_text,
    timing_of,
)

PARIS = "Europe/Paris"
NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
_ = translator("en")


def test_a_local_time_is_read_in_the_company_zone_summer_or_winter() -> None:
    assert local_datetime("2026-12-01T09:00", PARIS) == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert local_datetime("2026-07-01T09:00", PARIS) == datetime(2026, 7, 1, 7, tzinfo=UTC)
    assert local_datetime("2026-07-01T09:00+02:00", PARIS) is None  # not what the field sends
    assert local_datetime("07/01/2026 9am", PARIS) is None
    assert at_value(datetime(2026, 7, 1, 7, tzinfo=UTC), PARIS) == "2026-07-01T09:00"


def test_a_job_closing_on_a_day_stays_open_through_that_whole_day() -> None:
    closes = closing_day("2026-12-31", PARIS)
    assert closes == datetime(2026, 12, 31, 23, tzinfo=UTC)
    assert closing_day_value(closes, PARIS) == "2026-12-31"
    assert closing_day("31/12/2026", PARIS) is None


def test_times_are_written_without_day_month_ambiguity() -> None:
    moment = datetime(2026, 11, 8, 8, 5, tzinfo=UTC)
    assert local_text(moment, PARIS, "en") == "Nov 8, 2026, 09:05"
    assert local_text(moment, PARIS, "fr") == "8 nov. 2026, 09:05"


def test_a_schedule_must_be_a_future_time_and_a_choice_must_be_offered() -> None:
    def timing(**form: str) -> tuple[str, Errors]:
        errors: Errors = {}
        got = timing_of(MultiDict(form), ("now", "later"), PARIS, NOW, errors, _)
        return got.when, errors

    assert timing(when="now") == ("now", {})
    assert timing(when="later", at="2026-11-26T10:31") == ("later", {})  # 09:31 UTC
    assert timing(when="later", at="2026-11-26T10:30")[1] == {
        "at": "This time has passed: pick a later one, or choose now."
    }
    assert timing(when="draft")[1] == {"when": "Choose when."}


def test_schema_refusals_are_named_by_their_form_field_in_the_viewers_words() -> None:
    try:
        NewsCreate.model_validate(
            {"title": "", "url": "example", "captions": {"x": {"en": "y" * 3001}}}
        )
    except ValidationError as exc:
        errors = field_errors(exc, translator("fr"))
    assert errors == {
        "title": "Obligatoire.",
        "url": "Une adresse web commençant par https://",
        "captions.x.en": "3000 caractères au plus.",
    }
