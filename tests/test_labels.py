"""Every code the core can store or raise has its words, in the one table for its concept,
and every business rule the staff keyboard is built from comes from the core."""

from __future__ import annotations

from sipbot import labels
from sipbot.i18n import Catalogs
from sipbot.meetings import booking
from sipbot.meetings.times import Problem
from sipbot.staff import work
from sipbot.stats import ROLES
from sipbot.status import ENDED, OPEN, STAFF_MOVES, bookings, offered_moves


def test_each_code_has_its_words_for_each_reader(catalogs: Catalogs) -> None:
    t = catalogs.texts("sv", easy=False)
    for status in (*OPEN, *ENDED):
        assert t.has(labels.STATUS[status].staff)
        assert status == "deleted" or t.has(labels.STATUS[status].person)
    for consent in labels.CONSENT.values():
        assert t.has(consent.person) and t.has(consent.staff)
    for role in ROLES:
        assert t.has(labels.ROLE[role].staff) and t.has(labels.ROLE[role].doc)
    for place in booking.PLACES:
        assert t.has(labels.PLACE[place].person) and t.has(labels.PLACE[place].staff)
    for how in work.CONSENT_HOW:
        assert t.has(labels.CONSENT_HOW[how].staff)
    assert set(labels.TIME_PROBLEM) == {p.value for p in Problem}


def test_the_status_list_leaves_out_what_has_a_button_or_a_booking_of_its_own() -> None:
    assert offered_moves("new") == ("contacted",)  # declining asks for a reason
    assert offered_moves("contacted") == ("closed",)  # a meeting is booked with its time
    assert offered_moves("meeting_booked") == ("closed",)  # calling off tells the person
    assert offered_moves("plan_made") == ("closed",)
    for status, moves in STAFF_MOVES.items():
        assert set(offered_moves(status)) <= set(moves)
    assert offered_moves("closed") == ()


def test_what_may_be_booked_is_asked_of_the_core() -> None:
    assert bookings("new") == ("meeting",)
    assert bookings("meeting_booked") == ("move_meeting", "cancel", "followup")
    assert bookings("followup_booked") == ("move_followup", "followup")
    assert bookings("plan_made") == bookings("closed") == ()
    assert booking.bookable("new", "given", "meeting") is None
    assert booking.bookable("new", "to_confirm", "meeting") == "consent_first"
    assert booking.bookable("closed", "given", "meeting") == "ended"
    assert booking.bookable("meeting_booked", "given", "followup") is None
    assert booking.bookable("new", "given", "followup") == "not_allowed"
