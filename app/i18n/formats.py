"""Numbers, money, dates and the product's codes as a person reads them, per language.

One place for every surface (the dashboard first; the mini app, the bots and the public
pages can take it up): `formats_for(language, timezone)` gives a `Formats` whose methods
turn a value into text with Babel's CLDR data ("12,345" / "12 345", "€2,500" /
"2 500 €", "8 Nov" / "8 nov.") and a code into its label ("linkedin" → "LinkedIn",
"submitted" → "Submitted" / "Transmis", "fr" → "Français").

Dates are never all-numeric: "11-08" or "08/11" reads as two different days in English
and French, so every date names its month. English follows the British order ("8 Nov
2026"), which reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_currency, format_decimal, format_percent

from app.i18n import translator

LOCALES = {"en": "en_GB", "fr": "fr_FR"}

# Codes → the English text, which is also the gettext msgid (the catalogs translate it).
CHANNELS = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "teams": "Teams",
    "email": "E-mail",
    "copy": "Copied link",
    "chat": "Chat",
    "": "Direct",
}
STATUSES = {
    "pending_consent": "Waiting for consent",
    "submitted": "Submitted",
    "screening": "Screening",
    "interview": "Interview",
    "offer": "Offer",
    "hired": "Hired",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn",
    "duplicate": "Duplicate",
}
ROLES = {"employee": "Employee", "recruiter": "Recruiter", "admin": "Administrator"}
# A job's workplace and contract (`Workplace`, `EmploymentType` in app/jobs/models.py): the
# one table for the chat, the mini app, the previews and cards, and the content forms.
WORKPLACES = {"on_site": "On site", "hybrid": "Hybrid", "remote": "Remote"}
CONTRACTS = {
    "full_time": "Full time",
    "part_time": "Part time",
    "contract": "Fixed-term contract",
    "internship": "Internship",
    "temporary": "Temporary",
}
# Where one shares is named like the channel, except the copied link, which is an action.
SHARE_ACTIONS = {**CHANNELS, "copy": "Copy link"}


@dataclass(frozen=True)
class Formats:
    """Formatting for one language, dates shown in one time zone (the company's)."""

    language: str
    timezone: str
    _: Callable[[str], str] = field(repr=False, compare=False)

    @property
    def locale(self) -> str:
        return LOCALES.get(self.language, LOCALES["en"])

    # -- numbers --------------------------------------------------------------------------

    def number(self, value: float, digits: int = 0) -> str:
        """12345 → "12,345" / "12 345"; `digits` fixed decimals ("41.0" / "41,0")."""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, rate: float) -> str:
        """0.375 → "38%" / "38 %"."""
        return format_percent(rate, locale=self.locale)

    def money(self, amount: float, currency: str) -> str:
        """Whole units, the symbol where the language puts it: "€2,500" / "2 500 €"."""
        pattern = Locale.parse(self.locale).currency_formats["standard"].pattern
        whole = pattern.split(";")[0].replace(".00", "")
        return format_currency(
            round(amount), currency, format=whole, locale=self.locale, currency_digits=False
        )

    # -- dates ----------------------------------------------------------------------------

    def day(self, value: date) -> str:
        """ "8 Nov 2026" / "8 nov. 2026"."""
        return format_date(value, "medium", locale=self.locale)

    def short_day(self, value: date) -> str:
        """Without the year, for chart axes: "8 Nov" / "8 nov."."""
        return format_skeleton("MMMd", value, locale=self.locale)

    def days(self, start: date, end: date) -> str:
        """A period, the shared parts said once: "28 Oct – 26 Nov 2026"."""
        return format_interval(start, end, "yMMMd", locale=self.locale)

    def moment(self, value: datetime) -> str:
        """A point in time in the company's zone: "8 Nov 2026, 14:05" / "8 nov. 2026, 14:05"."""
        local = value.astimezone(ZoneInfo(self.timezone)) if value.tzinfo else value
        glue = Locale.parse(self.locale).datetime_formats["medium"]
        return str(glue).format(
            format_time(local, "short", locale=self.locale), self.day(local.date())
        )

    def moment_iso(self, value: datetime) -> str:
        """The same moment for a `<time datetime>` attribute."""
        return value.isoformat(timespec="minutes")

    # -- labels ---------------------------------------------------------------------------

    def language_name(self, code: str) -> str:
        """ "fr" → "Français" (in English: "French"), capitalised as a label."""
        try:
            name = Locale.parse(code).get_display_name(self.locale) or code
        except (ValueError, TypeError, UnknownLocaleError):
            return code
        return name[:1].upper() + name[1:]

    def channel(self, code: str) -> str:
        return self._(CHANNELS[code]) if code in CHANNELS else code.capitalize()

    def share_on(self, code: str) -> str:
        """The channel as a share button names it ("LinkedIn", "Copy link")."""
        return self._(SHARE_ACTIONS[code]) if code in SHARE_ACTIONS else code.capitalize()

    def workplace(self, code: str) -> str:
        return self._(WORKPLACES[code]) if code in WORKPLACES else code

    def contract(self, code: str) -> str:
        return self._(CONTRACTS[code]) if code in CONTRACTS else code

    def status(self, code: str) -> str:
        return self._(STATUSES[code]) if code in STATUSES else code

    def role(self, code: str) -> str:
        return self._(ROLES[code]) if code in ROLES else code


@cache
def formats_for(language: str, timezone: str) -> Formats:
    """The formats of `language` ("en", "fr"; anything else is English) in `timezone`."""
    return Formats(language if language in LOCALES else "en", timezone, translator(language))
