"""Each code the core stores, as the text ids that name it: one table per concept.

A status, a consent state, the requester's role and a meeting's place are each named in
several words: as the person reads them, as staff read them on the card and in lists, and
in the PDF. One row per code holds them all, so a new code is added in one place and a
missing word is a KeyError in the tests, not a raw code in a message.
"""

from __future__ import annotations

from typing import NamedTuple

from sipbot.db.models import SipRequest
from sipbot.i18n import N_, Texts


class Words(NamedTuple):
    person: str = ""  # the person's words ("" where the person never reads this code)
    staff: str = ""  # the staff card, queue lines, lists of moves and places
    doc: str = ""  # the request document (PDF)


STATUS = {
    "new": Words(N_("status.new"), N_("staff.status.new")),
    "contacted": Words(N_("status.contacted"), N_("staff.status.contacted")),
    "meeting_booked": Words(N_("status.meeting_booked"), N_("staff.status.meeting_booked")),
    "plan_made": Words(N_("status.plan_made"), N_("staff.status.plan_made")),
    "followup_booked": Words(N_("status.followup_booked"), N_("staff.status.followup_booked")),
    "closed": Words(N_("status.closed"), N_("staff.status.closed")),
    "withdrawn": Words(N_("status.withdrawn"), N_("staff.status.withdrawn")),
    "declined": Words(N_("status.declined"), N_("staff.status.declined")),
    "deleted": Words(staff=N_("staff.status.deleted")),
}
CONSENT = {
    "given": Words(N_("consent.given"), N_("staff.consent_state.given")),
    "awaiting_person": Words(
        N_("consent.awaiting_person"), N_("staff.consent_state.awaiting_person")
    ),
    "to_confirm": Words(N_("consent.to_confirm"), N_("staff.consent_state.to_confirm")),
    "confirmed": Words(N_("consent.confirmed"), N_("staff.consent_state.confirmed")),
    "person_agreed": Words(N_("consent.person_agreed"), N_("staff.consent_state.person_agreed")),
    "person_refused": Words(
        N_("consent.person_refused"), N_("staff.consent_state.person_refused")
    ),
    "withdrawn": Words(N_("consent.withdrawn"), N_("staff.consent_state.withdrawn")),
}
ROLE = {
    "self": Words(staff=N_("staff.role.self"), doc=N_("doc.role.self")),
    "relative": Words(staff=N_("staff.role.relative"), doc=N_("doc.role.relative")),
    "representative": Words(
        staff=N_("staff.role.representative"), doc=N_("doc.role.representative")
    ),
    "guardian": Words(staff=N_("staff.role.guardian"), doc=N_("doc.role.guardian")),
}
PLACE = {
    "home": Words(N_("meeting.place.home"), N_("staff.place.home")),
    "office": Words(N_("meeting.place.office"), N_("staff.place.office")),
    "video": Words(N_("meeting.place.video"), N_("staff.place.video")),
    "phone": Words(N_("meeting.place.phone"), N_("staff.place.phone")),
}

# How staff learnt of the person's consent (the ways are sipbot.staff.work.CONSENT_HOW).
CONSENT_HOW = {
    "bot": Words(staff=N_("staff.consent.bot")),
    "spoken": Words(staff=N_("staff.consent.spoken")),
    "written": Words(staff=N_("staff.consent.written")),
}

# Why a meeting time staff gave cannot be used (sipbot.meetings.times.TimeProblem's codes);
# a refusal for one is "time_<code>".
TIME_PROBLEM = {
    "unreadable": N_("staff.time.unreadable"),
    "weekday_mismatch": N_("staff.time.weekday_mismatch"),
    "past": N_("staff.time.past"),
    "too_far": N_("staff.time.too_far"),
    "outside_hours": N_("staff.time.outside_hours"),
}


def staff_word(table: dict[str, Words], code: str, t: Texts) -> str:
    """A code in staff's words; a code no table knows (an old history entry) as itself."""
    return t(table[code].staff) if code in table else code


def status_text(request: SipRequest, t: Texts) -> str:
    """The request's place in the SIP process, as the person reads it."""
    if request.status == "new" and request.assigned_to is not None:
        return t("status.claimed")
    when = request.meeting_at if request.status == "meeting_booked" else request.followup_at
    return t(STATUS[request.status].person, date=t.datetime(when) if when else "")

# Why a plan cannot be made as it is (sipbot.plan.rules.Problem's codes), in staff's words.
PLAN_PROBLEM = {
    "no_goal": N_("staff.plan.problem.no_goal"),
    "no_main": N_("staff.plan.problem.no_main"),
    "main_not_huvudman": N_("staff.plan.problem.main_not_huvudman"),
    "no_what": N_("staff.plan.problem.no_what"),
    "no_responsible": N_("staff.plan.problem.no_responsible"),
    "unknown_actor": N_("staff.plan.problem.unknown_actor"),
    "end_before_start": N_("staff.plan.problem.end_before_start"),
    "ongoing_with_end": N_("staff.plan.problem.ongoing_with_end"),
}

# What a staff member is told after an action went through, by action.
STAFF_DONE = {
    "claim": N_("staff.done.claim"),
    "release": N_("staff.done.release"),
    "assign": N_("staff.done.assign"),
    "transfer": N_("staff.done.transfer"),
    "consent": N_("staff.done.consent"),
    "note": N_("staff.done.note"),
    "message": N_("staff.done.message"),
    "status": N_("staff.done.status"),
    "decline": N_("staff.done.decline"),
}
# Why a staff action was refused, by the core's refusal code (sipbot.staff.work.Refused).
STAFF_REFUSED = {
    "not_found": N_("staff.not_available"),
    "ended": N_("staff.refused.ended"),
    "claim_first": N_("staff.refused.claim_first"),
    "taken": N_("staff.refused.taken"),
    "yours_already": N_("staff.refused.yours_already"),
    "no_colleague": N_("staff.refused.no_colleague"),
    "no_unit": N_("staff.refused.no_unit"),
    "not_allowed": N_("staff.refused.not_allowed"),
    "consent_first": N_("staff.refused.consent_first"),
    "unreachable": N_("staff.refused.unreachable"),
    "person_refused": N_("staff.refused.person_refused"),
    **{f"time_{code}": msgid for code, msgid in TIME_PROBLEM.items()},
}
