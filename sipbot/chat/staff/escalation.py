"""Requests not claimed within the response-time target: reminded to the unit once a day."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from telegram import Bot
from telegram.ext import ContextTypes

from sipbot import notify
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.services import Services
from sipbot.workdays import is_working_day

log = logging.getLogger(__name__)
ESCALATE_EVERY = timedelta(hours=1)
FROM = time(8, 0)  # local: a working morning, not the middle of the night
SHOWN = 20  # references listed in one reminder; the queue's Overdue tab has them all


class Escalator:
    def __init__(self, services: Services) -> None:
        self.s = services

    async def job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run(context.bot)

    async def run(self, bot: Bot) -> int:
        """Remind each unit of its overdue, unclaimed requests; returns how many reminded.

        Working days from 08:00 local, at most once a day per request until it is claimed.
        """
        now = self.s.clock()
        tz = self.s.settings.tz
        local = now.astimezone(tz)
        if local.time() < FROM or not is_working_day(local.date()):
            return 0
        today = datetime.combine(local.date(), time(0), tzinfo=tz)
        # In a worker thread: at a region's size the first sweep of a day marks thousands.
        by_unit = await asyncio.to_thread(self._mark_overdue, now, today)
        return sum(len(r) for r in by_unit.values())

    def _mark_overdue(self, now: datetime, today: datetime) -> dict[str, list[str]]:
        """Mark the overdue, unclaimed requests as reminded today and queue each unit's
        reminder in the same transaction (a crash cannot mark them reminded without one);
        their references by unit.

        Columns, not rows: the answers (encrypted) are not read, nor decrypted, for this.
        """
        by_unit: dict[str, list[str]] = defaultdict(list)
        with session_scope(self.s.engine) as s:
            rows = s.exec(
                select(SipRequest.id, SipRequest.unit, SipRequest.reference)
                .where(
                    SipRequest.status == "new",
                    col(SipRequest.assigned_to).is_(None),
                    col(SipRequest.due_at) < now,
                )
                .where(
                    col(SipRequest.escalated_at).is_(None) | (col(SipRequest.escalated_at) < today)
                )
                .order_by(col(SipRequest.due_at))
            ).all()
            ids = [rid for rid, _, _ in rows]
            for i in range(0, len(ids), 500):
                s.exec(  # type: ignore[call-overload]
                    update(SipRequest)
                    .where(col(SipRequest.id).in_(ids[i : i + 500]))
                    .values(escalated_at=now)
                )
            for _, unit, reference in rows:
                by_unit[unit].append(reference)
            for unit, references in by_unit.items():
                refs = ", ".join(references[:SHOWN])
                notify.overdue(s, self.s, unit, refs, len(references))
                log.info("staff.overdue unit=%s count=%s", unit, len(references))
        return by_unit
