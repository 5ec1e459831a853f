"""Staff make the plan: keep the draft they are writing, make the next version from it.

Each function is one transaction, checked against the staff member's unit and the request's
state like every staff action (sipbot.staff.work), and audited. The plan's model and rules
are sipbot.plan; reading versions is sipbot.plan.store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import Plan, PlanVersion, SipRequest, StaffMember
from sipbot.plan.model import Goal, PlanContent, to_json
from sipbot.plan.rules import Problem, problems
from sipbot.plan.store import Version, next_draft, plan_of, version_of, versions_in
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


def staff_versions(
    engine: Engine, clock: Clock, staff: StaffMember, request_id: int
) -> list[Version]:
    """The versions for a staff member of the request's unit; the view is audited."""
    with session_scope(engine) as s:
        request = load_for(s, staff, request_id)
        audit(s, clock(), staff.telegram_id, "plan.view", request.id)
        return versions_in(s, request_id)


def _plan_for_change(s: Session, staff: StaffMember, request_id: int, now: datetime) -> Plan:
    request = lock_for(s, staff, request_id)
    ensure_acting(staff, request)
    if request.status not in PLAN_STATUSES:
        raise Refused("not_allowed")
    plan = plan_of(s, request_id)
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
        version = version_of(row)
        if then is not None:
            request = s.get(SipRequest, request_id)
            assert request is not None
            then(s, request, version)
        return version


def first_version_at_followup(
    engine: Engine,
    clock: Clock,
    staff: StaffMember,
    request_id: int,
    actors: list[str] | tuple[str, ...],
    *,
    responsible: str,
    followup_at: datetime,
    convener: str | None,
) -> Version | None:
    """Version 1 when staff record "plan made" in the chat (the typed main responsible and
    the booked follow-up), made from the draft: the person's goals, the actors they invited,
    their wish of main responsible with the typed name. None when a version exists already
    or the draft does not hold a plan (no goal, no huvudman wished): then the desk makes it.
    """
    with session_scope(engine) as s:
        request = load_for(s, staff, request_id)
        if plan_of(s, request_id) is not None and versions_in(s, request_id):
            return None
    content = next_draft(engine, request)
    if not content.goals and content.long_goal:
        content = replace(content, goals=(Goal("g1", content.long_goal),))
    main = None if content.main is None else replace(content.main, name=responsible.strip())
    content = replace(
        content,
        main=main,
        followup=replace(content.followup, at=followup_at, convener=convener or "unit"),
    )
    if problems(content, actors):
        return None
    return make_version(engine, clock, staff, request_id, content, actors)
