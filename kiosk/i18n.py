"""Translations for every guest-visible text, in English, Dutch, German and French.

One mechanism for every layer (core has no Qt, so Qt's ``tr`` is not it): gettext
catalogues kept as ``.po`` files in ``resources/locale/<lang>/<domain>.po``, compiled in
memory by Babel when first used (no build step). English is the source language: the
msgid is the English text, so ``en`` needs no catalogue.

Each package owns a domain (``core``, ``scan``, ``ui``, ``attendant``, ...)::

    from kiosk.i18n import Translator
    _ = Translator("ui")
    _("Start charging")                       # current language
    _("{kw} kW", kw=11)                       # str.format placeholders
    _.n("{n} charger", "{n} chargers", 3)     # plurals
    _("Start charging", lang="de")            # explicit language

``tests/test_i18n.py`` extracts every ``_()`` / ``_.n()`` call and fails when a message
lacks a translation in any language.
"""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from kiosk.paths import resources_dir

LANGUAGES: tuple[str, ...] = ("en", "nl", "de", "fr")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch", "fr": "Français"}
#: Babel locale used for number, currency and date formatting per language.
BABEL_LOCALES = {"en": "en_GB", "nl": "nl_NL", "de": "de_DE", "fr": "fr_FR"}

LOCALE_DIR = resources_dir() / "locale"

_state = threading.local()
_default = {"lang": DEFAULT_LANGUAGE}
_listeners: list[Callable[[str], None]] = []


def current_language() -> str:
    return getattr(_state, "lang", None) or _default["lang"]


def set_language(lang: str) -> None:
    """Switch the language for the whole process and notify listeners (the UI retranslates)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}")
    _default["lang"] = lang
    for cb in list(_listeners):
        cb(lang)


def on_language_changed(cb: Callable[[str], None]) -> Callable[[], None]:
    _listeners.append(cb)
    return lambda: _listeners.remove(cb) if cb in _listeners else None


def babel_locale(lang: str | None = None) -> str:
    return BABEL_LOCALES[lang or current_language()]


@lru_cache(maxsize=None)
def _catalogue(domain: str, lang: str) -> gettext.NullTranslations:
    path = LOCALE_DIR / lang / f"{domain}.po"
    if lang == "en" or not path.is_file():
        return gettext.NullTranslations()
    # Babel's catalogue code is imported only when a translation is needed: English (the
    # usual first frame) starts without it (start-up time)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=domain)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def reload_catalogues() -> None:
    _catalogue.cache_clear()


class Translator:
    """Callable that translates messages of one domain."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def __call__(self, message: str, /, *, lang: str | None = None, **fmt: Any) -> str:
        text = _catalogue(self.domain, lang or current_language()).gettext(message)
        return text.format(**fmt) if fmt else text

    def n(self, singular: str, plural: str, count: int, /, *, lang: str | None = None, **fmt: Any) -> str:
        text = _catalogue(self.domain, lang or current_language()).ngettext(singular, plural, count)
        return text.format(n=count, **fmt)


def N_(message: str) -> str:
    """Mark a message for extraction where it is translated later (tables of texts)."""
    return message
