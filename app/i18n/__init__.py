"""Translations: gettext catalogs for French and English, read with Babel.

The catalogs are the `.po` files beside this module (edit them, no compile step):
`translator(language)` gives the gettext function for an employee's language, falling
back to the English source text for anything not translated.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "fr")
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}  # each in itself, for a language picker
DOMAIN = "messages"
CATALOGS = Path(__file__).parent


@cache
def _translations(language: str) -> NullTranslations:
    path = CATALOGS / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def translator(language: str | None) -> Callable[[str], str]:
    """The gettext function for `language` ("fr", "en"; anything else gives English)."""
    return _translations(language or "en").gettext
