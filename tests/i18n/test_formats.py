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
