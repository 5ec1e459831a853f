"""The kallelse by e-mail: organisations outside Telegram (vårdcentral, Försäkringskassan,
school …) are told of a meeting, each move and a cancellation, with the calendar file.

What they read is what they need to come: the reference, the time, the place, who convenes
and whom to contact, in Swedish. Never the person's name, answers or goals: an e-mail leaves
the region's systems. Queued as outbox rows (channel "mail") in the change's transaction;
sipbot.mail_sender sends them.
"""

from __future__ import annotations

import base64
import logging
import os

from sqlmodel import Session

from sipbot import outbox
from sipbot.config import ConfigError
from sipbot.db.models import Meeting, SipRequest
from sipbot.deployment import ACTOR_LABELS, Deployment
from sipbot.i18n import N_
from sipbot.meetings.booking import where
from sipbot.meetings.ics import meeting_ics
from sipbot.services import Services

log = logging.getLogger(__name__)
LANGUAGE = "sv"  # the organisations' language
PASSWORD_VARIABLE = "SIPBOT_SMTP_PASSWORD"
SUBJECT = {
    "new": N_("mail.subject.new"),
    "moved": N_("mail.subject.moved"),
    "cancelled": N_("mail.subject.cancelled"),
}
BODY = {
    "new": N_("mail.body.new"),
    "moved": N_("mail.body.moved"),
    "cancelled": N_("mail.body.cancelled"),
}
KIND = {"meeting": N_("mail.kind.meeting"), "followup": N_("mail.kind.followup")}


def smtp_password(deployment: Deployment) -> str | None:
    """The server's password, from the environment only; missing when a user is named stops
    the start with one line."""
    server = deployment.mail
    if server is None or server.user is None:
        return None
    password = os.environ.get(PASSWORD_VARIABLE)
    if not password:
        raise ConfigError(
            f"{PASSWORD_VARIABLE}: missing; the deployment's mail server names user {server.user!r}"
        )
    return password


def address(deployment: Deployment, unit_id: str, actor: str) -> str | None:
    """An actor's address for a unit's meetings: the unit's own, else the region's."""
    unit = deployment.unit(unit_id)
    return unit.actor_mail.get(actor) or deployment.actor_mail.get(actor)


def invited(request: SipRequest, meeting: Meeting) -> list[str]:
    """The actors invited: those staff chose when booking, else those the person chose."""
    actors = meeting.invitees
    if actors is None:
        actors = (request.answers or {}).get("actors") or []
    return [a for a in actors if a in ACTOR_LABELS]


def queue_kallelse(
    s: Session, services: Services, request: SipRequest, meeting: Meeting, change: str
) -> int:
    """One e-mail to each invited organisation with an address; returns how many."""
    deployment = services.deployment
    if deployment.mail is None:
        return 0
    count = 0
    for actor in invited(request, meeting):
        to = address(deployment, request.unit, actor)
        if to is None:
            continue
        outbox.put(
            s,
            services.clock(),
            0,
            [compose(services, request, meeting, change, to)],
            kind=f"mail.{change}",
            request_id=request.id,
            channel="mail",
        )
        count += 1
    if count:
        log.info("mail.queued id=%s change=%s count=%s", request.id, change, count)
    return count


def compose(
    services: Services, request: SipRequest, meeting: Meeting, change: str, to: str
) -> outbox.Part:
    """The e-mail as an outbox part: the reference, time, place, convener and contact."""
    t = services.catalogs.texts(LANGUAGE, easy=False)
    deployment = services.deployment
    unit = deployment.unit(request.unit)
    assert deployment.mail is not None
    convener = unit.name
    if meeting.convener in ACTOR_LABELS:
        convener = t(ACTOR_LABELS[meeting.convener])
    place = where(meeting, t, staff=True)  # "the person's home", never their name
    values = {
        "reference": request.reference,
        "kind": t(KIND[meeting.kind]),
        "date": t.datetime(meeting.starts_at),
        "minutes": meeting.minutes,
        "where": place,
        "convener": convener,
        "unit": unit.name,
        "contact": unit.contact or deployment.mail.sender,
    }
    calendar = meeting_ics(
        uid=meeting.uid,
        sequence=meeting.sequence,
        start=meeting.starts_at,
        minutes=meeting.minutes,
        summary=t("meeting.ics.summary", reference=request.reference),
        location=place,
        description=None,
        organizer_name=unit.name,
        organizer_email=deployment.mail.sender,
        method="CANCEL" if change == "cancelled" else "REQUEST",
        tz=services.settings.tz,
        now=services.clock(),
    )
    return {
        "mail": {
            "to": to,
            "subject": t(SUBJECT[change], **values),
            "body": t(BODY[change], **values),
            "ics": base64.b64encode(calendar).decode("ascii"),
            "method": "CANCEL" if change == "cancelled" else "REQUEST",
            "filename": f"{request.reference}.ics",
        }
    }
