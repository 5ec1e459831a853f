"""The staff queue: a unit's requests by tab, a page at a time, with counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func
from sqlalchemy.orm import defer
from sqlmodel import col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffMember
from sipbot.status import ENDED, OPEN

TABS = ("new", "mine", "overdue", "open", "closed")
PAGE_SIZE = 8


def _where(tab: str, staff: StaffMember, now: datetime) -> list:  # type: ignore[type-arg]
    if tab == "mine":
        return [SipRequest.assigned_to == staff.telegram_id, col(SipRequest.status).in_(OPEN)]
    unit = SipRequest.unit == staff.unit
    unclaimed = [unit, SipRequest.status == "new", col(SipRequest.assigned_to).is_(None)]
    if tab == "new":
        return unclaimed
    if tab == "overdue":
        return [*unclaimed, col(SipRequest.due_at) < now]
    if tab == "open":
        return [unit, col(SipRequest.status).in_(OPEN)]
    if tab == "closed":
        return [unit, col(SipRequest.status).in_(ENDED)]
    raise ValueError(tab)


def _order(tab: str) -> list:  # type: ignore[type-arg]
    # Longest waiting first, so nothing waits behind newer requests; closed: latest first.
    if tab == "closed":
        return [col(SipRequest.closed_at).desc(), col(SipRequest.id).desc()]
    if tab == "overdue":
        return [col(SipRequest.due_at), col(SipRequest.id)]
    return [col(SipRequest.submitted_at), col(SipRequest.id)]


def page(
    engine: Engine, staff: StaffMember, tab: str, now: datetime, number: int = 0
) -> tuple[list[SipRequest], int]:
    """One page of a tab (the answers are not loaded) and how many the tab holds."""
    where = _where(tab, staff, now)
    with session_scope(engine) as s:
        total = s.exec(select(func.count()).select_from(SipRequest).where(*where)).one()
        rows = s.exec(
            select(SipRequest)
            .options(defer(SipRequest.answers))  # type: ignore[arg-type]
            .where(*where)
            .order_by(*_order(tab))
            .offset(number * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        return list(rows), int(total)


def counts(engine: Engine, staff: StaffMember, now: datetime) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            tab: int(
                s.exec(
                    select(func.count()).select_from(SipRequest).where(*_where(tab, staff, now))
                ).one()
            )
            for tab in TABS
        }
