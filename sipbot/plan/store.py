"""Plans in the database: the draft staff are writing, and the versions made from it.

A version is made once and never changed: version 1 at the meeting, the next at each
follow-up, each starting as a copy of the one before (``next_draft``). Each function is one
transaction, checked against the staff member's unit and the request's state like every
staff action (sipbot.staff.work), and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import Plan, PlanVersion, SipRequest, StaffMember
from sipbot.plan.model import PlanContent, from_json, to_json
from sipbot.plan.rules import Problem, problems
from sipbot.staff.audit import audit
from sipbot.staff.work import Refused, ensure_acting, load_for, lock_for

# A plan is made at the meeting and revised at follow-ups: not before a meeting is booked.
PLAN_STATUSES = ("meeting_booked", "plan_made", "followup_booked")
Then = Callable[[Session, SipRequest, "Version"], object]


class PlanInvalid(Exception):
    """The content cannot be made a version; ``problems`` say why (sipbot.plan.rules)."""

    def __init__(self, found: list[Problem]) -> None:
        super().__init__(", ".join(p.code for p in found))
        self.problems = found


@dataclass(frozen=True)
class Version:
    """A made version as the core hands it out: its number, when and by whom, the content."""

    number: int
    made_at: datetime
    made_by: int | None
    meeting_id: int | None
    content: PlanContent


@event.listens_for(PlanVersion, "before_update")
def _never_changed(_mapper: Any, _connection: Any, _target: PlanVersion) -> None:
    raise RuntimeError("a made plan version is never changed; make the next one")


def _version(row: PlanVersion) -> Version:
    return Version(row.number, row.made_at, row.made_by, row.meeting_id, from_json(row.content))


def _plan(s: Session, request_id: int) -> Plan | None:
    return s.exec(select(Plan).where(Plan.request_id == request_id)).first()


def _rows(s: Session, plan: Plan) -> list[PlanVersion]:
    return list(
        s.exec(
            select(PlanVersion)
            .where(PlanVersion.plan_id == plan.id)
            .order_by(col(PlanVersion.number))
        )
    )


def versions_in(s: Session, request_id: int) -> list[Version]:
    """Every made version of the request's plan, oldest first (inside a transaction)."""
    plan = _plan(s, request_id)
    return [] if plan is None else [_version(r) for r in _rows(s, plan)]


def versions(engine: Engine, request_id: int) -> list[Version]:
    """Every made version, oldest first. For the person's own copy and the exports: the
    caller has already checked who is asking."""
    with session_scope(engine) as s:
        return versions_in(s, request_id)


def current(engine: Engine, request_id: int) -> Version | None:
    found = versions(engine, request_id)
    return found[-1] if found else None


def staff_versions(
    engine: Engine, clock: Clock, staff: StaffMember, request_id: int
) -> list[Version]:
    """The versions for a staff member of the request's unit; the view is audited."""
    with session_scope(engine) as s:
        request = load_for(s, staff, request_id)
        audit(s, clock(), staff.telegram_id, "plan.view", request.id)
        return versions_in(s, request_id)


def next_draft(engine: Engine, request: SipRequest) -> PlanContent:
    """What staff start from: the draft being written, else a copy of the current version,
    else the first draft from the person's answers (sipbot.plan.draft)."""
    from sipbot.plan.draft import draft_from_request

    with session_scope(engine) as s:
        plan = _plan(s, request.id)  # type: ignore[arg-type]
        if plan is not None and plan.draft is not None:
            return from_json(plan.draft)
        rows = [] if plan is None else _rows(s, plan)
    if rows:
        return from_json(rows[-1].content)
    return draft_from_request(request)


def _plan_for_change(s: Session, staff: StaffMember, request_id: int, now: datetime) -> Plan:
    request = lock_for(s, staff, request_id)
    ensure_acting(staff, request)
    if request.status not in PLAN_STATUSES:
        raise Refused("not_allowed")
    plan = _plan(s, request_id)
    if plan is None:
        plan = Plan(request_id=request_id, created_at=now)
        s.add(plan)
        s.flush()
    return plan


def save_draft(
    engine: Engine, clock: Clock, staff: StaffMember, request_id: int, content: PlanContent
) -> None:
    """Keep what staff have written so far for the next version (not checked yet)."""
    with session_scope(engine) as s:
        now = clock()
        plan = _plan_for_change(s, staff, request_id, now)
        plan.draft = to_json(content)
        plan.draft_at = now
        s.add(plan)
        audit(s, now, staff.telegram_id, "plan.draft", request_id)


def make_version(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    content: PlanContent,
    actors: list[str] | tuple[str, ...],
    *,
    meeting_id: int | None = None,
    then: Then | None = None,
) -> Version:
    """Make the next version from ``content``: checked (sipbot.plan.rules.problems, with the
    deployment's ``actors``), written once, the draft emptied. ``then`` queues the messages
    that tell of it, in the same transaction."""
    found = problems(content, actors)
    if found:
        raise PlanInvalid(found)
    with session_scope(engine) as s:
        now = clock()
        plan = _plan_for_change(s, staff, request_id, now)
        row = PlanVersion(
            plan_id=plan.id,  # type: ignore[arg-type]
            number=plan.current_version + 1,
            made_at=now,
            made_by=staff.telegram_id,
            meeting_id=meeting_id,
            followup_at=content.followup.at,
            content=to_json(content),
        )
        s.add(row)
        plan.current_version = row.number
        plan.draft = None
        plan.draft_at = None
        s.add(plan)
        s.flush()
        audit(s, now, staff.telegram_id, "plan.version", request_id, f"version={row.number}")
        version = _version(row)
        if then is not None:
            request = s.get(SipRequest, request_id)
            assert request is not None
            then(s, request, version)
        return version
