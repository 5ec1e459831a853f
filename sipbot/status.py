"""The SIP process as statuses, and which moves staff may make. No Telegram, no database."""

from __future__ import annotations

OPEN = ("new", "contacted", "meeting_booked", "plan_made", "followup_booked")
ENDED = ("closed", "withdrawn", "declined", "deleted")

# Staff moves along the process (seed 001: contact, meeting, plan, follow-up, closing).
# Withdrawn and deleted are the person's own moves, never staff's.
STAFF_MOVES: dict[str, tuple[str, ...]] = {
    "new": ("contacted", "declined"),
    "contacted": ("meeting_booked", "declined", "closed"),
    "meeting_booked": ("plan_made", "contacted", "closed"),  # back to contacted: meeting off
    "plan_made": ("followup_booked", "closed"),
    "followup_booked": ("followup_booked", "closed"),  # after a follow-up: another, or close
}
# Consent that lets a meeting be booked: the person's own, or confirmed by staff.
CONSENT_OK = ("given", "confirmed", "person_agreed")


def refusal(status: str, consent: str, to: str) -> str | None:
    """Why staff may not move a request from `status` to `to`, as a code; None if they may."""
    if status in ENDED:
        return "ended"
    if to not in STAFF_MOVES.get(status, ()):
        return "not_allowed"
    if to == "meeting_booked" and consent not in CONSENT_OK:
        return "consent_first"
    return None


# Moves made with a time (booking) rather than from the list of statuses; declining asks for
# a reason and has its own button.
BY_BOOKING = ("meeting_booked", "followup_booked", "plan_made")
# What the booking buttons offer from each status, in button order.
BOOKINGS: dict[str, tuple[str, ...]] = {
    "new": ("meeting",),
    "contacted": ("meeting",),
    "meeting_booked": ("move_meeting", "cancel", "followup"),
    "followup_booked": ("move_followup", "followup"),
}


def consent_ok(consent: str) -> bool:
    """Consent that lets a meeting be booked and needs no confirming by staff."""
    return consent in CONSENT_OK


def offered_moves(status: str) -> tuple[str, ...]:
    """The moves staff choose from the list of statuses; the others have buttons of their own.

    A booked meeting is called off with its own button (it tells the person), so going back
    to contacted is not in the list then.
    """
    elsewhere = {*BY_BOOKING, "declined"}
    if status == "meeting_booked":
        elsewhere.add("contacted")
    return tuple(m for m in STAFF_MOVES.get(status, ()) if m not in elsewhere)


def bookings(status: str) -> tuple[str, ...]:
    """What may be booked, moved or called off from `status`: meeting, move_meeting, cancel,
    followup, move_followup."""
    return BOOKINGS.get(status, ())
