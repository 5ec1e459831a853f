"""What a staff member's next message is for: the typed input an action waits for.

An action that needs words (a note, a reason, a meeting's time) stores what it waits for in
the staff member's user_data under INPUT_KEY; a booking keeps its choices so far under
BOOKING_KEY, and closing waits for its confirmation under CLOSE_KEY. These three keys are the
staff side's dialogue state (sipbot.chat.staff.typed.TypedInput.take_input reads them).
"""

from __future__ import annotations

from typing import Any

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.i18n import Texts
from sipbot.services import Services

BOOKING_KEY = "booking"
INPUT_KEY = "staff_input"  # in the staff member's user_data: what their next text is for
CLOSE_KEY = "staff_close"  # the request and reason waiting for "Ja, avsluta"
INPUTS = ("book_time", "book_detail", "book_responsible", "move_time")  # the booking's


def input_for(services: Services, rid: int, t: Texts) -> tuple[str, str]:
    """The line that heads every question staff answer by typing, naming the request (and
    the person, when known) the text will go to; and the reference alone."""
    with session_scope(services.engine) as s:
        request = s.get(SipRequest, rid)
        reference = request.reference if request else ""
        name = str((request.answers or {}).get("person_name") or "") if request else ""
    if name:
        return t("staff.input.for_named", reference=reference, name=name), reference
    return t("staff.input.for", reference=reference), reference


def ask_typed(
    services: Services, user_data: dict[str, Any], rid: int, action: str, text: str, t: Texts
) -> str:
    """Wait for the staff member's text for `action` on request `rid`; returns the prompt."""
    header, reference = input_for(services, rid, t)
    user_data[INPUT_KEY] = {"action": action, "request": rid, "reference": reference}
    return f"{header}\n{text}"
