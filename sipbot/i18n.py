"""Texts in every language a catalog exists for, each in a plain and an easy-to-read register.

Catalogs live in locales/<lang>/LC_MESSAGES/<register>.po and are compiled in memory at start,
so a fresh clone needs no build step. Message ids are symbolic ("menu.ask"), so every language,
English too, is a real translation that a test can check for completeness.

Languages are found from the catalogs: a directory with a plain.po is a language. easy.po is
optional; a language without one shows its plain text to easy-register readers (`sipbot
languages` says so). Which of the found languages people are offered is the deployment's
choice (`Catalogs.configured`).

Plural forms go through gettext: a plural entry has the same symbolic id as msgid and
msgid_plural, and one msgstr[i] per form of the catalog's Plural-Forms header.

Right-to-left catalogs (Arabic, Persian) get every inserted value wrapped in Unicode isolates
(FSI ... PDI), so a Latin reference or a phone number cannot turn the paragraph around, and a
text that would start with a left-to-right character starts with a RIGHT-TO-LEFT MARK.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from gettext import GNUTranslations
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from sipbot import bidi
from sipbot.config import ConfigError

REGISTERS = ("plain", "easy")
STAFF_LANGUAGE = "sv"  # staff read Swedish; the catalogs must have it
# Staff texts (staff.*) must be complete in these; another catalog may leave them empty, and a
# staff member reading that language then sees them in Swedish.
STAFF_LANGUAGES = ("sv", "en")
DEFAULT_ORDER = ("sv", "en")  # listed first when the deployment names no order

# Catalog headers a translator may set (besides the standard ones).
STATUS_HEADER = "X-Translation-Status"  # e.g. "draft, awaiting review by a qualified translator"
NAME_HEADER = "X-Language-Name"  # the language's name in itself, where Babel has none
DATE_HEADER = "X-Date-Pattern"  # a Babel date pattern, e.g. Finnish "cccc d. MMMM y"
DIRECTION_HEADER = "X-Text-Direction"  # "rtl" where Babel does not know the language
DATE_PATTERN = "EEEE d MMMM y"


def N_(msgid: str) -> str:
    """Marks a text id chosen at run time, so `pybabel extract -k N_` still finds it."""
    return msgid


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=_catalog_locale(path.parent.parent.name))


def _catalog_locale(lang: str) -> str | None:
    """The locale Babel should read a catalog with, or None where Babel does not know it
    (the catalog's own Plural-Forms header then counts)."""
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return None
    return lang


def babel_locale(lang: str, fallback: str) -> Locale:
    """Babel's locale for dates and numbers; a language Babel lacks uses ``fallback``."""
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(fallback)


def _compile(catalog: Catalog) -> GNUTranslations:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return GNUTranslations(buf)


def headers(path: Path) -> dict[str, str]:
    """The catalog's header fields, our own X- ones too (Babel's Catalog drops those)."""
    found: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() and found:
                break  # the header entry ends at the first blank line
            m = _HEADER_LINE.match(line)
            if m:
                found[m[1]] = m[2].strip()
    return found


_HEADER_LINE = re.compile(r'^"([A-Za-z-]+):\s*(.*?)\\n"\s*$')


@dataclass(frozen=True)
class Language:
    """One catalog's language, as found in locales/."""

    code: str
    name: str  # in the language itself: "Svenska", "العربية"
    rtl: bool
    has_easy: bool  # an easy.po exists; without one, easy readers get plain
    status: str  # the catalog's X-Translation-Status, "" when it sets none
    date_pattern: str


@dataclass(frozen=True)
class Texts:
    """What one reader sees: a language, a register, a time zone."""

    lang: str
    easy: bool
    _plain: GNUTranslations
    _easy: GNUTranslations | None
    tz: ZoneInfo
    locale: Locale = field(default_factory=lambda: Locale.parse(STAFF_LANGUAGE))
    rtl: bool = False
    date_pattern: str = DATE_PATTERN
    _staff: GNUTranslations | None = None  # Swedish, for staff texts a catalog leaves empty

    def __call__(self, msgid: str, /, **values: object) -> str:
        text = self._easy.gettext(msgid) if self.easy and self._easy else msgid
        if text == msgid:
            # The easy catalog leaves a message empty only where the plain text already
            # meets the easy-to-read bar (tests/test_catalogs.py checks this).
            text = self._plain.gettext(msgid)
        if text == msgid and self._staff is not None:
            return self._staff_text(self._staff.gettext(msgid), values)
        return self._fill(text, values)

    def ngettext(self, msgid: str, n: int, /, **values: object) -> str:
        """The plural form of ``msgid`` for ``n`` in this language, values filled in."""
        text = self._easy.ngettext(msgid, msgid, n) if self.easy and self._easy else msgid
        if text == msgid:
            text = self._plain.ngettext(msgid, msgid, n)
        if text == msgid and self._staff is not None:
            return self._staff_text(self._staff.ngettext(msgid, msgid, n), values)
        return self._fill(text, values)

    def npgettext(self, context: str, msgid: str, n: int, /, **values: object) -> str:
        """As ngettext, for an entry with a msgctxt."""
        text = self._easy.npgettext(context, msgid, msgid, n) if self.easy and self._easy else msgid
        if text == msgid:
            text = self._plain.npgettext(context, msgid, msgid, n)
        return self._fill(text, values)

    def _staff_text(self, text: str, values: dict[str, object]) -> str:
        return text.format(**values) if values else text

    def _fill(self, text: str, values: dict[str, object]) -> str:
        # Decided on the catalog text, not the filled one, so a message reads the same way
        # whatever is inserted (and a test's template matches it).
        if self.rtl and text and not bidi.starts_rtl(text):
            text = bidi.RLM + text
        if values:
            text = text.format(**{k: self._value(v) for k, v in values.items()})
        return text

    def _value(self, value: object) -> object:
        if isinstance(value, float):
            value = self.number(value)
        if self.rtl and isinstance(value, str | int):
            return bidi.isolate(str(value))
        return value

    def number(self, value: float) -> str:
        """A decimal number the reader's way: "0,3" in Swedish, "0.3" in English."""
        return format_decimal(value, locale=self.locale)

    def language_name(self, code: str) -> str:
        """A language's name in the reader's language ("arabiska" for a Swedish reader), or
        the code itself where Babel does not know the language."""
        try:
            return Locale.parse(code).get_display_name(self.locale) or code
        except (UnknownLocaleError, ValueError):
            return code

    def has(self, msgid: str) -> bool:
        return self._plain.gettext(msgid) != msgid

    def datetime(self, value: datetime) -> str:
        """Weekday written out, e.g. 'torsdag 3 december 2026 10:00'."""
        local = value.astimezone(self.tz)
        return format_datetime(
            local, f"{self.date_pattern} HH:mm", locale=self.locale, tzinfo=self.tz
        )

    def date(self, value: datetime) -> str:
        return format_date(value.astimezone(self.tz).date(), self.date_pattern, locale=self.locale)


@dataclass(frozen=True)
class _Compiled:
    language: Language
    plain: GNUTranslations
    easy: GNUTranslations | None


class Catalogs:
    """Every catalog under ``locales_dir``; ``offered`` are the languages people may choose."""

    def __init__(
        self,
        locales_dir: Path,
        tz: ZoneInfo,
        *,
        languages: list[str] | None = None,
        fallback_locale: str = STAFF_LANGUAGE,
    ) -> None:
        self._tz = tz
        self._found: dict[str, _Compiled] = {}
        for path in sorted(locales_dir.glob("*/LC_MESSAGES/plain.po")):
            lang = path.parent.parent.name
            easy_path = path.with_name("easy.po")
            plain = _read(path)
            info = _language(lang, headers(path), easy_path.is_file())
            easy = _read(easy_path) if easy_path.is_file() else None
            self._found[lang] = _Compiled(info, _compile(plain), easy and _compile(easy))
        if STAFF_LANGUAGE not in self._found:
            raise ConfigError(
                f"{locales_dir / STAFF_LANGUAGE / 'LC_MESSAGES' / 'plain.po'}: catalog missing"
            )
        self._offered: tuple[str, ...] = ()
        self._fallback = ""
        self._set(languages, fallback_locale)

    def _set(self, languages: list[str] | None, fallback_locale: str) -> None:
        if languages is None:
            rest = sorted(set(self._found) - set(DEFAULT_ORDER))
            languages = [x for x in DEFAULT_ORDER if x in self._found] + rest
        unknown = [x for x in languages if x not in self._found]
        if unknown:
            found = ", ".join(sorted(self._found))
            raise ConfigError(f"languages: no catalog for {', '.join(unknown)}; found: {found}")
        try:
            Locale.parse(fallback_locale)
        except (UnknownLocaleError, ValueError):
            raise ConfigError(f"fallback_locale: Babel has no locale {fallback_locale!r}") from None
        self._offered = tuple(languages)
        self._fallback = fallback_locale

    def configured(self, languages: list[str] | None, fallback_locale: str) -> Catalogs:
        """These catalogs with the deployment's choice of languages and date fallback (the
        compiled catalogs are shared, not read again)."""
        copy = object.__new__(Catalogs)
        copy.__dict__.update(self.__dict__)
        copy._set(languages, fallback_locale)
        return copy

    @property
    def offered(self) -> tuple[str, ...]:
        """The languages people may choose, in the deployment's order."""
        return self._offered

    @property
    def found(self) -> tuple[str, ...]:
        return tuple(self._found)

    def language(self, lang: str) -> Language:
        return self._found[lang if lang in self._found else STAFF_LANGUAGE].language

    def texts(self, lang: str, easy: bool) -> Texts:
        c = self._found.get(lang) or self._found[STAFF_LANGUAGE]
        info = c.language
        return Texts(
            info.code,
            easy,
            c.plain,
            c.easy,
            self._tz,
            babel_locale(info.code, self._fallback),
            info.rtl,
            info.date_pattern,
            None if info.code in STAFF_LANGUAGES else self._found[STAFF_LANGUAGE].plain,
        )


def _read(path: Path) -> Catalog:
    try:
        return read_catalog(path)
    except Exception as exc:  # babel raises several kinds; all mean a broken file
        raise ConfigError(f"{path}: cannot read catalog ({exc})") from None


def _language(lang: str, head: dict[str, str], has_easy: bool) -> Language:
    try:
        loc: Locale | None = Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        loc = None
    name = head.get(NAME_HEADER) or (loc and loc.get_display_name(lang)) or lang
    direction = head.get(DIRECTION_HEADER) or (
        "rtl" if loc is not None and loc.character_order == "right-to-left" else "ltr"
    )
    return Language(
        code=lang,
        name=name[:1].upper() + name[1:],
        rtl=direction == "rtl",
        has_easy=has_easy,
        status=head.get(STATUS_HEADER, ""),
        date_pattern=head.get(DATE_HEADER) or DATE_PATTERN,
    )
