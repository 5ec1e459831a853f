"""The person's words and contact details are not readable in the database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from sipbot.db.engine import session_scope
from sipbot.requests import submit_request
from sipbot.services import Services
from tests.conftest import FakeClock


def test_free_text_is_absent_from_the_database(
    services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    words = "Mitt hemliga mål: flytta till Frösön"
    phone = "070-987 65 43"
    request = submit_request(
        services.engine,
        services.deployment,
        clock,
        telegram_id=1,
        flow_id="sip_request",
        flow_version=1,
        answers={"role": "self", "municipality": "are", "main_goal": words, "phone": phone},
        language="sv",
        easy=False,
        tz=services.settings.tz,
    )
    with session_scope(services.engine) as s:
        raw = s.execute(text("SELECT answers FROM sip_request")).scalar_one()
        assert words.encode() not in bytes(raw) and phone.encode() not in bytes(raw)
    services.engine.dispose()
    if services.settings.db_url.startswith("sqlite"):
        files = list(tmp_path.glob("sipbot.db*"))
        assert files
        for f in files:  # the database and its WAL
            blob = f.read_bytes()
            assert words.encode() not in blob and phone.encode() not in blob
            assert "Frösön".encode() not in blob
    with session_scope(services.engine) as s:
        from sipbot.db.models import SipRequest

        loaded = s.get(SipRequest, request.id)
        assert loaded is not None and loaded.answers["main_goal"] == words
