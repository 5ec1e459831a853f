"""Reminder rows: made and cancelled with their booking, claimed once, their outcome kept."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, OutboxMessage, Reminder, SipRequest
from sipbot.deployment import ReminderPolicy
from sipbot.people import readers
from sipbot.reminders.schedule import reminder_times

STALE_CLAIM = timedelta(minutes=5)  # a claim this old was lost with its process
# The outbox (sipbot.outbox) is recovered and settled by the same functions.
Claimable = type[Reminder] | type[OutboxMessage]


def schedule(
    s: Session,
    meeting: Meeting,
    request: SipRequest,
    now: datetime,
    tz: ZoneInfo,
    policy: ReminderPolicy,
) -> list[Reminder]:
    """Rows for the person and for the staff member who has the request, in the caller's
    transaction (so a booking and its reminders are saved, or not, together)."""
    # The one who filled it in, and the person it is about when they can be reached too.
    chats = [("person", chat) for chat, _about in readers(s, request)]
    if request.assigned_to is not None:
        chats.append(("staff", request.assigned_to))
    rows = []
    for kind, due in reminder_times(meeting.starts_at, now, tz, policy):
        for audience, chat_id in chats:
            if kind == "prepare" and audience != "person":
                continue
            rows.append(
                Reminder(
                    meeting_id=meeting.id,
                    kind=kind,
                    audience=audience,
                    chat_id=chat_id,
                    due_at=due,
                    event_at=meeting.starts_at,
                    next_try_at=due,
                    status="pending",
                )
            )
    s.add_all(rows)
    return rows


def cancel(s: Session, meeting_id: int) -> int:
    """Cancel a meeting's reminders that have not gone out; returns how many."""
    result = s.execute(
        update(Reminder)
        .where(col(Reminder.meeting_id) == meeting_id, col(Reminder.status) == "pending")
        .values(status="cancelled")
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def recover(
    engine: Engine, now: datetime, *, all_sending: bool = False, table: Claimable = Reminder
) -> int:
    """Put back reminders whose sender died mid-send (at start: every one still sending).

    Such a reminder may have been delivered just before the kill; sending it again is the
    price of never losing one.
    """
    query = update(table).where(col(table.status) == "sending")
    if not all_sending:
        query = query.where(col(table.claimed_at) < now - STALE_CLAIM)
    with session_scope(engine) as s:
        result = s.execute(query.values(status="pending", claim=None))
        return int(result.rowcount)  # type: ignore[attr-defined]


def claim_due(
    engine: Engine, now: datetime, limit: int, table: Claimable = Reminder
) -> list[Any]:
    """Take up to `limit` due reminders, oldest first, for this sweep only.

    A conditional UPDATE marks them with this sweep's token; on PostgreSQL the rows are also
    locked with SKIP LOCKED, so two senders never take the same row.
    """
    token = secrets.token_hex(8)
    with session_scope(engine) as s:
        query = (
            select(table.id)
            .where(col(table.status) == "pending", col(table.next_try_at) <= now)
            .order_by(col(table.due_at), col(table.id))
            .limit(limit)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(s.exec(query))
        if not ids:
            return []
        s.execute(
            update(table)
            .where(col(table.id).in_(ids), col(table.status) == "pending")
            .values(status="sending", claim=token, claimed_at=now)
        )
    with session_scope(engine) as s:
        rows = s.exec(
            select(table)
            .where(table.claim == token)
            .order_by(col(table.due_at), col(table.id))
        )
        return list(rows)


def finish(
    engine: Engine,
    reminder_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    table: Claimable = Reminder,
) -> None:
    """Record a send's outcome; with retry_at the reminder waits for another try."""
    with session_scope(engine) as s:
        row = s.get(table, reminder_id)
        if row is None:
            return
        row.attempts += 1
        row.last_error = error
        row.claim = None
        if retry_at is not None:
            row.status, row.next_try_at = "pending", retry_at
        else:
            row.status = status
            if status == "sent":
                row.sent_at = now
        s.add(row)
