"""A person's settings: language and register."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import Person

# Where a reader's own language is not offered, the one they most likely read best.
# Norwegian and Danish readers read Swedish more easily than English; Dari is Persian.
NEAREST = {"nb": "sv", "nn": "sv", "no": "sv", "da": "sv", "prs": "fa", "fa-af": "fa"}


def preferences(
    engine: Engine,
    telegram_id: int,
    telegram_language: str | None,
    offered: Sequence[str] = ("sv", "en"),
) -> tuple[str, bool]:
    with session_scope(engine) as s:
        person = s.get(Person, telegram_id)
        if person:
            # A language the deployment no longer offers reads as the nearest offered one.
            return from_telegram(person.language, offered), person.easy
    return from_telegram(telegram_language, offered), False


def from_telegram(telegram_language: str | None, offered: Sequence[str] = ("sv", "en")) -> str:
    """The offered language nearest to a Telegram language code ("sv", "ar", "fa-IR", "nb").

    No code means Swedish (the region's language); a code with no near language means
    English where offered (the language most newcomers share), else the first offered.
    """
    if not telegram_language:
        return "sv" if "sv" in offered else offered[0]
    code = telegram_language.lower().replace("_", "-")
    base = code.split("-")[0]
    for candidate in (code, base, NEAREST.get(code), NEAREST.get(base)):
        if candidate in offered:
            return candidate
    return "en" if "en" in offered else offered[0]


def by_nearness(telegram_language: str | None, offered: Sequence[str]) -> list[str]:
    """The offered languages with the nearest to the reader's Telegram language first."""
    first = from_telegram(telegram_language, offered)
    return [first, *(x for x in offered if x != first)]


def is_known(engine: Engine, telegram_id: int) -> bool:
    with session_scope(engine) as s:
        return s.get(Person, telegram_id) is not None


def save_preferences(
    engine: Engine,
    telegram_id: int,
    clock: Clock,
    *,
    language: str | None = None,
    easy: bool | None = None,
) -> None:
    with session_scope(engine) as s:
        now = clock()
        person = s.get(Person, telegram_id) or Person(
            telegram_id=telegram_id, created_at=now, updated_at=now
        )
        if language is not None:
            person.language = language
        if easy is not None:
            person.easy = easy
        person.updated_at = now
        s.add(person)


def forget(engine: Engine, telegram_id: int) -> None:
    """Remove a person's settings; the next /start greets them as new."""
    with session_scope(engine) as s:
        person = s.get(Person, telegram_id)
        if person is not None:
            s.delete(person)
