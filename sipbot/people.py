"""A person's settings: language and register."""

from __future__ import annotations

from sqlalchemy import Engine

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import Person


def preferences(
    engine: Engine, telegram_id: int, telegram_language: str | None
) -> tuple[str, bool]:
    with session_scope(engine) as s:
        person = s.get(Person, telegram_id)
        if person:
            return person.language, person.easy
    return from_telegram(telegram_language), False


def from_telegram(telegram_language: str | None) -> str:
    """The bot's language for a Telegram language code: Swedish unless it says otherwise."""
    return "sv" if (telegram_language or "sv").startswith("sv") else "en"


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
