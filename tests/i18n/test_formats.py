"""app/i18n/formats.py: what a number, an amount, a date or a code reads as, per language."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.i18n.formats import formats_for

NNBSP, NBSP, THIN = "\u202f", "\xa0", "\u2009"


def test_numbers_and_money_follow_the_language() -> None:
    en, fr = formats_for("en", "Europe/Paris"), formats_for("fr", "Europe/Paris")
    assert (en.number(12345), fr.number(12345)) == ("12,345", f"12{NNBSP}345")
    assert (en.number(41, 1), fr.number(41, 1)) == ("41.0", "41,0")
    assert (en.percent(0.375), fr.percent(0.375)) == ("38%", f"38{NBSP}%")
    assert (en.money(2500, "EUR"), fr.money(2500, "EUR")) == ("€2,500", f"2{NNBSP}500{NBSP}€")
    assert en.money(2499.6, "USD") == "US$2,500"  # whole units


def test_dates_always_name_their_month() -> None:
    en, fr = formats_for("en", "Europe/Paris"), formats_for("fr", "Europe/Paris")
    day = date(2026, 11, 8)
    assert (en.short_day(day), fr.short_day(day)) == ("8 Nov", "8 nov.")  # not "11-08"
    assert (en.day(day), fr.day(day)) == ("8 Nov 2026", "8 nov. 2026")
    assert en.days(date(2026, 10, 28), date(2026, 11, 26)) == f"28 Oct{THIN}–{THIN}26 Nov 2026"
    # A moment is shown in the company's time zone: 23:30 UTC is the next day in Paris.
    late = datetime(2026, 11, 8, 23, 30, tzinfo=UTC)
    assert (en.moment(late), fr.moment(late)) == ("9 Nov 2026, 00:30", "9 nov. 2026, 00:30")


def test_codes_read_as_words() -> None:
    en, fr = formats_for("en", "Europe/Paris"), formats_for("fr", "Europe/Paris")
    assert [en.channel(c) for c in ("linkedin", "x", "whatsapp", "email", "")] == [
        "LinkedIn",
        "X",
        "WhatsApp",
        "E-mail",
        "Direct",
    ]
    assert (en.status("submitted"), fr.status("submitted")) == ("Submitted", "Transmise")
    assert (en.role("admin"), fr.role("admin")) == ("Administrator", "Administrateur·rice")
    assert (en.language_name("fr"), fr.language_name("fr")) == ("French", "Français")
    # Something new keeps its code rather than failing the page.
    assert (en.channel("mastodon"), en.status("parked"), en.language_name("zz")) == (
        "Mastodon",
        "parked",
        "zz",
    )


def test_a_language_we_do_not_speak_gets_english() -> None:
    assert formats_for("de", "Europe/Paris").money(10, "EUR") == "€10"


# -- one definition of each label, the same on every surface --------------------------------


def test_every_workplace_and_contract_has_one_label_translated_in_both_languages() -> None:
    from app.i18n.formats import CONTRACTS, WORKPLACES
    from app.jobs.models import EmploymentType, Workplace

    assert set(WORKPLACES) == {w.value for w in Workplace}
    assert set(CONTRACTS) == {c.value for c in EmploymentType}
    en, fr = formats_for("en", "Europe/Paris"), formats_for("fr", "Europe/Paris")
    for code, english in WORKPLACES.items():
        assert en.workplace(code) == english
        assert fr.workplace(code) not in ("", english)  # translated, not the msgid
    for code, english in CONTRACTS.items():
        assert en.contract(code) == english
        assert fr.contract(code) not in ("", english)
    assert (fr.workplace("remote"), fr.contract("contract")) == ("Télétravail", "CDD")


def test_the_mini_app_and_the_previews_label_a_job_as_the_table_does() -> None:
    from types import SimpleNamespace

    from app.i18n import LANGUAGES, translator
    from app.i18n.formats import CONTRACTS, WORKPLACES
    from app.web.miniapp import labels
    from app.web.previews import job_facts

    for language in LANGUAGES:
        formats, shown = formats_for(language, "Europe/Paris"), labels(language)
        for workplace in WORKPLACES:
            assert shown[workplace] == formats.workplace(workplace)
        for contract in CONTRACTS:
            assert shown[contract] == formats.contract(contract)
            job = SimpleNamespace(
                department="", location="", workplace=workplace, employment_type=contract
            )
            facts = job_facts(job, translator(language))  # type: ignore[arg-type]
            assert facts == [formats.workplace(workplace), formats.contract(contract)]


def test_every_channel_has_one_name_and_the_mini_app_takes_it_from_the_server() -> None:
    from pathlib import Path

    from app.i18n.formats import CHANNELS, SHARE_ACTIONS
    from app.referrals.models import Channel

    assert {c.value for c in Channel} <= set(CHANNELS) <= set(SHARE_ACTIONS)
    en, fr = formats_for("en", "Europe/Paris"), formats_for("fr", "Europe/Paris")
    assert (en.share_on("linkedin"), en.share_on("copy"), fr.share_on("copy")) == (
        "LinkedIn",
        "Copy link",
        "Copier le lien",
    )
    script = (Path(__file__).parents[2] / "app/web/static/app/app.js").read_text()
    assert '"LinkedIn"' not in script and '"WhatsApp"' not in script


def test_one_language_list() -> None:
    from pathlib import Path
    from typing import get_args

    from app.i18n import LANGUAGES, Language, supported, translator
    from app.i18n.formats import LOCALES

    assert tuple(LANGUAGES) == get_args(Language) == tuple(LOCALES)
    assert LANGUAGES == {"en": "English", "fr": "Français"}  # each in its own language
    assert (supported("fr"), supported("de"), supported(None)) == ("fr", "en", "en")
    assert translator("de")("Remote") == "Remote"
    script = (Path(__file__).parents[2] / "app/web/static/app/app.js").read_text()
    assert "Français" not in script
