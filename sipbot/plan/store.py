"""Plans in the database, read: the versions made, and what staff start the next from.

A version is made once and never changed (sipbot.db.models refuses an UPDATE): version 1 at the
meeting, the next at each follow-up, each starting as a copy of the one before
(``next_draft``). Staff make versions through sipbot.staff.plan_work, which checks their
unit and the request's state like every staff action; the channels read from here after
checking who asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import Plan, PlanVersion, SipRequest
from sipbot.plan.model import PlanContent, from_json


@dataclass(frozen=True)
class Version:
    """A made version as the core hands it out: its number, when and by whom, the content."""

    number: int
    made_at: datetime
    made_by: int | None
    meeting_id: int | None
    content: PlanContent


def version_of(row: PlanVersion) -> Version:
    return Version(row.number, row.made_at, row.made_by, row.meeting_id, from_json(row.content))


def plan_of(s: Session, request_id: int) -> Plan | None:
    return s.exec(select(Plan).where(Plan.request_id == request_id)).first()


def rows_of(s: Session, plan: Plan) -> list[PlanVersion]:
    return list(
        s.exec(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan.id)
            .order_by(col(PlanVersion.number))
        )
    )


def versions_in(s: Session, request_id: int) -> list[Version]:
    """Every made version of the request's plan, oldest first (inside a transaction)."""
    plan = plan_of(s, request_id)
    return [] if plan is None else [version_of(r) for r in rows_of(s, plan)]


def versions(engine: Engine, request_id: int) -> list[Version]:
    """Every made version, oldest first. For the person's own copy and the exports: the
    caller has already checked who is asking."""
    with session_scope(engine) as s:
        return versions_in(s, request_id)


def current(engine: Engine, request_id: int) -> Version | None:
    found = versions(engine, request_id)
    return found[-1] if found else None


def next_draft(engine: Engine, request: SipRequest) -> PlanContent:
    """What staff start from: the draft being written, else a copy of the current version,
    else the first draft from the person's answers (sipbot.plan.draft)."""
    from sipbot.plan.draft import draft_from_request

    with session_scope(engine) as s:
        plan = plan_of(s, request.id)  # type: ignore[arg-type]
        if plan is not None and plan.draft is not None:
            return from_json(plan.draft)
        rows = [] if plan is None else rows_of(s, plan)
    if rows:
        return from_json(rows[-1].content)
    return draft_from_request(request)
