"""Texts in Swedish and English, each in a plain and an easy-to-read register.

Catalogs live in locales/<lang>/LC_MESSAGES/<register>.po and are compiled in memory at start,
so a fresh clone needs no build step. Message ids are symbolic ("menu.ask"), so every language,
English too, is a real translation that a test can check for completeness.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from gettext import GNUTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sipbot.config import ConfigError

LANGUAGES = ("sv", "en")
REGISTERS = ("plain", "easy")


def N_(msgid: str) -> str:
    """Marks a text id chosen at run time, so `pybabel extract -k N_` still finds it."""
    return msgid


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=path.parent.parent.name)


def _compile(catalog: Catalog) -> GNUTranslations:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return GNUTranslations(buf)


@dataclass(frozen=True)
class Texts:
    """What one reader sees: a language, a register, a time zone."""

    lang: str
    easy: bool
    _plain: GNUTranslations
    _easy: GNUTranslations
    tz: ZoneInfo

    def __call__(self, msgid: str, /, **values: object) -> str:
        text = self._easy.gettext(msgid) if self.easy else msgid
        if text == msgid:
            # The easy catalog leaves a message empty only where the plain text already
            # meets the easy-to-read bar (tests/test_catalogs.py checks this).
            text = self._plain.gettext(msgid)
        return text.format(**values) if values else text

    def has(self, msgid: str) -> bool:
        return self._plain.gettext(msgid) != msgid

    def datetime(self, value: datetime) -> str:
        """Weekday written out, e.g. 'torsdag 3 december 2026 10:00'."""
        local = value.astimezone(self.tz)
        return format_datetime(local, "EEEE d MMMM y HH:mm", locale=self.lang, tzinfo=self.tz)

    def date(self, value: datetime) -> str:
        return format_date(value.astimezone(self.tz).date(), "EEEE d MMMM y", locale=self.lang)


class Catalogs:
    def __init__(self, locales_dir: Path, tz: ZoneInfo) -> None:
        self._tz = tz
        self._tr: dict[tuple[str, str], GNUTranslations] = {}
        for lang in LANGUAGES:
            for register in REGISTERS:
                path = locales_dir / lang / "LC_MESSAGES" / f"{register}.po"
                if not path.is_file():
                    raise ConfigError(f"{path}: catalog missing")
                try:
                    self._tr[lang, register] = _compile(read_catalog(path))
                except Exception as exc:  # babel raises several kinds; all mean a broken file
                    raise ConfigError(f"{path}: cannot read catalog ({exc})") from None

    def texts(self, lang: str, easy: bool) -> Texts:
        lang = lang if lang in LANGUAGES else "sv"
        return Texts(lang, easy, self._tr[lang, "plain"], self._tr[lang, "easy"], self._tz)
