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
    assert engine.answer(flow, state, "self").id == "own_name"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "Klara").id == "municipality"  # type: ignore[union-attr]
    for step, value in [("municipality", "berg"), ("problems", "x"), ("main_goal", "y")]:
        assert state["step"] == step
        engine.answer(flow, state, value)
    # From the review, change the role: the relative's questions are asked, then the review.
    state["step"], state["answers"]["review"] = "review", None
    engine.edit(flow, state, "role")
    assert engine.answer(flow, state, "relative").id == "person_name"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "Karl").id == "relation"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "son").id == "person_agrees"  # type: ignore[union-attr]
    assert engine.answer(flow, state, "agrees").id == "person_age"  # type: ignore[union-attr]
    nxt = engine.answer(flow, state, "adult")
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


def _through(flow, state, answers: dict) -> None:  # type: ignore[no-untyped-def]
    for step, value in answers.items():
        assert state["step"] == step, f"at {state['step']}, expected {step}"
        engine.answer(flow, state, value)


def test_contacts_are_asked_per_chosen_actor_and_again_only_for_new_ones(
    services: Services,
) -> None:
    flow = services.flows["sip_request"]
    state = engine.new_state(flow)
    _through(flow, state, {"role": "self", "own_name": "K", "municipality": "berg"})
    _through(flow, state, {"problems": "x"})
    _through(flow, state, {"main_goal": "y", "subgoals": [], "can_do": None, "strengths": None})
    _through(flow, state, {"actors": ["vardcentral", "narstaende"]})
    contacts = flow.step("contacts")
    engine.enter(contacts, state)
    assert engine.each_item(flow, contacts, state) == "vardcentral"
    assert engine.answer_item(flow, contacts, state, "Anna") is contacts
    assert engine.each_item(flow, contacts, state) == "narstaende"
    nxt = engine.answer_item(flow, contacts, state, None)
    assert nxt is not None and nxt.id == "share_scope"
    assert state["answers"]["contacts"] == {"vardcentral": "Anna", "narstaende": None}
    # From the review: add psychiatry. Only its contact is asked; the answers about the
    # others are kept. The main-responsible question is now needed too (a huvudman).
    state["step"] = "review"
    engine.edit(flow, state, "actors")
    nxt = engine.answer(flow, state, ["vardcentral", "narstaende", "psykiatri"])
    assert nxt is not None and nxt.id == "contacts"
    engine.enter(nxt, state)
    assert engine.each_item(flow, nxt, state) == "psykiatri"
    after = engine.answer_item(flow, nxt, state, "Eva")
    assert after is not None and after.id == "share_scope"
    assert state["answers"]["contacts"] == {
        "vardcentral": "Anna",
        "narstaende": None,
        "psykiatri": "Eva",
    }
    # Taking an actor away drops only its contact, without asking anything.
    engine.edit(flow, state, "actors")
    nxt = engine.answer(flow, state, ["psykiatri", "vardcentral"])
    assert nxt is not None and nxt.id == "contacts"
    engine.enter(nxt, state)
    assert engine.each_item(flow, nxt, state) is None
    assert engine.each_answer(flow, nxt, state) == {"psykiatri": "Eva", "vardcentral": "Anna"}
    # Chosen to be edited, every item is asked again, each with the earlier answer on offer.
    engine.answer(flow, state, engine.each_answer(flow, nxt, state))
    engine.edit(flow, state, "contacts")
    assert engine.each_item(flow, nxt, state) == "psykiatri"
    assert engine.earlier_item(nxt, state, "psykiatri") == "Eva"


def test_main_responsible_is_asked_only_when_a_huvudman_is_invited(services: Services) -> None:
    flow = services.flows["sip_request"]
    step = flow.step("main_responsible")
    assert not engine.visible(step, {"actors": ["skola", "arbetsgivare"]})
    answers = {"actors": ["skola", "psykiatri", "lss"]}
    assert engine.visible(step, answers)
    assert engine.chosen_options(flow, step, answers) == ["psykiatri", "lss"]


def test_a_draft_from_an_older_flow_version_keeps_what_still_fits(services: Services) -> None:
    flow = services.flows["sip_request"]
    old = {
        "flow": flow.id,
        "version": flow.version - 1,
        "step": "contacts",
        "answers": {
            "role": "self",
            "municipality": "berg",
            "problems": "x",
            "main_goal": "y",
            "actors": ["vardcentral"],
            "contacts": "Anna på vårdcentralen",  # was free text, is now one per actor
            "removed_step": "z",
        },
        "pending": None,
        "review": False,
        "ask": 7,
    }
    assert engine.upgrade_state(flow, old)
    assert old["version"] == flow.version
    assert "contacts" not in old["answers"] and "removed_step" not in old["answers"]
    assert old["answers"]["main_goal"] == "y"
    assert old["step"] == "own_name"  # the first step needing an answer: new in this version
    assert not engine.upgrade_state(flow, old)
