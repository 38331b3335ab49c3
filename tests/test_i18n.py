"""Translations for an employee's language."""

from app.i18n import translator

INVITE = (
    "Hello {name}, join {company} advocacy on Telegram: {link} (or give the code "
    "{code} to the Teams bot). This invitation expires on {expires}."
)


def test_french_is_translated() -> None:
    assert translator("fr")(INVITE).startswith("Bonjour {name}")


def test_english_and_unknown_languages_fall_back_to_the_source() -> None:
    assert translator("en")(INVITE) == INVITE
    assert translator("de")(INVITE) == INVITE
    assert translator(None)(INVITE) == INVITE
