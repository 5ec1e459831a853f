"""A request's status and consent in the person's words."""

from __future__ import annotations

from sipbot.db.models import SipRequest
from sipbot.i18n import N_, Texts

STATUS = {
    "new": N_("status.new"),
    "contacted": N_("status.contacted"),
    "meeting_booked": N_("status.meeting_booked"),
    "plan_made": N_("status.plan_made"),
    "followup_booked": N_("status.followup_booked"),
    "closed": N_("status.closed"),
    "withdrawn": N_("status.withdrawn"),
    "declined": N_("status.declined"),
}
CONSENT = {
    "given": N_("consent.given"),
    "awaiting_person": N_("consent.awaiting_person"),
    "to_confirm": N_("consent.to_confirm"),
    "confirmed": N_("consent.confirmed"),
    "person_agreed": N_("consent.person_agreed"),
    "person_refused": N_("consent.person_refused"),
    "withdrawn": N_("consent.withdrawn"),
}


def status_text(request: SipRequest, t: Texts) -> str:
    """The request's place in the SIP process, as the person reads it."""
    if request.status == "new" and request.assigned_to is not None:
        return t("status.claimed")
    when = request.meeting_at if request.status == "meeting_booked" else request.followup_at
    return t(STATUS[request.status], date=t.datetime(when) if when else "")
