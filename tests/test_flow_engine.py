"""Where the flow goes next, without Telegram."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sipbot.config import ConfigError
from sipbot.flows import engine
from sipbot.services import Services

FLOW = Path(__file__).resolve().parent.parent / "conversations" / "sip_request.yaml"


def test_branches_follow_the_role_and_an_edit_asks_only_what_became_needed(
    services: Services,
) -> None:
    flow = services.flows["sip_request"]
    state = engine.new_state(flow)
    assert state["step"] == "role"
    assert engine.answer(flow, state, "self").id == "municipality"  # type: ignore[union-attr]
    for step, value in [("municipality", "berg"), ("problems", "x"), ("main_goal", "y")]:
        assert state["step"] == step
        engine.answer(flow, state, value)
    # From the review, change the role: the relative's questions are asked, then the review.
    state["step"], state["answers"]["review"] = "review", None
    engine.edit(flow, state, "role")
    assert engine.answer(flow, state, "relative").id == "person_name"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "Karl").id == "relation"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "son").id == "person_agrees"  # type: ignore[union-attr]
    nxt = engine.answer(flow, state, "agrees")
    assert nxt is not None and nxt.id == "subgoals"  # the first still unanswered step
    # Back to self: the relative's answers no longer count.
    engine.edit(flow, state, "role")
    engine.answer(flow, state, "self")
    final = engine.final_answers(flow, state)
    assert "person_name" not in final and final["role"] == "self"


def test_a_flow_naming_a_missing_text_is_rejected_with_its_line(
    services: Services, tmp_path: Path
) -> None:
    from sipbot.flows.model import load_flow

    bad = tmp_path / "f.yaml"
    bad.write_text(FLOW.read_text().replace("ask: sip.main_goal.ask", "ask: sip.main_goal.askk"))
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if ".askk" in t)
    with pytest.raises(ConfigError, match=rf"f.yaml:{line}: steps\.\d+\.ask: no text"):
        load_flow(bad, services.deployment, services.catalogs.texts("sv", False).has)


def test_dates_are_shown_in_the_readers_language_and_swedish_time(services: Services) -> None:
    winter = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    summer = datetime(2026, 6, 4, 8, 0, tzinfo=UTC)
    assert services.catalogs.texts("sv", True).datetime(winter) == "torsdag 3 december 2026 10:00"
    assert services.catalogs.texts("en", False).datetime(summer) == "Thursday 4 June 2026 10:00"
