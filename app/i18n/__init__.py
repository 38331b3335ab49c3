"""Translations: gettext catalogs for French and English, read with Babel.

The catalogs are the `.po` files beside this module (edit them, no compile step):
`translator(language)` gives the gettext function for an employee's language, falling
back to the English source text for anything not translated.

`LANGUAGES` is the one list of the languages the product speaks, each with its name in
itself (as a language picker shows it); `Language` is the same list as a type, for the
schemas and settings that accept a language.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

Language = Literal["en", "fr"]
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
DEFAULT_LANGUAGE: Language = "en"  # the source language of the catalogs' msgids
assert tuple(LANGUAGES) == get_args(Language), "LANGUAGES and Language list the same codes"
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


def supported(language: str | None) -> str:
    """`language` if the product speaks it, else English."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def translator(language: str | None) -> Callable[[str], str]:
    """The gettext function for `language` ("fr", "en"; anything else gives English)."""
    return _translations(supported(language)).gettext
