"""Submitted SIP requests: references, routing and storage. No Telegram here."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.deployment import Deployment

# No 0/O, 1/I/L: a reference read aloud on the phone must not be misheard.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference(length: int = 4) -> str:
    return "SIP-" + "".join(secrets.choice(ALPHABET) for _ in range(length))


def consent_state(answers: dict[str, Any]) -> str:
    """The person asks themselves, so Send is their consent; otherwise staff confirm it."""
    return "given" if answers.get("role") == "self" else "to_confirm"


def submit_request(
    engine: Engine,
    deployment: Deployment,
    clock: Clock,
    *,
    telegram_id: int,
    flow_id: str,
    flow_version: int,
    answers: dict[str, Any],
    language: str,
    easy: bool,
) -> SipRequest:
    municipality = deployment.municipality(answers["municipality"])
    for attempt in range(20):
        # Four characters give ~900 000 references; widen after repeated collisions.
        request = SipRequest(
            reference=new_reference(4 if attempt < 10 else 6),
            telegram_id=telegram_id,
            flow_id=flow_id,
            flow_version=flow_version,
            role=answers.get("role", "self"),
            municipality=municipality.id,
            unit=municipality.intake_unit,
            consent=consent_state(answers),
            status="new",
            language=language,
            easy=easy,
            answers=answers,
            submitted_at=clock(),
        )
        try:
            with session_scope(engine) as s:
                s.add(request)
            return request
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free reference")
