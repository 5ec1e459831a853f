"""One-time consent links: the person a request is about confirms it on their own phone.

The link is a Telegram deep link, /start with a token. Only the token's hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import ConsentLink, Meeting, SipRequest
from sipbot.requests import record
from sipbot.staff.work import call_off_meetings
from sipbot.status import OPEN

PAYLOAD_PREFIX = "c_"  # /start c_<token>; Telegram allows [A-Za-z0-9_-], up to 64 characters
VALID_FOR = timedelta(days=14)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(engine: Engine, clock: Clock, request_id: int) -> str:
    """A new token for the request; the caller builds the t.me link from it."""
    token = secrets.token_urlsafe(18)  # 24 characters, 144 bits
    with session_scope(engine) as s:
        s.add(
            ConsentLink(
                token_hash=_hash(token), request_id=request_id, expires_at=clock() + VALID_FOR
            )
        )
    return token


@dataclass(frozen=True)
class LinkCheck:
    problem: str | None  # None, or why the link cannot be used: unknown, used, expired, own
    request: SipRequest | None = None
    # A "no" calls off what needed consent: these booked meetings (the caller sends CANCEL).
    cancelled: tuple[Meeting, ...] = ()


def check_link(engine: Engine, clock: Clock, token: str, telegram_id: int) -> LinkCheck:
    with session_scope(engine) as s:
        link = s.get(ConsentLink, _hash(token))
        request = s.get(SipRequest, link.request_id) if link else None
        if link is None or request is None or request.status not in OPEN:
            return LinkCheck("unknown")
        if link.used_at is not None:
            return LinkCheck("used")
        if link.expires_at <= clock():
            return LinkCheck("expired")
        if request.telegram_id == telegram_id:
            # The point is that the person says yes themself, not the one who asked.
            return LinkCheck("own")
        return LinkCheck(None, request)


def answer_link(
    engine: Engine,
    clock: Clock,
    token: str,
    telegram_id: int,
    agrees: bool,
    then: Callable[[Session, SipRequest, list[Meeting]], object] | None = None,
) -> LinkCheck:
    """Use the link once: the person agrees or says no; the request's history records it.

    `then` queues what tells of it (sipbot.outbox), with the meetings a "no" called off, in
    the same transaction."""
    checked = check_link(engine, clock, token, telegram_id)
    if checked.problem is not None:
        return checked
    with session_scope(engine) as s:
        now = clock()
        # A conditional UPDATE, so two presses at once cannot both use the link.
        claimed = s.execute(
            update(ConsentLink)
            .where(col(ConsentLink.token_hash) == _hash(token), col(ConsentLink.used_at).is_(None))
            # A yes keeps the person's chat: they hear about their meetings from then on.
            .values(used_at=now, person_chat_id=telegram_id if agrees else None)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return LinkCheck("used")
        request = s.get(SipRequest, checked.request.id)  # type: ignore[union-attr]
        assert request is not None
        record(
            s, request, now, "consent", "person_agreed" if agrees else "person_refused", "person"
        )
        cancelled = () if agrees else tuple(call_off_meetings(s, request, now, None))
        if then is not None:
            then(s, request, list(cancelled))
        return LinkCheck(None, request, cancelled)

