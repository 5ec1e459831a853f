"""Submitted SIP requests: references, routing and storage. No Telegram here."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, delete, exists, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import (
    ConsentLink,
    Meeting,
    OutboxMessage,
    Plan,
    PlanVersion,
    Reminder,
    RequestEvent,
    RequestNote,
    SipRequest,
)
from sipbot.deployment import Deployment
from sipbot.status import ENDED, OPEN
from sipbot.workdays import add_working_days

# No 0/O, 1/I/L: a reference read aloud on the phone must not be misheard.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


# Seven characters: 31**7, about 27 billion. At a million stored requests a new one meets a
# taken reference about once in 27 000 sends (four gave 923 521: one send in nine at 100 000).
REFERENCE_LENGTH = 7
# Read aloud in two parts, as a phone number is: SIP-7K3Q-M9X. References given before
# (SIP-7K3Q, SIP-7K3QM9) are stored as they were and stay valid.
REFERENCE_GROUP = 4


# A reference as typed in an address or a form: old ones (SIP-7K3Q) and new (SIP-7K3Q-M9X).
REFERENCE_PATTERN = r"SIP-[A-Za-z0-9]{1,12}(?:-[A-Za-z0-9]{1,12})?"


def new_reference(length: int = REFERENCE_LENGTH) -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(length))
    return f"SIP-{chars[:REFERENCE_GROUP]}-{chars[REFERENCE_GROUP:]}".rstrip("-")


def consent_state(answers: dict[str, Any]) -> str:
    """The person asks themselves, so Send is their consent.

    When someone else asks and says the person agrees, the person can confirm through a link
    on their own phone; in every other case staff confirm consent before a meeting is booked.
    """
    if answers.get("role") == "self":
        return "given"
    if answers.get("person_agrees") == "agrees":
        return "awaiting_person"
    return "to_confirm"


# The step that names the person a request is for: themselves, or whom the requester asks for.
NAME_STEPS = ("own_name", "person_name")


def person_name(answers: dict[str, Any]) -> str | None:
    return next((str(answers[k]) for k in NAME_STEPS if answers.get(k)), None)


def record(
    s: Session,
    request: SipRequest,
    now: datetime,
    kind: str,
    value: str,
    actor: str,
    staff_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Keep a change in the request's history; a status or consent change also sets it.

    kind: status, consent, assign (value: staff id, or "" when released), transfer (the unit).
    """
    if kind in ("status", "consent"):
        setattr(request, kind, value)
    if kind == "status" and value in ENDED:
        request.closed_at = now
    s.add(request)
    s.flush()
    s.add(
        RequestEvent(
            request_id=request.id,
            at=now,
            kind=kind,
            value=value,
            actor=actor,
            staff_id=staff_id,
            detail=detail,
        )
    )


def submit_request(
    engine: Engine,
    deployment: Deployment,
    clock: Clock,
    *,
    telegram_id: int,
    flow_id: str,
    flow_version: int,
    answers: dict[str, Any],
    language: str,
    easy: bool,
    tz: ZoneInfo,
    draft_key: str | None = None,
    then: Callable[[Session, SipRequest], object] | None = None,
) -> SipRequest:
    """Store a new request; for a draft already sent (draft_key), the request it became.

    `then` queues what tells of the new request (sipbot.outbox) with it; a draft sent again
    does not run it again: its messages were queued the first time."""
    if draft_key is not None and (sent := request_for_draft(engine, draft_key)) is not None:
        return sent
    municipality = deployment.municipality(answers["municipality"])
    now = clock()
    due = add_working_days(now, deployment.response_time_working_days, tz)
    for attempt in range(20):
        # A collision is rare (see REFERENCE_LENGTH); after ten in a row, widen anyway.
        request = SipRequest(
            reference=new_reference(REFERENCE_LENGTH if attempt < 10 else REFERENCE_LENGTH + 2),
            telegram_id=telegram_id,
            draft_key=draft_key,
            flow_id=flow_id,
            flow_version=flow_version,
            role=answers.get("role", "self"),
            municipality=municipality.id,
            unit=municipality.intake_unit,
            consent=consent_state(answers),
            status="new",
            language=language,
            easy=easy,
            answers=answers,
            person_name=person_name(answers),
            submitted_at=now,
            due_at=due,
        )
        try:
            with session_scope(engine) as s:
                s.add(request)
                s.flush()
                s.add(
                    RequestEvent(
                        request_id=request.id,
                        at=request.submitted_at,
                        kind="status",
                        value="new",
                        actor="requester",
                    )
                )
                if then is not None:
                    then(s, request)
            return request
        except IntegrityError:
            # A taken reference, or the same draft sent at the same moment by a double press.
            if draft_key is not None and (sent := request_for_draft(engine, draft_key)):
                return sent
            continue
    raise RuntimeError("could not find a free reference")


def request_for_draft(engine: Engine, draft_key: str) -> SipRequest | None:
    with session_scope(engine) as s:
        return s.exec(select(SipRequest).where(SipRequest.draft_key == draft_key)).first()


def requests_of(engine: Engine, telegram_id: int) -> list[SipRequest]:
    """A person's requests, newest first (deleted ones no longer carry their id)."""
    with session_scope(engine) as s:
        rows = s.exec(
            select(SipRequest)
            .where(SipRequest.telegram_id == telegram_id)
            .order_by(col(SipRequest.submitted_at).desc())
        )
        return list(rows)


def request_of(engine: Engine, telegram_id: int, request_id: int) -> SipRequest | None:
    """One of the person's own requests; None for anyone else's, so ids reveal nothing."""
    with session_scope(engine) as s:
        request = s.get(SipRequest, request_id)
        return request if request and request.telegram_id == telegram_id else None


def withdraw(
    engine: Engine,
    clock: Clock,
    telegram_id: int,
    request_id: int,
    then: Callable[[Session, SipRequest], object] | None = None,
) -> SipRequest | None:
    """The person withdraws an open request (and with it their consent); None if not allowed.

    `then` queues the messages that tell of it (sipbot.outbox), in the same transaction."""
    with session_scope(engine) as s:
        request = s.get(SipRequest, request_id)
        if request is None or request.telegram_id != telegram_id or request.status not in OPEN:
            return None
        now = clock()
        record(s, request, now, "consent", "withdrawn", "person")
        record(s, request, now, "status", "withdrawn", "person")
        for link in s.exec(select(ConsentLink).where(ConsentLink.request_id == request.id)):
            s.delete(link)
        if then is not None:
            then(s, request)
        return request


def erase_contents(s: Session, request: SipRequest) -> None:
    """Leave only the tombstone: the reference, unit, status and dates.

    Everything the person said, everything said to or about them, where they meet and every
    way to reach them goes. The one place that decides what a person's data is: deletion by
    the person and the keep_ended_days purge both come here, so a table added later that
    holds a person's data is added here once.
    """
    request.answers = None
    request.person_name = None
    request.telegram_id = None
    s.add(request)
    meetings = select(Meeting.id).where(Meeting.request_id == request.id)
    s.exec(delete(Reminder).where(col(Reminder.meeting_id).in_(meetings)))  # type: ignore[call-overload]
    plans = select(Plan.id).where(Plan.request_id == request.id)
    s.exec(delete(PlanVersion).where(col(PlanVersion.plan_id).in_(plans)))  # type: ignore[call-overload]
    for table in (Plan, Meeting, RequestNote, ConsentLink, OutboxMessage):
        s.exec(delete(table).where(table.request_id == request.id))  # type: ignore[call-overload,attr-defined]


def delete_person_requests(
    engine: Engine,
    clock: Clock,
    telegram_id: int,
    then: Callable[[Session, SipRequest], object] | None = None,
) -> list[SipRequest]:
    """Erase what a person wrote; each request stays as a tombstone staff can still count.

    Returns the requests that were still open; `then` tells their staff in this transaction
    (it gets each one already erased: the reference and unit only).
    """
    with session_scope(engine) as s:
        now = clock()
        was_open: list[SipRequest] = []
        for request in s.exec(select(SipRequest).where(SipRequest.telegram_id == telegram_id)):
            if request.status in OPEN:
                was_open.append(request)
            if request.status != "deleted":
                record(s, request, now, "status", "deleted", "person")
            erase_contents(s, request)
        # Someone a request was about, who said yes through its link: no longer reachable.
        s.execute(
            update(ConsentLink)
            .where(col(ConsentLink.person_chat_id) == telegram_id)
            .values(person_chat_id=None)
        )
        mine = (Reminder.chat_id == telegram_id, Reminder.audience == "person")
        s.exec(delete(Reminder).where(*mine))  # type: ignore[call-overload]
        if then is not None:
            for request in was_open:
                then(s, request)
        return was_open


def purge_ended(engine: Engine, clock: Clock, keep_days: int) -> int:
    """Erase the contents of requests that ended more than keep_days ago; returns how many."""
    cutoff = clock() - timedelta(days=keep_days)
    left = or_(
        col(SipRequest.answers).is_not(None),
        col(SipRequest.telegram_id).is_not(None),
        exists().where(RequestNote.request_id == SipRequest.id),
        exists().where(Meeting.request_id == SipRequest.id),
        exists().where(Plan.request_id == SipRequest.id),
    )
    with session_scope(engine) as s:
        rows = list(s.exec(select(SipRequest).where(col(SipRequest.closed_at) < cutoff, left)))
        for request in rows:
            erase_contents(s, request)
        return len(rows)
