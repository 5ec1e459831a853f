"""A person's settings (language and register) and who reads what is said about a request."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import ConsentLink, Person, SipRequest
from sipbot.i18n import N_

# The first line of a notice for one who filled the request in for someone else.
ABOUT_LEAD = {
    "relative": N_("person.about.relative"),
    "representative": N_("person.about.representative"),
    "guardian": N_("person.about.guardian"),
}

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


def person_chat(s: Session, request: SipRequest) -> int | None:
    """The chat of the person a request is about, when someone else filled it in and the
    person said yes through the consent link themself; else None."""
    query = select(ConsentLink.person_chat_id).where(
        ConsentLink.request_id == request.id, col(ConsentLink.person_chat_id).is_not(None)
    )
    chat = s.exec(query).first()
    return chat if chat is not None and chat != request.telegram_id else None


def readers(s: Session, request: SipRequest) -> list[tuple[int, bool]]:
    """Who reads what the bot tells about a request: (chat, about) pairs.

    `about` is True for one who filled it in for someone else (a relative, a representative,
    a guardian): they read a version about the person. The person themself, when reachable
    (they said yes through the link), reads their own version.
    """
    out: list[tuple[int, bool]] = []
    if request.telegram_id is not None:
        out.append((request.telegram_id, request.role != "self"))
    chat = person_chat(s, request) if request.role != "self" else None
    if chat is not None:
        out.append((chat, False))
    return out


def subject_name(request: SipRequest) -> str:
    """The name of the person a request is about, as the one who asked wrote it."""
    answers = request.answers or {}
    return str(answers.get("person_name") or answers.get("own_name") or request.person_name or "")
