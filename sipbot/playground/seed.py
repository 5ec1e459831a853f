"""Reminders due now, in bulk, for the kill test and the throughput benchmark."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sipbot.db.engine import session_scope
from sipbot.db.models import Meeting, Reminder
from sipbot.requests import submit_request
from sipbot.services import Services


def seed_due_reminders(
    services: Services, n: int, first_chat: int, answers: dict[str, Any]
) -> None:
    """One meeting two days ahead, and `n` reminders of it to `n` chats, due a minute ago."""
    now = datetime.now(UTC)
    request = submit_request(
        services.engine,
        services.deployment,
        lambda: now,
        telegram_id=first_chat,
        flow_id="sip_request",
        flow_version=services.flows["sip_request"].version,
        answers=answers,
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )
    with session_scope(services.engine) as s:
        meeting = Meeting(
            request_id=request.id,
            kind="meeting",
            starts_at=now + timedelta(days=2),
            minutes=60,
            place="office",
            uid=f"{uuid.uuid4()}@sipbot",
            status="booked",
            created_at=now,
        )
        s.add(meeting)
        s.flush()
        due = now - timedelta(minutes=1)
        s.add_all(
            Reminder(
                meeting_id=meeting.id,
                kind="before_1",
                audience="person",
                chat_id=first_chat + i,
                due_at=due,
                event_at=meeting.starts_at,
                next_try_at=due,
                status="pending",
            )
            for i in range(n)
        )
