"""The tables. Free text and contact details use encrypted columns; queue fields stay plain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, event
from sqlmodel import Field, SQLModel

from sipbot.db.crypto import EncryptedJSON, EncryptedText
from sipbot.db.types import UTCDateTime


def _ts(**kw: Any) -> Any:
    return Field(sa_column=Column(UTCDateTime(), **kw))


class Person(SQLModel, table=True):
    """A Telegram user of the bot and how they want to be spoken to."""

    __tablename__ = "person"
    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str = Field(default="sv", max_length=16)  # a BCP 47 tag such as "sma"
    easy: bool = False  # the easy-to-read (lättläst) register
    created_at: datetime = _ts(nullable=False)
    updated_at: datetime = _ts(nullable=False)


class UserData(SQLModel, table=True):
    """PTB user_data: the flow position and the answers given so far."""

    __tablename__ = "user_data"
    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: dict[str, Any] = Field(sa_column=Column(EncryptedJSON(), nullable=False))
    updated_at: datetime = _ts(nullable=False)


class ChatData(SQLModel, table=True):
    __tablename__ = "chat_data"
    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    data: dict[str, Any] = Field(sa_column=Column(EncryptedJSON(), nullable=False))
    updated_at: datetime = _ts(nullable=False)


class BotData(SQLModel, table=True):
    __tablename__ = "bot_data"
    id: int = Field(default=1, primary_key=True)
    data: dict[str, Any] = Field(sa_column=Column(EncryptedJSON(), nullable=False))


class ConversationState(SQLModel, table=True):
    """PTB ConversationHandler states, keyed by handler name and the handler's key."""

    __tablename__ = "conversation_state"
    name: str = Field(sa_column=Column(String(64), primary_key=True))
    key: str = Field(sa_column=Column(String(128), primary_key=True))
    state: Any = Field(sa_column=Column(EncryptedJSON(), nullable=False))


class SipRequest(SQLModel, table=True):
    """A submitted SIP request: routing and status plain, the person's words encrypted."""

    __tablename__ = "sip_request"
    # The staff queue's tabs: by unit and status in waiting order, by who has it, by deadline.
    __table_args__ = (
        Index("ix_sip_request_unit_status", "unit", "status", "submitted_at"),
        Index("ix_sip_request_assigned", "assigned_to", "status", "submitted_at"),
        Index("ix_sip_request_unit_due", "unit", "status", "due_at"),
        Index("ix_sip_request_unit_closed", "unit", "closed_at", "id"),  # the Closed tab
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    telegram_id: int | None = Field(sa_column=Column(BigInteger, index=True))
    # The draft it was sent from: pressing Send again on the same draft finds this request.
    draft_key: str | None = Field(default=None, sa_column=Column(String(32), unique=True))
    flow_id: str = Field(max_length=64)
    flow_version: int
    role: str = Field(max_length=32)
    municipality: str = Field(max_length=32)
    unit: str = Field(max_length=32)
    consent: str = Field(max_length=32)
    status: str = Field(max_length=32)
    language: str = Field(max_length=16)
    easy: bool
    # None once the person deleted their data: the row stays as a tombstone for staff.
    answers: dict[str, Any] | None = Field(sa_column=Column(EncryptedJSON()))
    # Whom staff help (from the answers), outside them so the queue need not load the answers.
    person_name: str | None = Field(default=None, sa_column=Column(EncryptedText()))
    submitted_at: datetime = _ts(nullable=False)
    assigned_to: int | None = Field(default=None, sa_column=Column(BigInteger))  # staff member
    claimed_at: datetime | None = _ts(nullable=True)  # first claim, for time-to-claim figures
    due_at: datetime | None = _ts(nullable=True)  # the response-time target
    escalated_at: datetime | None = _ts(nullable=True)  # last overdue reminder to the unit
    meeting_at: datetime | None = _ts(nullable=True)
    followup_at: datetime | None = _ts(nullable=True)
    closed_at: datetime | None = _ts(nullable=True)  # closed, withdrawn, declined or deleted


class RequestEvent(SQLModel, table=True):
    """The history of a request: each status or consent change, who made it and when."""

    __tablename__ = "request_event"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sip_request.id"), index=True, nullable=False)
    )
    at: datetime = _ts(nullable=False)
    kind: str = Field(max_length=16)  # "status" or "consent"
    value: str = Field(max_length=32)  # the new status or consent state
    actor: str = Field(max_length=16)  # person, requester, staff, system
    staff_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    detail: str | None = Field(default=None, max_length=200)  # e.g. how consent was given


class ConsentLink(SQLModel, table=True):
    """A one-time deep link the person opens on their own phone to confirm consent.

    Only a hash of the token is stored, so a database copy cannot be used to consent.
    """

    __tablename__ = "consent_link"
    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    request_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sip_request.id"), index=True, nullable=False)
    )
    expires_at: datetime = _ts(nullable=False)
    used_at: datetime | None = _ts(nullable=True)
    # The person's own chat once they said yes through the link: notices and reminders then
    # reach them too, worded for them (erased with the request's contents).
    person_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))


class StaffMember(SQLModel, table=True):
    """Someone who works a unit's requests; admins may also invite and remove colleagues."""

    __tablename__ = "staff_member"
    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    unit: str = Field(max_length=32, index=True)
    role: str = Field(max_length=16)  # staff or admin
    name: str = Field(max_length=120)  # shown to colleagues: the Telegram first name
    active: bool = True
    created_at: datetime = _ts(nullable=False)


class StaffIdentity(SQLModel, table=True):
    """A staff member's identity at the region's OpenID Connect provider (e.g. SITHS HSA-id).

    The claim's value is kept only as a keyed hash, so a sign-in finds the member without the
    table holding the identifier in the clear; what the provider verified (name, personnummer)
    is encrypted and filled at each sign-in.
    """

    __tablename__ = "staff_identity"
    subject_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    telegram_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("staff_member.telegram_id"), index=True)
    )
    verified: dict[str, Any] | None = Field(default=None, sa_column=Column(EncryptedJSON()))
    verified_at: datetime | None = _ts(nullable=True)


class StaffInvite(SQLModel, table=True):
    """A one-time enrolment link for a unit; only the token's hash is kept."""

    __tablename__ = "staff_invite"
    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    unit: str = Field(max_length=32)
    role: str = Field(max_length=16)
    expires_at: datetime = _ts(nullable=False)
    used_at: datetime | None = _ts(nullable=True)
    used_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger))  # None: the CLI


class RequestNote(SQLModel, table=True):
    """Words on a request besides the person's answers: staff notes and the message relay.

    kind: note (staff only), to_person, from_person, transfer, decline.
    """

    __tablename__ = "request_note"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sip_request.id"), index=True, nullable=False)
    )
    at: datetime = _ts(nullable=False)
    kind: str = Field(max_length=16)
    staff_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    body: dict[str, Any] | None = Field(sa_column=Column(EncryptedJSON()))  # text or voice


class AuditEntry(SQLModel, table=True):
    """Who did or saw what, when. Only ever inserted; nothing in the bot changes a row."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_request", "request_id", "at"),
        Index("ix_audit_entry_staff", "staff_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _ts(nullable=False)
    staff_id: int | None = Field(default=None, sa_column=Column(BigInteger))  # None: CLI/system
    action: str = Field(max_length=32)
    request_id: int | None = Field(default=None, sa_column=Column(Integer))
    detail: str | None = Field(default=None, max_length=200)  # ids and codes, never words


class Meeting(SQLModel, table=True):
    """A SIP meeting or a follow-up, with what its calendar file needs (UID, SEQUENCE)."""

    __tablename__ = "meeting"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sip_request.id"), index=True, nullable=False)
    )
    kind: str = Field(max_length=16)  # meeting or followup
    starts_at: datetime = _ts(nullable=False)
    minutes: int
    place: str = Field(max_length=16)  # home, office, video, phone
    place_detail: dict[str, Any] | None = Field(sa_column=Column(EncryptedJSON()))  # address…
    invitees: list[str] | None = Field(default=None, sa_column=Column(JSON))  # actor ids
    convener: str | None = Field(default=None, max_length=32)  # an actor id, or "unit"
    uid: str = Field(max_length=64)
    sequence: int = 0
    status: str = Field(max_length=16)  # booked, cancelled, held
    person_answer: str | None = Field(default=None, max_length=16)  # can_come, other_time
    booked_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = _ts(nullable=False)


class Reminder(SQLModel, table=True):
    """One message to send at a time: created with its booking, claimed once, outcome kept.

    status: pending → sending → sent | missed (event passed) | unreachable (403) | failed;
    cancelled when the booking changes. `claim` marks the sweep that took it.
    """

    __tablename__ = "reminder"
    __table_args__ = (Index("ix_reminder_due", "status", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id"), index=True, nullable=False)
    )
    kind: str = Field(max_length=24)  # before_7, before_1, prepare …
    audience: str = Field(max_length=8)  # person or staff
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    due_at: datetime = _ts(nullable=False)
    event_at: datetime = _ts(nullable=False)
    next_try_at: datetime = _ts(nullable=False)
    status: str = Field(max_length=12)
    attempts: int = 0
    claim: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, max_length=64)


class OutboxMessage(SQLModel, table=True):
    """A message that must arrive, written in the same transaction as the change it tells.

    Delivered at least once by the outbox sweep (claimed like a reminder). `parts` are sent in
    order (text with buttons, a file, a voice); `done_parts` counts those already out, so a
    retry does not send them again. `fallback` is queued instead when the chat is unreachable.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)  # an event name for the logs, e.g. notice.new
    # telegram: sent to chat_id by the chat's sweep; mail: an e-mail (chat_id 0), sent by
    # sipbot.mail_sender to the address in its part.
    channel: str = Field(
        default="telegram", max_length=8, sa_column_kwargs={"server_default": "telegram"}
    )
    request_id: int | None = Field(default=None, sa_column=Column(Integer))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    parts: list[dict[str, Any]] = Field(sa_column=Column(EncryptedJSON(), nullable=False))
    done_parts: int = 0
    fallback: dict[str, Any] | None = Field(default=None, sa_column=Column(EncryptedJSON()))
    due_at: datetime = _ts(nullable=False)
    next_try_at: datetime = _ts(nullable=False)
    status: str = Field(max_length=12)  # pending, sending, sent, unreachable, failed
    attempts: int = 0
    claim: str | None = Field(default=None, max_length=32)
    claimed_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, max_length=64)


class Plan(SQLModel, table=True):
    """The SIP plan of a request (sipbot.plan): its versions, and the next one being written.

    `draft` holds what staff have written so far for the next version, so a form filled in
    over several pages (the desk) loses nothing; making the version empties it.
    """

    __tablename__ = "plan"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(
        sa_column=Column(Integer, ForeignKey("sip_request.id"), unique=True, nullable=False)
    )
    created_at: datetime = _ts(nullable=False)
    current_version: int = 0  # 0: no version made yet
    draft: dict[str, Any] | None = Field(default=None, sa_column=Column(EncryptedJSON()))
    draft_at: datetime | None = _ts(nullable=True)


class PlanVersion(SQLModel, table=True):
    """One made version of a plan: never changed once written (the next one copies it).

    `content` is the plan itself (sipbot.plan.model.PlanContent as JSON), encrypted: goals,
    actions, who is responsible, the participants' names and contacts are the person's data.
    The follow-up time stays plain so reminders and statistics can find it.
    """

    __tablename__ = "plan_version"
    __table_args__ = (Index("ix_plan_version_plan", "plan_id", "number", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=Column(Integer, ForeignKey("plan.id"), nullable=False))
    number: int  # 1: made at the meeting; each follow-up makes the next
    made_at: datetime = _ts(nullable=False)
    made_by: int | None = Field(default=None, sa_column=Column(BigInteger))  # staff member
    meeting_id: int | None = Field(default=None, sa_column=Column(Integer))  # where it was made
    followup_at: datetime | None = _ts(nullable=True)
    content: dict[str, Any] = Field(sa_column=Column(EncryptedJSON(), nullable=False))


@event.listens_for(PlanVersion, "before_update")
def _plan_version_never_changed(_mapper: Any, _connection: Any, _target: PlanVersion) -> None:
    raise RuntimeError("a made plan version is never changed; make the next one")
